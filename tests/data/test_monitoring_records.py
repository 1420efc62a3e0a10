"""Monitors, monitoring reports, events, security events and customer information records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import Conflict
from citrine_data.models import ChargingStation, Tenant
from citrine_data.repositories import (
    CustomerInformationRepository,
    DeviceModelRepository,
    MonitoringRepository,
    SecurityEventRepository,
)
from citrine_data.repositories.customer_information import CustomerQuery
from citrine_data.repositories.device_model import ComponentKey, VariableKey
from citrine_data.repositories.monitoring import EventRecordData, MonitorData
from tests.data.conftest import SqlTrace

T0 = datetime(2026, 3, 1, tzinfo=UTC)


class TestEnsureVariables:
    async def test_creates_what_is_new_and_finds_what_exists(
        self, session: AsyncSession, station: ChargingStation, sql_trace: SqlTrace
    ) -> None:
        repository = DeviceModelRepository(session)
        existing = await repository.upsert_component(station.id, ComponentKey("EVSE", evse_id=1))
        power = await repository.upsert_variable(existing.id, VariableKey("Power"))
        keys = [
            (ComponentKey("EVSE", evse_id=1), VariableKey("Power")),
            (ComponentKey("EVSE", evse_id=1), VariableKey("Power")),  # twice in one part
            (
                ComponentKey("Connector", evse_id=1, connector_id=2),
                VariableKey("AvailabilityState"),
            ),
            (ComponentKey("TempSensor", instance="inlet"), VariableKey("Temperature", "max")),
        ]
        with sql_trace() as sent:
            found = await repository.ensure_variables(station.id, keys)
        assert sent == ["INSERT", "INSERT"]  # one statement per table, whatever the count
        assert found[keys[0]] == power.id
        assert len(set(found.values())) == 3
        again = await repository.ensure_variables(station.id, keys[2:])
        assert again == {key: found[key] for key in keys[2:]}


class TestMonitors:
    async def _variable(self, session: AsyncSession, station: ChargingStation, name: str) -> int:
        found = await DeviceModelRepository(session).ensure_variables(
            station.id, [(ComponentKey("EVSE", evse_id=1), VariableKey(name))]
        )
        return next(iter(found.values()))

    async def test_upsert_by_station_id_and_refusals(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        power = await self._variable(session, station, "Power")
        repository = MonitoringRepository(session)
        await repository.upsert_monitors(
            station.id,
            [
                MonitorData(
                    variable_pk=power,
                    type="UpperThreshold",
                    value=7000,
                    severity=5,
                    monitor_id=1,
                    status="Accepted",
                ),
                MonitorData(
                    variable_pk=power,
                    type="Delta",
                    value=10,
                    severity=8,
                    monitor_id=2,
                    status="Accepted",
                ),
            ],
        )
        await repository.upsert_monitors(
            station.id,
            [
                MonitorData(
                    variable_pk=power,
                    type="UpperThreshold",
                    value=11000,
                    severity=4,
                    monitor_id=1,
                    status="Accepted",
                )
            ],
        )
        for value in (1.0, 2.0):
            await repository.record_refusals(
                station.id,
                [
                    MonitorData(
                        variable_pk=power,
                        type="Periodic",
                        value=value,
                        severity=5,
                        status="UnsupportedMonitorType",
                    )
                ],
            )
        session.expunge_all()
        page = await repository.list_monitor_views(station.id)
        assert [(v.monitor.monitor_id, v.monitor.value) for v in page.items] == [
            (1, 11000),
            (2, 10),
        ]
        assert page.items[0].component.name == "EVSE"
        assert page.items[0].variable.name == "Power"
        [refused] = (await repository.list_monitor_views(station.id, refused=True)).items
        assert (refused.monitor.status, refused.monitor.value) == ("UnsupportedMonitorType", 2.0)
        assert await repository.delete_monitors(station.id, [2, 99]) == 1
        assert (await repository.list_monitor_views(station.id, variable_name="Nope")).total == 0

    async def test_a_full_report_forgets_what_it_did_not_list(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        power = await self._variable(session, station, "Power")
        repository = MonitoringRepository(session)
        await repository.upsert_monitors(
            station.id,
            [
                MonitorData(variable_pk=power, type="Delta", value=1, severity=5, monitor_id=i)
                for i in (1, 2, 3)
            ],
        )
        asked = datetime.now(UTC) + timedelta(seconds=1)
        await repository.upsert_monitors(
            station.id,
            [
                MonitorData(
                    variable_pk=power,
                    type="Delta",
                    value=1,
                    severity=5,
                    monitor_id=2,
                    source="report",
                    reported_in=9,
                )
            ],
        )
        assert await repository.delete_unreported(station.id, 9, asked) == 2
        assert [m.monitor_id for m in await repository.list_monitors(station.id)] == [2]

    async def test_set_monitors_go_with_the_monitoring_base(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        power = await self._variable(session, station, "Power")
        repository = MonitoringRepository(session)
        await repository.upsert_monitors(
            station.id,
            [
                MonitorData(variable_pk=power, type="Delta", value=1, severity=5, monitor_id=1),
                MonitorData(
                    variable_pk=power,
                    type="Delta",
                    value=2,
                    severity=5,
                    monitor_id=2,
                    source="report",
                ),
            ],
        )
        assert await repository.delete_set_monitors(station.id) == 1


class TestMonitoringReports:
    async def test_parts_retries_and_completion(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = MonitoringRepository(session)
        report = await repository.open_report(
            station.id, 4, criteria=["DeltaMonitoring"], component_variables=None, requested_at=T0
        )
        with pytest.raises(Conflict):
            await repository.open_report(
                station.id, 4, criteria=None, component_variables=None, requested_at=T0
            )
        assert await repository.record_report_part(
            report, seq_no=0, to_be_continued=True, monitors=3, at=T0
        )
        assert not await repository.record_report_part(
            report, seq_no=0, to_be_continued=True, monitors=3, at=T0
        )
        assert await repository.record_report_part(
            report, seq_no=1, to_be_continued=False, monitors=1, at=T0
        )
        session.expunge_all()
        loaded = await repository.get_report(station.id, 4)
        assert loaded is not None
        assert (loaded.parts_received, loaded.monitors_reported) == (2, 4)
        assert loaded.completed_at == T0
        unknown = await repository.ensure_report(station.id, 77)
        assert unknown.requested_at is None
        assert (await repository.ensure_report(station.id, 77)).id == unknown.id
        assert (await repository.list_reports(station.id)).total == 2


class TestEvents:
    async def test_filters(self, session: AsyncSession, station: ChargingStation) -> None:
        repository = MonitoringRepository(session)
        events = [
            EventRecordData(
                event_id=index,
                timestamp=T0 + timedelta(minutes=index),
                trigger="Periodic" if index % 2 else "Alerting",
                actual_value=str(index),
                event_notification_type="CustomMonitor",
                component_name="EVSE",
                evse_id=1,
                variable_name="Power" if index < 3 else "Current",
            )
            for index in range(5)
        ]
        await repository.add_events(station.id, events)
        assert (await repository.list_events(station.id, trigger="Periodic")).total == 2
        assert (await repository.list_events(station.id, variable_name="Current")).total == 2
        window = await repository.list_events(
            station.id, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)
        )
        assert [e.event_id for e in window.items] == [2, 1]


class TestSecurityEvents:
    async def test_critical_flag_and_tenant_listing(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        other = ChargingStation(tenant_id=tenant.id, station_id="CS2")
        session.add(other)
        await session.flush()
        repository = SecurityEventRepository(session)
        await repository.add(
            station.id, type="TamperDetectionActivated", timestamp=T0, critical=True
        )
        await repository.add(other.id, type="InvalidMessages", timestamp=T0 + timedelta(1))
        assert (await repository.list(station.id, critical=True)).total == 1
        assert (await repository.list(other.id, critical=True)).total == 0
        session.expunge_all()
        page = await repository.list_for_tenant(tenant.id)
        assert [(e.station.station_id, e.type) for e in page.items] == [
            ("CS2", "InvalidMessages"),
            ("CS1", "TamperDetectionActivated"),
        ]
        assert (await repository.list_for_tenant("nobody")).total == 0
        assert (await repository.list_for_tenant(tenant.id, type="InvalidMessages")).total == 1


class TestCustomerInformation:
    async def test_parts_in_order_once(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = CustomerInformationRepository(session)
        request = await repository.open_request(
            station.id,
            3,
            CustomerQuery(report=True, clear=False, id_token="AB12", id_token_type="ISO14443"),
            requested_at=T0,
        )
        with pytest.raises(Conflict):
            await repository.open_request(
                station.id, 3, CustomerQuery(report=True, clear=True), requested_at=T0
            )
        assert await repository.add_part(
            request, seq_no=1, data="world", to_be_continued=False, generated_at=T0
        )
        assert await repository.add_part(
            request, seq_no=0, data="hello ", to_be_continued=True, generated_at=T0
        )
        assert not await repository.add_part(
            request, seq_no=0, data="hello ", to_be_continued=True, generated_at=T0
        )
        session.expunge_all()
        loaded = await repository.get_request(station.id, 3)
        assert loaded is not None
        assert loaded.completed_at is not None
        parts = await repository.list_parts(loaded.id)
        assert "".join(part.data for part in parts) == "hello world"
        implicit = await repository.ensure_request(station.id, 8)
        assert (implicit.report, implicit.requested_at) == (None, None)
        assert (await repository.list_requests(station.id)).total == 2
