"""Transactions and their events (the reads the REST API and the cost push need are in
``transaction_reads``).

The TransactionEvent path is race-free by construction: ``open_for_event`` is an upsert, so
the first statement of the unit of work writes the transaction's row and (on PostgreSQL)
locks it until the commit; a concurrent event of the same transaction waits and then sees
the committed state. ``record_event`` inserts with ``ON CONFLICT DO NOTHING`` on
(transaction, seqNo): a repeated event is recognised by the database, never applied twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Null, ScalarSelect, func, null, select, update
from sqlalchemy.orm import selectinload

from citrine_base.interfaces.envelope import StationKey
from citrine_data.base import utc_now
from citrine_data.errors import NotFound, translate_errors
from citrine_data.models.station import ChargingStation
from citrine_data.models.transaction import (
    EndedBy,
    Transaction,
    TransactionEvent,
    TransactionState,
)
from citrine_data.repositories.transaction_reads import TransactionReads

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


class TransactionRepository(TransactionReads):
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

    async def open_for_event(
        self, station: StationKey, transaction_id: str, *, seen_at: datetime
    ) -> Transaction:
        """The transaction, created (active, started at ``seen_at``) when new, in one statement
        that also finds the station's key (``IntegrityViolation`` for an unknown station).

        An existing row is written with its own values, which changes nothing but takes its
        row lock on PostgreSQL: the events of one transaction apply one after the other, so
        the caller may read, change and flush the returned object without a lost update.
        ``event_count`` 0 tells the caller that no event of it was stored yet.
        """
        now = utc_now()
        statement = self._insert(Transaction).values(
            station_pk=_station_pk(station),
            transaction_id=transaction_id,
            started_at=seen_at,
            state=TransactionState.ACTIVE,
            event_count=0,
            is_complete=False,
            created_at=now,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["station_pk", "transaction_id"],
            set_={"transaction_id": statement.excluded.transaction_id},
        )
        with translate_errors():
            result = await self.session.scalars(
                statement.returning(Transaction), execution_options={"populate_existing": True}
            )
            return result.one()

    async def record_event(
        self, transaction_pk: int, event: EventData, response: dict[str, Any] | None
    ) -> int | None:
        """Store the event with the answer given to it; its id, or None when the transaction
        already has an event of this seqNo (a repeated message: nothing is written)."""
        statement = (
            self._insert(TransactionEvent)
            .values(
                **_event_columns(transaction_pk, event), response=response, received_at=utc_now()
            )
            .on_conflict_do_nothing(index_elements=["transaction_pk", "seq_no"])
            .returning(TransactionEvent.id)
        )
        with translate_errors():
            event_pk: int | None = (await self.session.execute(statement)).scalar_one_or_none()
        return event_pk

    async def stored_event(self, transaction_pk: int, seq_no: int) -> TransactionEvent | None:
        statement = select(TransactionEvent).where(
            TransactionEvent.transaction_pk == transaction_pk, TransactionEvent.seq_no == seq_no
        )
        return await self._get_one_or_none(statement)

    async def note_event(self, transaction: Transaction, seq_no: int, event_type: str) -> None:
        """Count a newly stored event in the seqNo bookkeeping and decide completeness."""
        _note_seq_no(transaction, seq_no, event_type)
        transaction.is_complete = await self._is_complete(transaction)

    async def _is_complete(self, transaction: Transaction) -> bool:
        """Every seqNo from Started through Ended has arrived (E §1.3)."""
        started, ended = transaction.started_seq_no, transaction.ended_seq_no
        if started is None or ended is None or ended < started:
            return False
        span = ended - started + 1
        if (transaction.min_seq_no, transaction.max_seq_no) == (started, ended):
            return transaction.event_count == span
        if transaction.event_count < span:
            return False
        # Stray events outside the range (a station bug): count the ones inside. Rare.
        statement = select(func.count()).where(
            TransactionEvent.transaction_pk == transaction.id,
            TransactionEvent.seq_no.between(started, ended),
        )
        with translate_errors():
            inside: int = (await self.session.execute(statement)).scalar_one()
        return inside == span

    async def add_event(self, transaction: Transaction, event: EventData) -> TransactionEvent:
        """Store the event and update the seqNo bookkeeping.

        ``Conflict`` when the transaction already has this seqNo (a repeated message); the
        session stays usable and the transaction unchanged.
        """
        row = TransactionEvent(**_event_columns(transaction.id, event))
        await self._add(row)
        await self.note_event(transaction, event.seq_no, event.event_type)
        await self._flush()
        return row

    async def end(
        self, transaction: Transaction, *, ended_at: datetime, reason: str | None
    ) -> None:
        transaction.state = TransactionState.ENDED
        transaction.ended_at = ended_at
        transaction.stopped_reason = reason
        transaction.ended_by = EndedBy.STATION.value
        await self._flush()

    async def end_superseded(
        self, transaction: Transaction, evse_id: int, *, started_before: datetime, at: datetime
    ) -> int:
        """End (by the CSMS) every other active transaction on the EVSE that started before
        ``started_before``: an EVSE carries one transaction at a time, so they are over and
        their Ended was lost. Returns how many were ended."""
        statement = (
            update(Transaction)
            .where(
                Transaction.station_pk == transaction.station_pk,
                Transaction.state == TransactionState.ACTIVE,
                Transaction.evse_id == evse_id,
                Transaction.started_at < started_before,
                Transaction.id != transaction.id,
            )
            .values(state=TransactionState.ENDED, ended_at=at, ended_by=EndedBy.CSMS.value)
        )
        return await self._execute_dml(statement)

    async def end_by_csms(self, station_pk: int, transaction_id: str, *, at: datetime) -> bool:
        """End an active transaction the station no longer knows (False: none such)."""
        statement = (
            update(Transaction)
            .where(
                Transaction.station_pk == station_pk,
                Transaction.transaction_id == transaction_id,
                Transaction.state == TransactionState.ACTIVE,
            )
            .values(state=TransactionState.ENDED, ended_at=at, ended_by=EndedBy.CSMS.value)
        )
        return await self._execute_dml(statement) > 0

    async def station_and_running(
        self, station: StationKey, evse_id: int
    ) -> tuple[int, int | None] | None:
        """The station's key and the transaction running on its EVSE (the latest started),
        in one statement; None for an unknown station. EVSE 0 (the whole station) runs none."""
        running: ScalarSelect[int] | Null = (
            select(Transaction.id)
            .where(
                Transaction.station_pk == ChargingStation.id,
                Transaction.state == TransactionState.ACTIVE,
                Transaction.evse_id == evse_id,
            )
            .order_by(Transaction.started_at.desc(), Transaction.id.desc())
            .limit(1)
            .correlate(ChargingStation)
            .scalar_subquery()
            if evse_id > 0
            else null()
        )
        statement = select(ChargingStation.id, running).where(
            ChargingStation.tenant_id == station.tenant_id,
            ChargingStation.station_id == station.station_id,
        )
        with translate_errors():
            row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])


def _event_columns(transaction_pk: int, event: EventData) -> dict[str, Any]:
    return {"transaction_pk": transaction_pk, **asdict(event)}


def _station_pk(station: StationKey) -> ScalarSelect[int]:
    return (
        select(ChargingStation.id)
        .where(
            ChargingStation.tenant_id == station.tenant_id,
            ChargingStation.station_id == station.station_id,
        )
        .scalar_subquery()
    )


def _note_seq_no(transaction: Transaction, seq_no: int, event_type: str) -> None:
    transaction.event_count += 1
    if transaction.min_seq_no is None or seq_no < transaction.min_seq_no:
        transaction.min_seq_no = seq_no
    if transaction.max_seq_no is None or seq_no > transaction.max_seq_no:
        transaction.max_seq_no = seq_no
    if event_type == STARTED:
        transaction.started_seq_no = seq_no
    elif event_type == ENDED:
        transaction.ended_seq_no = seq_no
