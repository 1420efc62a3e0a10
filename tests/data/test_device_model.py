"""Device model: component identity with optional parts, attributes, reports, monitoring."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import Conflict
from citrine_data.models import ChargingStation
from citrine_data.repositories.device_model import (
    AttributeData,
    CharacteristicsData,
    ComponentKey,
    DeviceModelRepository,
    VariableKey,
)
from citrine_data.repositories.monitoring import EventRecordData, MonitoringRepository
from citrine_data.repositories.report import ReportRepository

T0 = datetime(2026, 2, 1, tzinfo=UTC)


class TestComponents:
    async def test_optional_parts_do_not_duplicate(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = DeviceModelRepository(session)
        plain = await repository.upsert_component(station.id, ComponentKey("OCPPCommCtrlr"))
        again = await repository.upsert_component(station.id, ComponentKey("OCPPCommCtrlr"))
        assert plain.id == again.id  # NULL parts would have made two rows
        evse1 = await repository.upsert_component(station.id, ComponentKey("EVSE", evse_id=1))
        evse2 = await repository.upsert_component(station.id, ComponentKey("EVSE", evse_id=2))
        connector = await repository.upsert_component(
            station.id, ComponentKey("Connector", evse_id=2, connector_id=1)
        )
        assert len({plain.id, evse1.id, evse2.id, connector.id}) == 4

    async def test_attributes_and_characteristics(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = DeviceModelRepository(session)
        component_key = ComponentKey("OCPPCommCtrlr")
        component = await repository.upsert_component(station.id, component_key)
        variable = await repository.upsert_variable(component.id, VariableKey("HeartbeatInterval"))
        await repository.set_attribute(
            variable.id, AttributeData(value="300", mutability="ReadWrite", persistent=True)
        )
        await repository.set_attribute(variable.id, AttributeData(type="Target", value="60"))
        await repository.set_characteristics(
            variable.id,
            CharacteristicsData(data_type="integer", supports_monitoring=False, unit="s"),
        )
        assert await repository.set_value(variable.id, "Actual", "60")
        session.expunge_all()
        loaded = await repository.get_variable(
            station.id, component_key, VariableKey("HeartbeatInterval")
        )
        assert loaded is not None
        assert sorted((a.type, a.value) for a in loaded.attributes) == [
            ("Actual", "60"),
            ("Target", "60"),
        ]
        assert loaded.characteristics is not None
        assert loaded.characteristics.unit == "s"
        [listed] = await repository.list_components(station.id)
        assert [v.name for v in listed.variables] == ["HeartbeatInterval"]


class TestReports:
    async def test_parts_until_complete(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ReportRepository(session)
        report = await repository.start(station.id, 7, report_base="FullInventory", requested_at=T0)
        with pytest.raises(Conflict):
            await repository.start(station.id, 7, report_base=None, requested_at=T0)
        assert await repository.record_part(report, seq_no=0, to_be_continued=True, items=3, at=T0)
        assert not await repository.record_part(
            report, seq_no=0, to_be_continued=True, items=3, at=T0
        )  # a repeated part counts once
        assert report.completed_at is None
        assert await repository.record_part(report, seq_no=1, to_be_continued=False, items=2, at=T0)
        assert await repository.set_status(station.id, 7, "Accepted")
        session.expunge_all()
        loaded = await repository.get(station.id, 7)
        assert loaded is not None
        assert (loaded.status, loaded.parts_received, loaded.items_received) == (
            "Accepted",
            2,
            5,
        )
        assert (loaded.last_seq_no, loaded.final_seq_no, loaded.completed_at) == (1, 1, T0)

    async def test_last_part_first_completes_when_the_rest_arrived(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = ReportRepository(session)
        report = await repository.get_or_start(station.id, 9, T0)
        assert report.status == "unsolicited"
        await repository.record_part(report, seq_no=1, to_be_continued=False, items=1, at=T0)
        assert report.completed_at is None
        await repository.record_part(report, seq_no=0, to_be_continued=True, items=1, at=T0)
        assert report.completed_at == T0
        again = await repository.get_or_start(station.id, 9, T0)
        assert again.id == report.id
        page = await repository.list(station.id)
        assert [r.request_id for r in page.items] == [9]


class TestMonitoring:
    async def test_monitors_and_events(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        device_model = DeviceModelRepository(session)
        component = await device_model.upsert_component(station.id, ComponentKey("EVSE", evse_id=1))
        variable = await device_model.upsert_variable(component.id, VariableKey("Power"))
        repository = MonitoringRepository(session)
        pending = [
            await repository.add_monitor(
                station.id, variable.id, type="UpperThreshold", value=7000, severity=5
            )
            for _ in range(2)
        ]  # two pending monitors without station ids yet do not collide
        await repository.set_monitor_result(pending[0], status="Accepted", monitor_id=3)
        with pytest.raises(Conflict):
            await repository.add_monitor(
                station.id, variable.id, type="Delta", value=1, severity=5, monitor_id=3
            )
        assert await repository.delete_monitor(station.id, 3)
        assert len(await repository.list_monitors(station.id)) == 1

        events = [
            EventRecordData(
                event_id=index,
                timestamp=T0,
                trigger="Alerting",
                actual_value="7100",
                event_notification_type="CustomMonitor",
                component_name="EVSE",
                evse_id=1,
                variable_name="Power",
            )
            for index in range(3)
        ]
        await repository.add_events(station.id, events)
        page = await repository.list_events(station.id)
        assert page.total == 3
