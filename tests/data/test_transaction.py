"""Transactions: tenant-scoped keys, seqNo uniqueness and bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.errors import Conflict, IntegrityViolation
from citrine_data.models import ChargingStation, Tenant, TransactionState
from citrine_data.repositories.station import ChargingStationRepository
from citrine_data.repositories.transaction import (
    EventData,
    TransactionRepository,
    TransactionStart,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def start(transaction_id: str = "tx-1") -> TransactionStart:
    return TransactionStart(transaction_id=transaction_id, started_at=T0, evse_id=1, connector_id=1)


def event(seq_no: int, event_type: str = "Updated") -> EventData:
    return EventData(
        seq_no=seq_no,
        event_type=event_type,
        trigger_reason="MeterValuePeriodic",
        timestamp=T0 + timedelta(minutes=seq_no),
        payload={"seqNo": seq_no, "eventType": event_type},
    )


class TestTransactionKeys:
    async def test_transaction_id_is_unique_per_station(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = TransactionRepository(session)
        await repository.create(station.id, start())
        with pytest.raises(Conflict):
            await repository.create(station.id, start())
        other = await ChargingStationRepository(session).create(StationKey(tenant.id, "CS2"))
        await repository.create(other.id, start())  # same id on another station is fine

    async def test_get_or_create(self, session: AsyncSession, station: ChargingStation) -> None:
        repository = TransactionRepository(session)
        first, created = await repository.get_or_create(station.id, start())
        again, created_again = await repository.get_or_create(station.id, start())
        assert (created, created_again) == (True, False)
        assert again.id == first.id

    async def test_a_station_with_transactions_is_not_deleted(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        await TransactionRepository(session).create(station.id, start())
        with pytest.raises(IntegrityViolation):
            await ChargingStationRepository(session).delete(station_key)


class TestEvents:
    async def test_a_repeated_seq_no_is_a_conflict(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = TransactionRepository(session)
        transaction = await repository.create(station.id, start())
        await repository.add_event(transaction, event(0, "Started"))
        with pytest.raises(Conflict):
            await repository.add_event(transaction, event(0, "Started"))
        assert transaction.event_count == 1  # the bookkeeping did not count the repeat
        await repository.add_event(transaction, event(1))  # and the session is still usable

    async def test_out_of_order_events_complete_the_transaction(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = TransactionRepository(session)
        transaction = await repository.create(station.id, start())
        for seq_no, event_type in [(5, "Started"), (8, "Ended"), (7, "Updated")]:
            await repository.add_event(transaction, event(seq_no, event_type))
        assert transaction.is_complete is False  # 6 is missing
        await repository.add_event(transaction, event(6))
        assert (transaction.min_seq_no, transaction.max_seq_no, transaction.event_count) == (
            5,
            8,
            4,
        )
        assert (transaction.started_seq_no, transaction.ended_seq_no) == (5, 8)
        assert transaction.is_complete is True

        await repository.end(transaction, ended_at=T0 + timedelta(hours=1), reason="Local")
        session.expunge_all()
        loaded = await repository.get_with_events(station.id, "tx-1")
        assert loaded is not None
        assert loaded.state is TransactionState.ENDED
        assert [e.seq_no for e in loaded.events] == [5, 6, 7, 8]
        assert loaded.events[0].payload == {"seqNo": 5, "eventType": "Started"}


class TestListing:
    async def test_active_and_tenant_scoped_listing(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = TransactionRepository(session)
        ended = await repository.create(station.id, start("tx-ended"))
        await repository.end(ended, ended_at=T0, reason=None)
        await repository.create(station.id, start("tx-active"))
        active = await repository.list_active(station.id)
        assert [t.transaction_id for t in active] == ["tx-active"]
        page = await repository.list(tenant.id, state=TransactionState.ENDED)
        assert ([t.transaction_id for t in page.items], page.total) == (["tx-ended"], 1)
        assert (await repository.list("someone-else")).total == 0
