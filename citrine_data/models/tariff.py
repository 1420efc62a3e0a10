"""Tariffs: per tenant, optionally narrowed to a station and one of its EVSEs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk, tenant_fk

if TYPE_CHECKING:
    from citrine_data.models.station import ChargingStation


class Tariff(TimestampMixin, Base):
    __tablename__ = "tariffs"
    __table_args__ = (
        sa.Index(None, "tenant_id", "station_pk", "evse_id"),
        sa.Index(None, "station_pk"),
        sa.CheckConstraint("evse_id IS NULL OR station_pk IS NOT NULL", name="evse_needs_station"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    station_pk: Mapped[int | None] = mapped_column(station_fk())
    evse_id: Mapped[int | None]
    currency: Mapped[str] = mapped_column(sa.String(3))  # ISO 4217
    price_per_kwh: Mapped[Decimal] = mapped_column(default=Decimal(0))
    price_per_minute: Mapped[Decimal] = mapped_column(default=Decimal(0))
    price_per_session: Mapped[Decimal] = mapped_column(default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(default=Decimal(0))  # 0.19 for 19 %
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())

    station: Mapped[ChargingStation | None] = relationship(lazy="raise")
