"""Reservations (ReserveNow) and what became of them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk


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
    # requested, then the ReserveNow answer (Accepted/Faulted/Occupied/Rejected/Unavailable),
    # then Expired/Removed (ReservationStatusUpdate), Used or Cancelled.
    status: Mapped[str] = mapped_column(sa.String(20), default="requested")
    transaction_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="SET NULL"), index=True
    )
