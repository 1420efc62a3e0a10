"""Reservations (ReserveNow) and what became of them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk

if TYPE_CHECKING:
    from citrine_data.models.station import ChargingStation


class Reservation(TimestampMixin, Base):
    __tablename__ = "reservations"
    __table_args__ = (sa.UniqueConstraint("station_pk", "reservation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    reservation_id: Mapped[int]
    expiry_at: Mapped[datetime] = mapped_column(UTCDateTime())
    id_token: Mapped[str] = mapped_column(sa.String(255))
    id_token_type: Mapped[str] = mapped_column(sa.String(20))
    group_id_token: Mapped[str | None] = mapped_column(sa.String(255))
    group_id_token_type: Mapped[str | None] = mapped_column(sa.String(20))
    evse_id: Mapped[int | None]
    connector_type: Mapped[str | None] = mapped_column(sa.String(20))
    # The ReserveNow answer (Accepted/Faulted/Occupied/Rejected/Unavailable), then
    # Expired/Removed (ReservationStatusUpdate, or Expired past its time), Used or Cancelled.
    status: Mapped[str] = mapped_column(sa.String(20), default="requested")
    status_reason: Mapped[str | None] = mapped_column(sa.String(255))  # statusInfo of answers
    transaction_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="SET NULL"), index=True
    )

    station: Mapped[ChargingStation] = relationship(lazy="raise")
