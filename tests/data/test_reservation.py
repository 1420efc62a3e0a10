"""Reservations and remote start requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.errors import Conflict
from citrine_data.models import ChargingStation, Tenant
from citrine_data.repositories.remote_start import (
    RemoteStartAnswer,
    RemoteStartData,
    RemoteStartRepository,
)
from citrine_data.repositories.reservation import (
    ReservationData,
    ReservationFilter,
    ReservationRepository,
)
from citrine_data.repositories.transaction import TransactionRepository, TransactionStart

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def reservation(
    reservation_id: int, *, minutes: int = 30, evse_id: int | None = 1
) -> ReservationData:
    return ReservationData(
        reservation_id=reservation_id,
        expiry_at=NOW + timedelta(minutes=minutes),
        id_token="TOKEN",
        id_token_type="ISO14443",
        evse_id=evse_id,
    )


async def transaction_pk(session: AsyncSession, station: ChargingStation, tx: str) -> int:
    start = TransactionStart(transaction_id=tx, started_at=NOW)
    return (await TransactionRepository(session).create(station.id, start)).id


class TestReservations:
    async def test_put_replaces_the_reservation_with_the_same_id(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ReservationRepository(session)
        first = await repository.put(station.id, reservation(7), status="Accepted")
        again = await repository.put(
            station.id, reservation(7, evse_id=2), status="Occupied", reason="InUse"
        )
        assert again.id == first.id
        assert (again.evse_id, again.status, again.status_reason) == (2, "Occupied", "InUse")

    async def test_consume_by_station_identity(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        repository = ReservationRepository(session)
        await repository.put(station.id, reservation(7), status="Accepted")
        tx1 = await transaction_pk(session, station, "tx-1")
        tx2 = await transaction_pk(session, station, "tx-2")
        assert await repository.consume(station_key, 7, tx1)
        assert await repository.consume(station_key, 7, tx1)  # a repeated event
        assert not await repository.consume(station_key, 7, tx2)
        assert not await repository.consume(station_key, 8, tx1)
        assert not await repository.consume(StationKey(station.tenant_id, "other"), 7, tx1)
        session.expunge_all()
        used = await repository.get(station.id, 7)
        assert used is not None
        assert (used.status, used.transaction_pk) == ("Used", tx1)

    async def test_expiry_and_listing(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = ReservationRepository(session)
        await repository.put(station.id, reservation(1, minutes=-1), status="Accepted")
        await repository.put(station.id, reservation(2, minutes=30), status="Accepted")
        await repository.put(station.id, reservation(3, minutes=-5), status="Rejected")
        holding = await repository.list(tenant.id, where=ReservationFilter(holding=True), at=NOW)
        assert [r.reservation_id for r in holding.items] == [2]
        assert holding.items[0].station.station_id == station.station_id
        assert await repository.expire_due(NOW) == 1
        session.expunge_all()
        expired = await repository.list(tenant.id, where=ReservationFilter(status="Expired"))
        assert [r.reservation_id for r in expired.items] == [1]
        assert [r.reservation_id for r in await repository.list_holding(station.id, at=NOW)] == [2]
        assert (await repository.list("nobody")).total == 0


def remote_start(remote_start_id: int) -> RemoteStartData:
    return RemoteStartData(
        remote_start_id=remote_start_id,
        id_token="TOKEN",
        id_token_type="Central",
        requested_at=NOW,
        evse_id=1,
    )


class TestRemoteStarts:
    async def test_create_answer_link_find(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        repository = RemoteStartRepository(session)
        await repository.create(station.id, remote_start(5))
        with pytest.raises(Conflict):
            await repository.create(station.id, remote_start(5))
        answer = RemoteStartAnswer(status="Accepted", at=NOW, transaction_id="tx-9")
        assert await repository.record_answer(station.id, 5, answer)
        tx = await transaction_pk(session, station, "tx-9")
        assert await repository.link(station_key, 5, tx, "tx-9")
        assert not await repository.link(station_key, 6, tx, "tx-9")
        session.expunge_all()
        found = await repository.find(station_key, 5)
        assert found is not None
        assert (found.status, found.transaction_id, found.transaction_pk, found.evse_id) == (
            "Accepted",
            "tx-9",
            tx,
            1,
        )
        assert await repository.find(StationKey(station.tenant_id, "other"), 5) is None

    async def test_ensure_keeps_an_existing_request(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = RemoteStartRepository(session)
        await repository.create(station.id, remote_start(5))
        await repository.record_answer(station.id, 5, RemoteStartAnswer(status="Rejected", at=NOW))
        kept = await repository.ensure(station.id, remote_start(5))
        assert kept.status == "Rejected"
        added = await repository.ensure(station.id, remote_start(6))
        assert added.status == "requested"
        page = await repository.list(tenant.id, station_pk=station.id)
        assert sorted(r.remote_start_id for r in page.items) == [5, 6]
