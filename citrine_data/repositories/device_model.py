"""The device model: components, variables, attributes, characteristics, and reports.

``None`` for a component's instance, EVSE or connector is stored as the sentinel ``''``/``0``
(see ``models/device_model.py``); callers pass and get ``None``-free keys through
``ComponentKey``/``VariableKey``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from citrine_data.models.device_model import (
    Component,
    Report,
    Variable,
    VariableAttribute,
    VariableCharacteristics,
)
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class ComponentKey:
    name: str
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None


@dataclass(frozen=True, slots=True)
class VariableKey:
    name: str
    instance: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeData:
    type: str = "Actual"
    value: str | None = None
    mutability: str | None = None
    persistent: bool | None = None
    constant: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CharacteristicsData:
    data_type: str
    supports_monitoring: bool
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: str | None = None


class DeviceModelRepository(Repository):
    async def upsert_component(self, station_pk: int, key: ComponentKey) -> Component:
        values = {
            "station_pk": station_pk,
            "name": key.name,
            "instance": key.instance or "",
            "evse_id": key.evse_id or 0,
            "connector_id": key.connector_id or 0,
        }
        columns = ["station_pk", "name", "instance", "evse_id", "connector_id"]
        return await self._upsert(Component, values, key=columns, update=[])

    async def upsert_variable(self, component_pk: int, key: VariableKey) -> Variable:
        values = {"component_pk": component_pk, "name": key.name, "instance": key.instance or ""}
        return await self._upsert(
            Variable, values, key=["component_pk", "name", "instance"], update=[]
        )

    async def set_attribute(self, variable_pk: int, data: AttributeData) -> VariableAttribute:
        values = {
            "variable_pk": variable_pk,
            "type": data.type,
            "value": data.value,
            "mutability": data.mutability,
            "persistent": data.persistent,
            "constant": data.constant,
        }
        return await self._upsert(VariableAttribute, values, key=["variable_pk", "type"])

    async def set_value(self, variable_pk: int, attribute_type: str, value: str | None) -> bool:
        """Change only the value (after an accepted SetVariables); False if unknown."""
        statement = (
            update(VariableAttribute)
            .where(VariableAttribute.variable_pk == variable_pk)
            .where(VariableAttribute.type == attribute_type)
            .values(value=value)
        )
        return await self._execute_dml(statement) > 0

    async def set_characteristics(
        self, variable_pk: int, data: CharacteristicsData
    ) -> VariableCharacteristics:
        values = {
            "variable_pk": variable_pk,
            "data_type": data.data_type,
            "supports_monitoring": data.supports_monitoring,
            "unit": data.unit,
            "min_limit": data.min_limit,
            "max_limit": data.max_limit,
            "values_list": data.values_list,
        }
        return await self._upsert(VariableCharacteristics, values, key=["variable_pk"])

    async def get_variable(
        self, station_pk: int, component: ComponentKey, variable: VariableKey
    ) -> Variable | None:
        """The variable with its attributes and characteristics loaded."""
        statement = (
            select(Variable)
            .join(Component)
            .where(
                Component.station_pk == station_pk,
                Component.name == component.name,
                Component.instance == (component.instance or ""),
                Component.evse_id == (component.evse_id or 0),
                Component.connector_id == (component.connector_id or 0),
                Variable.name == variable.name,
                Variable.instance == (variable.instance or ""),
            )
            .options(selectinload(Variable.attributes), selectinload(Variable.characteristics))
        )
        return await self._get_one_or_none(statement)

    async def list_components(self, station_pk: int) -> list[Component]:
        """Every component with its variables and their attributes."""
        statement = (
            select(Component)
            .where(Component.station_pk == station_pk)
            .options(selectinload(Component.variables).selectinload(Variable.attributes))
            .order_by(Component.name, Component.instance, Component.evse_id, Component.connector_id)
        )
        return await self._get_all(statement)

    async def start_report(
        self, station_pk: int, request_id: int, *, report_base: str | None, requested_at: datetime
    ) -> Report:
        """``Conflict`` if the station already has a report with this request id."""
        report = Report(
            station_pk=station_pk,
            request_id=request_id,
            report_base=report_base,
            requested_at=requested_at,
            status="requested",
            parts_received=0,
        )
        return await self._add(report)

    async def get_report(self, station_pk: int, request_id: int) -> Report | None:
        statement = select(Report).where(
            Report.station_pk == station_pk, Report.request_id == request_id
        )
        return await self._get_one_or_none(statement)

    async def record_report_part(
        self, report: Report, *, seq_no: int, to_be_continued: bool, at: datetime
    ) -> None:
        """Note a NotifyReport part; the report completes with the last part (tbc false)."""
        report.parts_received += 1
        report.last_seq_no = (
            seq_no if report.last_seq_no is None else max(seq_no, report.last_seq_no)
        )
        if not to_be_continued:
            report.status = "complete"
            report.completed_at = at
        await self._flush()
