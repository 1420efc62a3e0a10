"""Secrets that authenticate someone to us: station passwords and REST API keys (hashed)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk, tenant_fk


class StationCredential(TimestampMixin, Base):
    """The basic-auth password hash of a station (security profiles 1 and 2)."""

    __tablename__ = "station_credentials"

    station_pk: Mapped[int] = mapped_column(station_fk(), primary_key=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Still accepted while a new password is being set on the station: the SetVariables
    # may fail or the station may reconnect with the old one before it applies the new one.
    previous_hash: Mapped[str | None] = mapped_column(sa.String(255))


_PLATFORM = sa.text("tenant_id IS NULL")


class ApiKey(TimestampMixin, Base):
    """A REST API key; ``tenant_id`` None is a platform operator's key (every tenant)."""

    __tablename__ = "api_keys"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "name"),
        # NULLs are distinct in the constraint above: platform keys need their own.
        sa.Index(
            "uq_api_keys_platform_name",
            "name",
            unique=True,
            sqlite_where=_PLATFORM,
            postgresql_where=_PLATFORM,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(sa.String(64), tenant_fk())
    name: Mapped[str] = mapped_column(sa.String(100))
    key_prefix: Mapped[str] = mapped_column(sa.String(16))  # shown to humans to tell keys apart
    # A keyed hash of the whole key; globally unique, so a presented key finds its row.
    key_hash: Mapped[str] = mapped_column(sa.String(255), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON(), default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
