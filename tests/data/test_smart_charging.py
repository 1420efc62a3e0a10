"""Smart charging storage on SQLite and PostgreSQL: profiles, reports, external limits, EV
needs, managed profiles, and the reads of the site limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.errors import Conflict
from citrine_data.models import ChargingStation, ProfileSource, Tenant
from citrine_data.repositories import (
    ChargingProfileReportRepository,
    ChargingProfileRepository,
    ChargingStationRepository,
    DeviceModelRepository,
    EvChargingNeedsRepository,
    ExternalLimitRepository,
    LocationRepository,
    ManagedProfileRepository,
    SiteRepository,
    TransactionRepository,
)
from citrine_data.repositories.charging_state import ManagedData, NeedsData
from citrine_data.repositories.device_model import CharacteristicsData, ComponentKey, VariableKey
from citrine_data.repositories.location import LocationData
from citrine_data.repositories.smart_charging import (
    PeriodData,
    ProfileData,
    ProfileFilter,
    ScheduleData,
)
from citrine_data.repositories.transaction import TransactionStart

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def data(
    profile_id: int,
    *,
    evse_id: int = 1,
    purpose: str = "TxDefaultProfile",
    stack_level: int = 0,
    source: ProfileSource = ProfileSource.CSMS,
    status: str | None = "Accepted",
    transaction_id: str | None = None,
    limit_source: str = "CSO",
) -> ProfileData:
    return ProfileData(
        profile_id=profile_id,
        evse_id=evse_id,
        stack_level=stack_level,
        purpose=purpose,
        kind="Absolute",
        source=source,
        status=status,
        transaction_id=transaction_id,
        charging_limit_source=limit_source,
        schedules=[
            ScheduleData(
                schedule_id=1,
                charging_rate_unit="A",
                start_schedule=T0,
                periods=[
                    PeriodData(start_period=0, limit=16.0),
                    PeriodData(start_period=60, limit=8.0),
                ],
            )
        ],
    )


class TestProfiles:
    async def test_installed_profiles_with_their_periods(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ChargingProfileRepository(session)
        await repository.replace(station.id, data(1))
        await repository.replace(station.id, data(2, status="Rejected"))
        await repository.replace(station.id, data(3, source=ProfileSource.STATION, status=None))
        installed = await repository.list_installed(station.id)
        assert [row.profile_id for row in installed] == [1, 3]
        assert [p.limit for p in installed[0].schedules[0].periods] == [16.0, 8.0]
        assert installed[0].charging_limit_source == "CSO"
        assert await repository.max_profile_id(station.id) == 3

    async def test_delete_matching_keeps_what_was_reported(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ChargingProfileRepository(session)
        await repository.replace(station.id, data(1, evse_id=0))
        await repository.replace(station.id, data(2, stack_level=1))
        await repository.replace(station.id, data(3, stack_level=1))
        external = data(4, purpose="ChargingStationExternalConstraints", limit_source="EMS")
        await repository.replace(station.id, external)
        dropped = await repository.delete_matching(
            station.id, ProfileFilter(evse_id=1, stack_level=1), keep=[(1, 3)]
        )
        assert dropped == [2]
        everything_but_external = ProfileFilter(
            exclude_purpose="ChargingStationExternalConstraints"
        )
        assert sorted(await repository.delete_matching(station.id, everything_but_external)) == [
            1,
            3,
        ]
        by_source = ProfileFilter(limit_sources=["EMS"], profile_ids=[4])
        assert (await repository.page(station.id, by_source)).total == 1

    async def test_tx_profiles_of_ended_transactions_go(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ChargingProfileRepository(session)
        await repository.replace(station.id, data(1, purpose="TxProfile", transaction_id="T1"))
        await repository.replace(station.id, data(2, purpose="TxProfile", transaction_id="T2"))
        assert await repository.delete_tx_profiles(station.id, ["T1"]) == 1
        assert [row.profile_id for row in await repository.list(station.id)] == [2]


class TestReports:
    async def test_parts_until_complete(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        reports = ChargingProfileReportRepository(session)
        report = await reports.start(station.id, 7, evse_id=None, criteria={}, requested_at=T0)
        with pytest.raises(Conflict):
            await reports.start(station.id, 7, evse_id=None, criteria={}, requested_at=T0)
        await reports.record_part(report, [(0, 1)], to_be_continued=True, at=T0)
        await reports.record_part(report, [(1, 2), (1, 3)], to_be_continued=False, at=T0)
        session.expunge_all()
        stored = await reports.get(station.id, 7)
        assert stored is not None
        assert (stored.status, stored.parts_received) == ("complete", 2)
        assert stored.seen == [[0, 1], [1, 2], [1, 3]]


class TestLimitsAndNeeds:
    async def test_external_limits(self, session: AsyncSession, station: ChargingStation) -> None:
        limits = ExternalLimitRepository(session)
        await limits.upsert(
            station.id, evse_id=0, source="EMS", is_grid_critical=None, schedules=None
        )
        await limits.upsert(
            station.id, evse_id=0, source="EMS", is_grid_critical=True, schedules=[{"id": 1}]
        )
        await limits.upsert(
            station.id, evse_id=1, source="SO", is_grid_critical=None, schedules=None
        )
        assert [(row.source, row.is_grid_critical) for row in await limits.list(station.id)] == [
            ("EMS", True),
            ("SO", None),
        ]
        assert await limits.clear(station.id, source="EMS", evse_id=None) == 1
        assert [row.source for row in await limits.list(station.id)] == ["SO"]

    async def test_new_needs_forget_the_previous_ev_schedule(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = EvChargingNeedsRepository(session)
        first = NeedsData(
            evse_id=1, needs={"requestedEnergyTransfer": "DC"}, status="Accepted", received_at=T0
        )
        row = await repository.record(station.id, first)
        await repository.record_schedule(row, schedule={"id": 1}, time_base=T0, status="Rejected")
        again = await repository.record(
            station.id, NeedsData(evse_id=1, needs={}, status="Processing", received_at=T0)
        )
        assert (again.status, again.ev_schedule, again.ev_schedule_status) == (
            "Processing",
            None,
            None,
        )
        assert len(await repository.list(station.id)) == 1


class TestManagedProfiles:
    async def test_sent_answered_and_forgotten_with_the_transaction(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        transactions = TransactionRepository(session)
        running = await transactions.create(
            station.id, TransactionStart(transaction_id="T1", started_at=T0, evse_id=1)
        )
        ended = await transactions.create(
            station.id, TransactionStart(transaction_id="T2", started_at=T0, evse_id=2)
        )
        await transactions.end(ended, ended_at=T0 + timedelta(hours=1), reason="Local")
        managed = ManagedProfileRepository(session)
        for transaction, profile_id in ((running, 1_000_001), (ended, 1_000_002)):
            await managed.record_sent(
                station.id,
                ManagedData(
                    transaction_id=transaction.transaction_id,
                    evse_id=transaction.evse_id or 1,
                    profile_id=profile_id,
                    stack_level=0,
                    share_amps=16.0,
                    schedule={"id": 1},
                    sent_at=T0,
                ),
            )
        assert await managed.set_status(station.id, 1_000_001, "Accepted")
        assert not await managed.set_status(station.id, 5, "Accepted")
        assert await managed.delete_ended() == [(station.id, "T2")]
        [row] = await managed.list_for_stations([station.id])
        assert (row.transaction_id, row.status) == ("T1", "Accepted")
        assert await managed.forget_profiles(station.id, [1_000_001]) == 1


class TestSite:
    async def test_active_transactions_at_a_location_oldest_first(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        location = await LocationRepository(session).create(
            tenant.id, LocationData(name="Depot", grid_connection_limit_amps=63.0)
        )
        await LocationRepository(session).create(tenant.id, LocationData(name="Open"))
        other = await ChargingStationRepository(session).create(
            StationKey(tenant.id, "CS2"), location_pk=location.id
        )
        station.location_pk = location.id
        await session.flush()
        transactions = TransactionRepository(session)
        await transactions.create(
            other.id,
            TransactionStart(transaction_id="B", started_at=T0 + timedelta(minutes=5), evse_id=1),
        )
        await transactions.create(
            station.id, TransactionStart(transaction_id="A", started_at=T0, evse_id=1)
        )
        site = SiteRepository(session)
        actives = await site.active_transactions_at(location.id)
        assert [(item.station.station_id, item.transaction.transaction_id) for item in actives] == [
            ("CS1", "A"),
            ("CS2", "B"),
        ]
        assert [item.name for item in await site.locations_with_limit()] == ["Depot"]
        found = await site.location_of(other.id)
        assert found is not None
        assert found.id == location.id

    async def test_device_variables_and_evses(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        device = DeviceModelRepository(session)
        component = await device.upsert_component(station.id, ComponentKey("EVSE", evse_id=2))
        variable = await device.upsert_variable(component.id, VariableKey("Power"))
        await device.set_characteristics(
            variable.id,
            CharacteristicsData(data_type="decimal", supports_monitoring=False, max_limit=22080),
        )
        await ChargingStationRepository(session).ensure_connector(station.id, 1, 1)
        site = SiteRepository(session)
        [found] = await site.device_variables([station.id], ["EVSE", "SmartChargingCtrlr"])
        assert (
            found.component.evse_id,
            found.characteristics and found.characteristics.max_limit,
        ) == (2, 22080)
        assert await site.evse_ids(station.id) == [1]
