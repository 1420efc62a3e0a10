"""Charging stations, EVSEs, connectors, boot configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.errors import Conflict, IntegrityViolation
from citrine_data.models import ChargingStation, Tenant
from citrine_data.repositories.boot_config import BootConfigRepository, BootSettings
from citrine_data.repositories.location import LocationData, LocationRepository
from citrine_data.repositories.station import ChargingStationRepository, StationInfo
from citrine_data.repositories.status import ConnectorStatusRepository
from citrine_data.repositories.tenant import TenantRepository
from tests.data.conftest import SqlTrace

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
INFO = StationInfo(vendor_name="Vendor", model="Model A", serial_number="S1")


class TestTenantScopedKeys:
    async def test_same_station_id_in_two_tenants(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        await TenantRepository(session).create("other", "Other")
        repository = ChargingStationRepository(session)
        first = await repository.create(StationKey(tenant.id, "CS1"))
        second = await repository.create(StationKey("other", "CS1"))
        assert first.id != second.id
        found = await repository.get_by_key(StationKey("other", "CS1"))
        assert found is not None
        assert found.id == second.id

    async def test_same_station_id_twice_in_a_tenant(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        repository = ChargingStationRepository(session)
        await repository.create(StationKey(tenant.id, "CS1"))
        with pytest.raises(Conflict) as raised:
            await repository.create(StationKey(tenant.id, "CS1"))
        if session.get_bind().dialect.name == "postgresql":  # SQLite does not name it
            assert raised.value.constraint == "uq_charging_stations_tenant_id_station_id"

    async def test_unknown_tenant(self, session: AsyncSession) -> None:
        with pytest.raises(IntegrityViolation):
            await ChargingStationRepository(session).create(StationKey("nobody", "CS1"))


class TestRegister:
    async def test_creates_then_updates_from_boot_data(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        repository = ChargingStationRepository(session)
        key = StationKey(tenant.id, "CS9")
        created = await repository.register(key, INFO, booted_at=T0, protocol="ocpp2.0.1")
        assert (created.vendor_name, created.model, created.last_boot_at) == (
            "Vendor",
            "Model A",
            T0,
        )

        later = T0 + timedelta(hours=1)
        newer = StationInfo(vendor_name="Vendor2", model="Model B", firmware_version="2.0")
        updated = await repository.register(key, newer, booted_at=later, protocol="ocpp2.0.1")
        assert updated.id == created.id
        assert (updated.vendor_name, updated.model, updated.firmware_version) == (
            "Vendor2",
            "Model B",
            "2.0",
        )
        assert updated.serial_number is None  # the boot data is the whole truth
        assert updated.last_boot_at == later


class TestOnlineAndSeen:
    async def test_set_online_offline(self, session: AsyncSession, station_key: StationKey) -> None:
        repository = ChargingStationRepository(session)
        assert await repository.set_online(station_key, T0)
        station = await repository.get_by_key_or_raise(station_key)
        await session.refresh(station)
        assert (station.is_online, station.last_seen_at) == (True, T0)
        assert await repository.set_offline(station_key, T0 + timedelta(seconds=5))
        await session.refresh(station)
        assert station.is_online is False
        assert not await repository.set_online(StationKey("acme", "nobody"), T0)

    async def test_mark_seen_many(
        self, session: AsyncSession, tenant: Tenant, sql_trace: SqlTrace
    ) -> None:
        repository = ChargingStationRepository(session)
        keys = [StationKey(tenant.id, f"CS{index}") for index in range(3)]
        for key in keys:
            await repository.create(key)
        seen = [
            (keys[0], T0),
            (keys[1], T0 + timedelta(seconds=1)),
            (keys[0], T0 + timedelta(seconds=2)),  # the later time wins
            (StationKey(tenant.id, "unknown"), T0),
        ]
        with sql_trace() as sent:
            assert await repository.mark_seen_many(seen) == 2
        assert sent == ["UPDATE"]
        stations = {s.station_id: s for s in (await repository.list(tenant.id)).items}
        for station in stations.values():
            await session.refresh(station)
        assert stations["CS0"].last_seen_at == T0 + timedelta(seconds=2)
        assert stations["CS1"].last_seen_at == T0 + timedelta(seconds=1)
        assert stations["CS2"].last_seen_at is None


class TestListAndDetail:
    async def test_filters_and_total(self, session: AsyncSession, tenant: Tenant) -> None:
        repository = ChargingStationRepository(session)
        site = await LocationRepository(session).create(tenant.id, LocationData(name="Depot"))
        for index in range(4):
            key = StationKey(tenant.id, f"CS{index}")
            await repository.create(key, location_pk=site.id if index % 2 else None)
            if index < 3:
                await repository.set_online(key, T0)
        online = await repository.list(tenant.id, online=True, limit=2)
        assert ([s.station_id for s in online.items], online.total) == (["CS0", "CS1"], 3)
        at_site = await repository.list(tenant.id, location_pk=site.id)
        assert [s.station_id for s in at_site.items] == ["CS1", "CS3"]
        both = await repository.list(tenant.id, online=True, location_pk=site.id)
        assert [s.station_id for s in both.items] == ["CS1"]

    async def test_two_evses_each_with_connector_1(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        repository = ChargingStationRepository(session)
        first = await repository.ensure_connector(station.id, 1, 1, "cType2")
        second = await repository.ensure_connector(station.id, 2, 1, "cCCS2")
        assert first.id != second.id
        again = await repository.ensure_connector(station.id, 1, 1)
        assert again.id == first.id
        assert again.connector_type == "cType2"  # not erased by a mention without a type

        await ConnectorStatusRepository(session).record(second.id, "Occupied", T0)
        session.expunge_all()  # what follows must not rely on lazy loads
        detail = await repository.get_detail(station_key)
        assert detail is not None
        evses = [
            (e.evse_id, [(c.connector_id, c.connector_type) for c in e.connectors])
            for e in detail.evses
        ]
        assert evses == [(1, [(1, "cType2")]), (2, [(1, "cCCS2")])]
        latest = detail.evses[1].connectors[0].latest_status
        assert latest is not None
        assert (latest.status, latest.status_at) == ("Occupied", T0)
        assert detail.evses[0].connectors[0].latest_status is None

    async def test_next_value_counts_per_station_and_name(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ChargingStationRepository(session)
        values = [await repository.next_value(station.id, "request_id") for _ in range(3)]
        assert values == [1, 2, 3]
        assert await repository.next_value(station.id, "remote_start_id") == 1


class TestBootConfigRepository:
    async def test_upsert_get_delete(self, session: AsyncSession, station: ChargingStation) -> None:
        repository = BootConfigRepository(session)
        assert await repository.get(station.id) is None
        pending = BootSettings(
            status="Pending",
            retry_interval=30,
            fetch_base_report=True,
            set_variables=[{"component": {"name": "OCPPCommCtrlr"}, "attributeValue": "60"}],
        )
        created = await repository.upsert(station.id, pending)
        assert (created.status, created.retry_interval, created.fetch_base_report) == (
            "Pending",
            30,
            True,
        )
        replaced = await repository.upsert(station.id, BootSettings(status="Accepted"))
        assert (replaced.status, replaced.retry_interval, replaced.set_variables) == (
            "Accepted",
            None,
            [],
        )
        assert await repository.delete(station.id)
        assert await repository.get(station.id) is None

    async def test_status_is_checked(self, session: AsyncSession, station: ChargingStation) -> None:
        with pytest.raises(IntegrityViolation):
            await BootConfigRepository(session).upsert(station.id, BootSettings(status="Maybe"))
