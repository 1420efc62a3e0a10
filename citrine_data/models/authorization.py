"""Id tokens with their IdTokenInfo, and the local authorization list of each station."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk, tenant_fk


def token_lookup_key(id_token: str) -> str:
    """The form tokens are matched by: OCPP says an IdToken is case insensitive (a reader
    may send ``04a2b3`` for the card stored as ``04A2B3``)."""
    return id_token.upper()


def _lookup_key_default(context: DefaultExecutionContext) -> str:
    parameters: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return token_lookup_key(parameters["id_token"])


class IdToken(TimestampMixin, Base):
    __tablename__ = "id_tokens"
    # Unique within a tenant: two tenants may issue the same card (CitrineOS cannot).
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "lookup_key", "type"),
        sa.Index(None, "tenant_id", "in_local_list"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    id_token: Mapped[str] = mapped_column(sa.String(255))  # as issued, case kept
    lookup_key: Mapped[str] = mapped_column(sa.String(255), default=_lookup_key_default)
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
    # Where the token may be used; None means no restriction. Stations and locations are
    # alternatives (allowed at any listed station or at any station of a listed location).
    allowed_station_ids: Mapped[list[str] | None] = mapped_column(sa.JSON())
    allowed_location_ids: Mapped[list[int] | None] = mapped_column(sa.JSON())
    allowed_evse_ids: Mapped[list[int] | None] = mapped_column(sa.JSON())  # EVSE numbers
    allowed_connector_types: Mapped[list[str] | None] = mapped_column(sa.JSON())  # "cCCS2"
    # A master pass token (or a member of a master pass group) stops, never starts (C16).
    is_master_pass: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    allow_concurrent_tx: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Sent to the local authorization list of the stations where it may be used (D01).
    in_local_list: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    additional_info: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())

    group: Mapped[IdToken | None] = relationship(remote_side=[id], lazy="raise")


class LocalListVersion(TimestampMixin, Base):
    """What the CSMS knows of a station's local list: the version it holds, the version it
    last reported (GetLocalListVersion), and whether our copy of its entries can be trusted
    for a differential update."""

    __tablename__ = "local_list_versions"

    station_pk: Mapped[int] = mapped_column(station_fk(), primary_key=True)
    version: Mapped[int]
    needs_full: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reported_version: Mapped[int | None]
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LocalListEntry(TimestampMixin, Base):
    """A token on a station's local list, as last sent to the station (the AuthorizationData
    of the accepted SendLocalList). Keyed by the token's value, not by our row: a token
    deleted here must still be removed from the station's list."""

    __tablename__ = "local_list_entries"
    __table_args__ = (sa.UniqueConstraint("station_pk", "lookup_key", "id_token_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    id_token: Mapped[str] = mapped_column(sa.String(255))
    id_token_type: Mapped[str] = mapped_column(sa.String(20))
    lookup_key: Mapped[str] = mapped_column(sa.String(255))
    authorization_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
