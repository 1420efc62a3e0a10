"""Id tokens with their IdTokenInfo, and the local authorization list of each station."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk, tenant_fk


class IdToken(TimestampMixin, Base):
    __tablename__ = "id_tokens"
    # Unique within a tenant: two tenants may issue the same card (CitrineOS cannot).
    __table_args__ = (sa.UniqueConstraint("tenant_id", "id_token", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    id_token: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(20))  # OCPP IdTokenEnumType
    status: Mapped[str] = mapped_column(sa.String(20), default="Accepted")
    cache_expiry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    charging_priority: Mapped[int | None]
    language1: Mapped[str | None] = mapped_column(sa.String(8))
    language2: Mapped[str | None] = mapped_column(sa.String(8))
    personal_message: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())  # MessageContent
    # The group token must belong to the same tenant; the repository checks it.
    group_id_token_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("id_tokens.id", ondelete="SET NULL"), index=True
    )
    allowed_evse_ids: Mapped[list[int] | None] = mapped_column(sa.JSON())  # None: everywhere
    is_master_pass: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    additional_info: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())

    group: Mapped[IdToken | None] = relationship(remote_side=[id], lazy="raise")


class LocalListVersion(TimestampMixin, Base):
    __tablename__ = "local_list_versions"

    station_pk: Mapped[int] = mapped_column(station_fk(), primary_key=True)
    version: Mapped[int]


class LocalListEntry(TimestampMixin, Base):
    """A token on a station's local list, with the IdTokenInfo as last sent to the station
    (the token may have changed since; comparing the two finds entries to resend)."""

    __tablename__ = "local_list_entries"
    __table_args__ = (sa.UniqueConstraint("station_pk", "id_token_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    id_token_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("id_tokens.id", ondelete="CASCADE"), index=True
    )
    id_token_info: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
