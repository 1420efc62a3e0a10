"""Transactions: tenant-scoped keys, seqNo uniqueness and bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
from citrine_data.repositories.transaction_reads import TransactionFilter

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


class TestEventPath:
    """The statements of the TransactionEvent hot path."""

    async def test_open_for_event_creates_once_and_finds_the_station(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        repository = TransactionRepository(session)
        first = await repository.open_for_event(station_key, "tx-1", seen_at=T0)
        first.event_count = 3
        await session.flush()
        later = T0 + timedelta(hours=1)
        again = await repository.open_for_event(station_key, "tx-1", seen_at=later)
        assert again.id == first.id
        assert (again.station_pk, again.started_at, again.event_count) == (station.id, T0, 3)
        with pytest.raises(IntegrityViolation):
            await repository.open_for_event(StationKey("acme", "NOPE"), "tx-1", seen_at=T0)

    async def test_record_event_stores_once_with_its_answer(
        self,
        session: AsyncSession,
        station: ChargingStation,
        station_key: StationKey,
        sql_trace: Any,
    ) -> None:
        repository = TransactionRepository(session)
        transaction = await repository.open_for_event(station_key, "tx-1", seen_at=T0)
        answer = {"totalCost": 1.5}
        with sql_trace() as sent:
            first = await repository.record_event(transaction.id, event(0, "Started"), answer)
            repeated = await repository.record_event(transaction.id, event(0, "Started"), {})
        assert sent == ["INSERT", "INSERT"]
        assert first is not None
        assert repeated is None
        stored = await repository.stored_event(transaction.id, 0)
        assert stored is not None
        assert stored.response == answer

    async def test_completeness_ignores_stray_events_outside_started_to_ended(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        repository = TransactionRepository(session)
        transaction = await repository.open_for_event(station_key, "tx-1", seen_at=T0)
        for seq_no, event_type in [(9, "Updated"), (2, "Started"), (4, "Ended")]:
            await repository.record_event(transaction.id, event(seq_no, event_type), None)
            await repository.note_event(transaction, seq_no, event_type)
        assert transaction.is_complete is False  # 3 is missing; 9 does not make up for it
        await repository.record_event(transaction.id, event(3), None)
        await repository.note_event(transaction, 3, "Updated")
        assert transaction.is_complete is True

    async def test_station_and_running_in_one_statement(
        self,
        session: AsyncSession,
        station: ChargingStation,
        station_key: StationKey,
        sql_trace: Any,
    ) -> None:
        repository = TransactionRepository(session)
        older = await repository.create(station.id, start("tx-old"))
        newer = await repository.create(
            station.id,
            TransactionStart(
                transaction_id="tx-new", started_at=T0 + timedelta(hours=1), evse_id=1
            ),
        )
        with sql_trace() as sent:
            found = await repository.station_and_running(station_key, 1)
        assert (found, sent) == ((station.id, newer.id), ["SELECT"])
        assert await repository.station_and_running(station_key, 2) == (station.id, None)
        assert await repository.station_and_running(station_key, 0) == (station.id, None)
        assert await repository.station_and_running(StationKey("acme", "NOPE"), 1) is None

        ended = await repository.end_superseded(
            newer, 1, started_before=newer.started_at, at=newer.started_at
        )
        assert ended == 1
        await session.refresh(older)
        assert (older.state, older.ended_by, older.ended_at) == (
            TransactionState.ENDED,
            "csms",
            newer.started_at,
        )
        assert await repository.end_by_csms(station.id, "tx-new", at=T0) is True
        assert await repository.end_by_csms(station.id, "tx-new", at=T0) is False


class TestQueries:
    async def test_filters_by_station_token_state_and_time(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = TransactionRepository(session)
        other = await ChargingStationRepository(session).create(StationKey(tenant.id, "CS2"))
        for station_pk, transaction_id, hours, token in [
            (station.id, "a", 0, "CARD-1"),
            (station.id, "b", 2, "CARD-2"),
            (other.id, "c", 4, "CARD-1"),
        ]:
            await repository.create(
                station_pk,
                TransactionStart(
                    transaction_id=transaction_id,
                    started_at=T0 + timedelta(hours=hours),
                    id_token=token,
                ),
            )

        async def ids(**where: Any) -> list[str]:
            page = await repository.list(tenant.id, where=TransactionFilter(**where))
            return [item.transaction_id for item in page.items]

        assert await ids() == ["c", "b", "a"]
        assert await ids(station_id="CS1") == ["b", "a"]
        assert await ids(id_token="CARD-1") == ["c", "a"]
        window = {
            "started_from": T0 + timedelta(hours=1),
            "started_before": T0 + timedelta(hours=3),
        }
        assert await ids(**window) == ["b"]
        assert await ids(state=TransactionState.ENDED) == []
        found = await repository.find_in_tenant(tenant.id, "a")
        assert [(item.station.station_id, item.events, item.tariff) for item in found] == [
            ("CS1", [], None)
        ]
        assert await repository.find_in_tenant("someone-else", "a") == []

    async def test_running_with_tariff_reads_online_stations_in_batches(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        from decimal import Decimal

        from citrine_data.repositories.tariff import TariffData, TariffRepository

        tariff = await TariffRepository(session).create(
            tenant.id, TariffData(currency="EUR", price_per_kwh=Decimal("0.3"))
        )
        repository = TransactionRepository(session)
        for transaction_id in ("a", "b", "c"):
            transaction = await repository.create(station.id, start(transaction_id))
            transaction.tariff_pk = tariff.id
        await repository.create(station.id, start("untariffed"))
        station.is_online = True
        await session.flush()
        first = await repository.running_with_tariff(limit=2)
        assert [row[0].transaction_id for row in first] == ["a", "b"]
        rest = await repository.running_with_tariff(after_pk=first[-1][0].id, limit=2)
        assert [(row[0].transaction_id, row[2].id) for row in rest] == [("c", tariff.id)]
        assert await repository.count_active_with_tariff(tariff.id) == 3
        station.is_online = False
        await session.flush()
        assert await repository.running_with_tariff() == []
