"""Device-model writes in bulk: thousands of variables in a few statements, idempotent,
WriteOnly values never stored; and the reads the device-model API uses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.models import ChargingStation
from citrine_data.repositories.device_model import (
    AttributeData,
    CharacteristicsData,
    ComponentFilter,
    ComponentKey,
    DeviceModelRepository,
    VariableKey,
)
from citrine_data.repositories.device_model_batch import (
    AttributeResult,
    DeviceModelBatchRepository,
    ReportItem,
)
from tests.data.conftest import SqlTrace

T0 = datetime(2026, 2, 1, tzinfo=UTC)
T1 = datetime(2026, 2, 2, tzinfo=UTC)


def report_items(count: int) -> list[ReportItem]:
    return [
        ReportItem(
            ComponentKey("EVSE", evse_id=1 + index % 4),
            VariableKey(f"Var{index // 4}"),
            (
                AttributeData(value=str(index), mutability="ReadWrite"),
                AttributeData(type="MaxSet", value="100"),
            ),
            CharacteristicsData(data_type="integer", supports_monitoring=True, unit="W"),
        )
        for index in range(count)
    ]


class TestWriteReportItems:
    async def test_thousands_of_variables_in_a_few_statements(
        self, session: AsyncSession, station: ChargingStation, sql_trace: SqlTrace
    ) -> None:
        repository = DeviceModelBatchRepository(session)
        items = report_items(3000)
        with sql_trace() as sent:
            written = await repository.write_report_items(station.id, items, T0)
        assert written == 6000
        # 1000 rows per INSERT: components 1, variables 3, attributes 6, characteristics 3;
        # a dozen statements, not thousands
        assert len(sent) <= 15, sent
        page = await DeviceModelRepository(session).page_components(station.id, limit=10)
        assert page.total == 4
        assert sum(len(component.variables) for component in page.items) == 3000

    async def test_repeated_part_changes_nothing(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = DeviceModelBatchRepository(session)
        items = report_items(8)
        await repository.write_report_items(station.id, items, T0)
        await repository.write_report_items(station.id, items, T1)
        page = await DeviceModelRepository(session).page_components(station.id)
        variables = [variable for component in page.items for variable in component.variables]
        assert len(variables) == 8
        assert all(len(variable.attributes) == 2 for variable in variables)

    async def test_write_only_value_is_never_stored(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        component = ComponentKey("SecurityCtrlr")
        secret = ReportItem(
            component,
            VariableKey("BasicAuthPassword"),
            (AttributeData(value="s3cr3t-s3cr3t-s3cr3t", mutability="WriteOnly"),),
        )
        repository = DeviceModelBatchRepository(session)
        await repository.write_report_items(station.id, [secret], T0)
        # a later answer carrying the value (as a set would) still leaves it NULL
        await repository.record_results(
            station.id,
            [
                AttributeResult(
                    component=component,
                    variable=VariableKey("BasicAuthPassword"),
                    type="Actual",
                    action="SetVariables",
                    status="Accepted",
                    value="another-secret-value",
                    replaces_value=True,
                )
            ],
            T1,
        )
        session.expunge_all()
        variable = await DeviceModelRepository(session).get_variable(
            station.id, component, VariableKey("BasicAuthPassword")
        )
        assert variable is not None
        [attribute] = variable.attributes
        assert attribute.value is None
        assert (attribute.mutability, attribute.last_status) == ("WriteOnly", "Accepted")


class TestRecordResults:
    async def test_values_and_statuses(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        component = ComponentKey("OCPPCommCtrlr")
        repository = DeviceModelBatchRepository(session)
        await repository.write_report_items(
            station.id,
            [
                ReportItem(
                    component, VariableKey("HeartbeatInterval"), (AttributeData(value="300"),)
                )
            ],
            T0,
        )
        results = [
            AttributeResult(
                component=component,
                variable=VariableKey("HeartbeatInterval"),
                type="Actual",
                action="SetVariables",
                status="Accepted",
                value="60",
                replaces_value=True,
            ),
            AttributeResult(
                component=component,
                variable=VariableKey("OfflineThreshold"),
                type="Actual",
                action="SetVariables",
                status="Rejected",
                status_info="OutOfRange",
            ),
        ]
        await repository.record_results(station.id, results, T1)
        session.expunge_all()
        reader = DeviceModelRepository(session)
        values = await reader.actual_values(
            station.id,
            component,
            [VariableKey("HeartbeatInterval"), VariableKey("OfflineThreshold"), VariableKey("X")],
        )
        assert values == {
            VariableKey("HeartbeatInterval"): "60",
            VariableKey("OfflineThreshold"): None,
        }
        offline = await reader.get_variable(station.id, component, VariableKey("OfflineThreshold"))
        assert offline is not None
        [attribute] = offline.attributes
        assert (attribute.last_status, attribute.last_status_info) == ("Rejected", "OutOfRange")
        assert attribute.last_status_at == T1


class TestReads:
    async def test_filter_by_component_and_variable(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        await DeviceModelBatchRepository(session).write_report_items(
            station.id, report_items(8), T0
        )
        reader = DeviceModelRepository(session)
        page = await reader.page_components(station.id, ComponentFilter(name="EVSE", evse_id=2))
        [evse] = page.items
        assert sorted(v.name for v in evse.variables) == ["Var0", "Var1"]
        page = await reader.page_components(station.id, ComponentFilter(variable="Var1"))
        assert page.total == 4
        assert all([v.name for v in c.variables] == ["Var1"] for c in page.items)
        assert all(v.characteristics is not None for c in page.items for v in c.variables)
        empty = await reader.page_components(station.id, ComponentFilter(name="Nope"))
        assert (empty.total, empty.items) == (0, [])
