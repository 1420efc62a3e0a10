"""Meter values (MeterValues and those inside TransactionEvent) and their sampled values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, BigIntKey, UTCDateTime, station_fk, utc_now


class MeterValue(Base):
    __tablename__ = "meter_values"
    __table_args__ = (sa.Index(None, "station_pk", "timestamp"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    evse_id: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: the main meter
    transaction_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="CASCADE"), index=True
    )
    transaction_event_pk: Mapped[int | None] = mapped_column(
        BigIntKey,
        sa.ForeignKey("transaction_events.id", ondelete="CASCADE"),
        index=True,
    )
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    sampled_values: Mapped[list[SampledValue]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SampledValue.id",
    )


class SampledValue(Base):
    __tablename__ = "sampled_values"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    meter_value_pk: Mapped[int] = mapped_column(
        BigIntKey,
        sa.ForeignKey("meter_values.id", ondelete="CASCADE"),
        index=True,
    )
    # A measurement, not money: double precision is the meter's own resolution and more.
    value: Mapped[float] = mapped_column(sa.Double())
    context: Mapped[str | None] = mapped_column(sa.String(30))
    measurand: Mapped[str] = mapped_column(sa.String(50), default="Energy.Active.Import.Register")
    phase: Mapped[str | None] = mapped_column(sa.String(10))
    location: Mapped[str | None] = mapped_column(sa.String(10))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    multiplier: Mapped[int | None]
    signed_meter_value: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
