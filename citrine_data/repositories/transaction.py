"""Transactions and their events.

Events of one transaction come from one station, whose messages the router handles one at a
time, so the seqNo bookkeeping is updated in Python; a caller that may race loads the
transaction with ``for_update=True`` (a row lock on PostgreSQL; SQLite serializes writers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from citrine_data.errors import NotFound, translate_errors
from citrine_data.models.station import ChargingStation
from citrine_data.models.transaction import Transaction, TransactionEvent, TransactionState
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

STARTED, ENDED = "Started", "Ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionStart:
    """What the first event we see of a transaction tells about it."""

    transaction_id: str
    started_at: datetime
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    id_token_type: str | None = None
    id_token_pk: int | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    meter_start_wh: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventData:
    seq_no: int
    event_type: str
    trigger_reason: str
    timestamp: datetime
    payload: dict[str, Any]
    offline: bool = False


class TransactionRepository(Repository):
    async def get(
        self, station_pk: int, transaction_id: str, *, for_update: bool = False
    ) -> Transaction | None:
        statement = select(Transaction).where(
            Transaction.station_pk == station_pk, Transaction.transaction_id == transaction_id
        )
        if for_update:
            statement = statement.with_for_update()
        return await self._get_one_or_none(statement)

    async def get_with_events(self, station_pk: int, transaction_id: str) -> Transaction | None:
        statement = (
            select(Transaction)
            .where(
                Transaction.station_pk == station_pk,
                Transaction.transaction_id == transaction_id,
            )
            .options(selectinload(Transaction.events))
        )
        return await self._get_one_or_none(statement)

    async def create(self, station_pk: int, start: TransactionStart) -> Transaction:
        """``Conflict`` when the station already has this transaction id."""
        transaction = Transaction(
            station_pk=station_pk,
            transaction_id=start.transaction_id,
            started_at=start.started_at,
            evse_id=start.evse_id,
            connector_id=start.connector_id,
            id_token=start.id_token,
            id_token_type=start.id_token_type,
            id_token_pk=start.id_token_pk,
            remote_start_id=start.remote_start_id,
            reservation_id=start.reservation_id,
            meter_start_wh=start.meter_start_wh,
            state=TransactionState.ACTIVE,
            event_count=0,
            is_complete=False,
        )
        return await self._add(transaction)

    async def get_or_create(
        self, station_pk: int, start: TransactionStart
    ) -> tuple[Transaction, bool]:
        """The transaction, created from ``start`` if new; True when it was created here.

        Race-free: the insert does nothing if another session created it first.
        """
        values = {
            "station_pk": station_pk,
            "transaction_id": start.transaction_id,
            "started_at": start.started_at,
            "evse_id": start.evse_id,
            "connector_id": start.connector_id,
            "id_token": start.id_token,
            "id_token_type": start.id_token_type,
            "id_token_pk": start.id_token_pk,
            "remote_start_id": start.remote_start_id,
            "reservation_id": start.reservation_id,
            "meter_start_wh": start.meter_start_wh,
        }
        statement = (
            self._insert(Transaction)
            .values(values)
            .on_conflict_do_nothing(index_elements=["station_pk", "transaction_id"])
            .returning(Transaction.id)
        )
        with translate_errors():
            created = (await self.session.execute(statement)).scalar_one_or_none()
        transaction = await self.get(station_pk, start.transaction_id)
        if transaction is None:  # inserted by a session that won the race, then deleted
            raise NotFound(f"transaction {start.transaction_id!r} vanished")
        return transaction, created is not None

    async def add_event(self, transaction: Transaction, event: EventData) -> TransactionEvent:
        """Store the event and update the seqNo bookkeeping.

        ``Conflict`` when the transaction already has this seqNo (a repeated message); the
        session stays usable and the transaction unchanged.
        """
        row = TransactionEvent(
            transaction_pk=transaction.id,
            seq_no=event.seq_no,
            event_type=event.event_type,
            trigger_reason=event.trigger_reason,
            timestamp=event.timestamp,
            offline=event.offline,
            payload=event.payload,
        )
        await self._add(row)
        _note_seq_no(transaction, event)
        await self._flush()
        return row

    async def end(
        self, transaction: Transaction, *, ended_at: datetime, reason: str | None
    ) -> None:
        transaction.state = TransactionState.ENDED
        transaction.ended_at = ended_at
        transaction.stopped_reason = reason
        await self._flush()

    async def list_active(self, station_pk: int) -> list[Transaction]:
        statement = (
            select(Transaction)
            .where(
                Transaction.station_pk == station_pk, Transaction.state == TransactionState.ACTIVE
            )
            .order_by(Transaction.started_at)
        )
        return await self._get_all(statement)

    async def list_active_for_token(self, id_token_pk: int) -> list[Transaction]:
        statement = select(Transaction).where(
            Transaction.id_token_pk == id_token_pk, Transaction.state == TransactionState.ACTIVE
        )
        return await self._get_all(statement)

    async def list(
        self,
        tenant_id: str,
        *,
        station_pk: int | None = None,
        state: TransactionState | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[Transaction]:
        """Newest first, within one tenant."""
        statement = (
            select(Transaction)
            .join(ChargingStation, Transaction.station_pk == ChargingStation.id)
            .where(ChargingStation.tenant_id == tenant_id)
        )
        if station_pk is not None:
            statement = statement.where(Transaction.station_pk == station_pk)
        if state is not None:
            statement = statement.where(Transaction.state == state)
        statement = statement.order_by(Transaction.started_at.desc(), Transaction.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)


def _note_seq_no(transaction: Transaction, event: EventData) -> None:
    seq_no = event.seq_no
    transaction.event_count += 1
    if transaction.min_seq_no is None or seq_no < transaction.min_seq_no:
        transaction.min_seq_no = seq_no
    if transaction.max_seq_no is None or seq_no > transaction.max_seq_no:
        transaction.max_seq_no = seq_no
    if event.event_type == STARTED:
        transaction.started_seq_no = seq_no
    elif event.event_type == ENDED:
        transaction.ended_seq_no = seq_no
    started, ended = transaction.started_seq_no, transaction.ended_seq_no
    transaction.is_complete = (
        started is not None and ended is not None and transaction.event_count == ended - started + 1
    )
