"""Locations (sites): where stations stand, and the site's grid connection."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, tenant_fk


class Location(TimestampMixin, Base):
    __tablename__ = "locations"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    name: Mapped[str] = mapped_column(sa.String(255))
    address: Mapped[str | None] = mapped_column(sa.String(255))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    state: Mapped[str | None] = mapped_column(sa.String(100))
    country: Mapped[str | None] = mapped_column(sa.String(3))  # ISO 3166-1 alpha-2 or alpha-3
    latitude: Mapped[float | None] = mapped_column(sa.Double())
    longitude: Mapped[float | None] = mapped_column(sa.Double())
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))  # IANA name, "Europe/Berlin"
    # For a later site-limit (load management) feature; None means unlimited/unknown.
    grid_connection_limit_amps: Mapped[float | None] = mapped_column(sa.Double())
