"""RequestStartTransaction requests: what was asked of which station, and what it answered.

Recorded before the CALL is sent, so that the transaction the station then starts (whose
first TransactionEvent carries the ``remoteStartId``, F01/F02) can be linked to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk

if TYPE_CHECKING:
    from citrine_data.models.station import ChargingStation


class RemoteStart(TimestampMixin, Base):
    __tablename__ = "remote_starts"
    __table_args__ = (sa.UniqueConstraint("station_pk", "remote_start_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    remote_start_id: Mapped[int]
    id_token: Mapped[str] = mapped_column(sa.String(255))
    id_token_type: Mapped[str] = mapped_column(sa.String(20))
    group_id_token: Mapped[str | None] = mapped_column(sa.String(255))
    group_id_token_type: Mapped[str | None] = mapped_column(sa.String(20))
    evse_id: Mapped[int | None]
    # requested -> Accepted/Rejected (the answer), or failed (CALLERROR, timeout, offline)
    status: Mapped[str] = mapped_column(sa.String(20), default="requested")
    status_reason: Mapped[str | None] = mapped_column(sa.String(255))
    # Given in the answer when a transaction was already running (cable plugged in first),
    # or set when the transaction carrying this remoteStartId is linked.
    transaction_id: Mapped[str | None] = mapped_column(sa.String(36))
    transaction_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="SET NULL"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    station: Mapped[ChargingStation] = relationship(lazy="raise")
