"""The device model: components, variables, attributes, characteristics, and reports.

``None`` for a component's instance, EVSE or connector is stored as the sentinel ``''``/``0``
(see ``models/device_model.py``); callers pass and get ``None``-free keys through
``ComponentKey``/``VariableKey``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
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

    async def ensure_variables(
        self, station_pk: int, keys: Sequence[tuple[ComponentKey, VariableKey]]
    ) -> dict[tuple[ComponentKey, VariableKey], int]:
        """The variable id of each (component, variable), creating the rows the station
        mentions before any NotifyReport described them; one statement per table for all
        of them (a report part may name hundreds)."""
        components = {_component_row(key): key for key, _ in keys}
        component_ids = await self._upsert_keys(
            Component,
            [
                {"station_pk": station_pk, **dict(zip(_COMPONENT_COLUMNS, row, strict=True))}
                for row in components
            ],
            ["station_pk", *_COMPONENT_COLUMNS],
        )
        variable_rows = {
            (
                component_ids[(station_pk, *_component_row(component))],
                variable.name,
                variable.instance or "",
            )
            for component, variable in keys
        }
        variable_ids = await self._upsert_keys(
            Variable,
            [
                {"component_pk": pk, "name": name, "instance": instance}
                for pk, name, instance in variable_rows
            ],
            ["component_pk", "name", "instance"],
        )
        return {
            (component, variable): variable_ids[
                (
                    component_ids[(station_pk, *_component_row(component))],
                    variable.name,
                    variable.instance or "",
                )
            ]
            for component, variable in keys
        }

    async def _upsert_keys(
        self,
        model: type[Component] | type[Variable],
        rows: list[dict[str, Any]],
        key: list[str],
    ) -> dict[tuple[Any, ...], int]:
        """Insert the rows whose key is new; the id of every row by its key."""
        ids: dict[tuple[Any, ...], int] = {}
        now = utc_now()
        for start in range(0, len(rows), KEY_BATCH):
            chunk = [
                {**row, "created_at": now, "updated_at": now}
                for row in rows[start : start + KEY_BATCH]
            ]
            insert = self._insert(model).values(chunk)
            # A no-op update, not DO NOTHING: only an update returns the rows that existed.
            statement = insert.on_conflict_do_update(
                index_elements=key, set_={key[-1]: insert.excluded[key[-1]]}
            ).returning(model.id, *(model.__table__.c[name] for name in key))
            with translate_errors():
                for row in (await self.session.execute(statement)).all():
                    ids[tuple(row[1:])] = row[0]
        return ids


_COMPONENT_COLUMNS = ("name", "instance", "evse_id", "connector_id")
KEY_BATCH = 500
"""Rows per multi-row upsert: at most 7 parameters each, far below both backends' limits."""


def _component_row(key: ComponentKey) -> tuple[str, str, int, int]:
    """The stored form of a component key (sentinels for the absent parts)."""
    return (key.name, key.instance or "", key.evse_id or 0, key.connector_id or 0)
