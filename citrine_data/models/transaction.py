"""Transactions and every TransactionEvent received for them.

(station, transaction id) is unique, and the station is tenant-scoped, so the key includes the
tenant. (transaction, seqNo) is unique: a repeated event is detected by the database, not lost
or applied twice. The seqNo bookkeeping on the transaction lets the service tell when all events
up to Ended have arrived (offline stations deliver them late and out of order).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import (
    Base,
    BigIntKey,
    TimestampMixin,
    UTCDateTime,
    enum_check,
    station_fk,
    str_enum,
    utc_now,
)

if TYPE_CHECKING:
    from citrine_data.models.station import ChargingStation
    from citrine_data.models.tariff import Tariff


class TransactionState(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class EndedBy(StrEnum):
    """Who ended a transaction: the station (its Ended event arrived), or the CSMS, which
    inferred the end (a newer transaction started on the same EVSE, or the station said it
    is no longer ongoing) so that a lost Ended cannot leave it active for ever."""

    STATION = "station"
    CSMS = "csms"


class Transaction(TimestampMixin, Base):
    __tablename__ = "transactions"
    __table_args__ = (
        sa.UniqueConstraint("station_pk", "transaction_id"),
        sa.Index(None, "station_pk", "state"),
        sa.Index(None, "id_token"),
        enum_check("state", TransactionState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a station with billing history is decommissioned, not deleted.
    station_pk: Mapped[int] = mapped_column(station_fk(ondelete="RESTRICT"))
    transaction_id: Mapped[str] = mapped_column(sa.String(36))
    evse_id: Mapped[int | None]
    connector_id: Mapped[int | None]
    # The token as the station reported it, and our row for it when we know the token.
    id_token: Mapped[str | None] = mapped_column(sa.String(255))
    id_token_type: Mapped[str | None] = mapped_column(sa.String(20))
    id_token_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("id_tokens.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[TransactionState] = mapped_column(
        str_enum(TransactionState), default=TransactionState.ACTIVE
    )
    ended_by: Mapped[str | None] = mapped_column(sa.String(10))  # EndedBy
    charging_state: Mapped[str | None] = mapped_column(sa.String(20))
    # The seqNo of the event that reported the charging state: a late, older event (an
    # offline queue delivered out of order) must not overwrite a newer state.
    charging_state_seq_no: Mapped[int | None]
    stopped_reason: Mapped[str | None] = mapped_column(sa.String(30))
    remote_start_id: Mapped[int | None]
    reservation_id: Mapped[int | None]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meter_start_wh: Mapped[float | None] = mapped_column(sa.Double())
    meter_stop_wh: Mapped[float | None] = mapped_column(sa.Double())
    energy_wh: Mapped[float | None] = mapped_column(sa.Double())
    time_spent_charging: Mapped[int | None]  # seconds
    tariff_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tariffs.id", ondelete="SET NULL"), index=True
    )
    total_cost: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    min_seq_no: Mapped[int | None]
    max_seq_no: Mapped[int | None]
    started_seq_no: Mapped[int | None]
    ended_seq_no: Mapped[int | None]
    event_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # True once every event from the Started seqNo through the Ended one has arrived.
    is_complete: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    station: Mapped[ChargingStation] = relationship(lazy="raise")
    tariff: Mapped[Tariff | None] = relationship(lazy="raise")
    events: Mapped[list[TransactionEvent]] = relationship(
        back_populates="transaction",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TransactionEvent.seq_no",
    )


class TransactionEvent(Base):
    __tablename__ = "transaction_events"
    __table_args__ = (sa.UniqueConstraint("transaction_pk", "seq_no"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    transaction_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="CASCADE")
    )
    seq_no: Mapped[int]
    event_type: Mapped[str] = mapped_column(sa.String(10))  # Started/Updated/Ended
    trigger_reason: Mapped[str] = mapped_column(sa.String(40))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    offline: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON())  # the request as received
    response: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())  # the answer, on the wire
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    transaction: Mapped[Transaction] = relationship(back_populates="events", lazy="raise")
