"""What the cluster's presence sweep reads and writes: stations left online by a process
that is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.models import Tenant
from citrine_data.repositories.station import ChargingStationRepository

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def _online(repository: ChargingStationRepository, key: StationKey, seen: datetime) -> None:
    await repository.create(key)
    await repository.set_online(key, seen)


class TestOnlineSeenBefore:
    async def test_only_online_stations_quiet_since_the_cutoff(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        repository = ChargingStationRepository(session)
        quiet, recent, offline = (StationKey(tenant.id, name) for name in ("Q", "R", "O"))
        await _online(repository, quiet, T0 - timedelta(minutes=10))
        await _online(repository, recent, T0)
        await _online(repository, offline, T0 - timedelta(minutes=10))
        await repository.set_offline(offline, T0 - timedelta(minutes=9))
        found = await repository.online_seen_before(T0 - timedelta(minutes=1), limit=10)
        assert found == [quiet]

    async def test_pages_in_key_order(self, session: AsyncSession, tenant: Tenant) -> None:
        repository = ChargingStationRepository(session)
        keys = [StationKey(tenant.id, f"S{n}") for n in range(5)]
        for n, key in enumerate(reversed(keys)):
            await _online(repository, key, T0 - timedelta(minutes=n))
        cutoff = T0 + timedelta(minutes=1)
        first = await repository.online_seen_before(cutoff, limit=2)
        second = await repository.online_seen_before(cutoff, limit=2, after=first[-1])
        rest = await repository.online_seen_before(cutoff, limit=2, after=second[-1])
        assert first + second + rest == keys


class TestSetOfflineMany:
    async def test_marks_offline_unless_seen_since(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        repository = ChargingStationRepository(session)
        gone, back = StationKey(tenant.id, "GONE"), StationKey(tenant.id, "BACK")
        await _online(repository, gone, T0 - timedelta(minutes=10))
        await _online(repository, back, T0)  # reconnected after the sweep read it
        changed = await repository.set_offline_many(
            [gone, back, StationKey(tenant.id, "UNKNOWN")], seen_before=T0 - timedelta(minutes=1)
        )
        assert changed == 1
        page = await repository.list(tenant.id, online=True)
        assert [station.station_id for station in page.items] == ["BACK"]
        stored = await repository.get_by_key(gone)
        assert stored is not None
        assert stored.last_seen_at == T0 - timedelta(minutes=10)
