"""The device model: components, variables, attributes and characteristics, one at a time
and as read back (writes in bulk: ``device_model_batch``; reports: ``report``).

``None`` for a component's instance, EVSE or connector is stored as the sentinel ``''``/``0``
(see ``models/device_model.py``); callers pass and get ``None``-free keys through
``ComponentKey``/``VariableKey``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
from citrine_data.models.device_model import (
    Component,
    Variable,
    VariableAttribute,
    VariableCharacteristics,
)
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True)
class ComponentKey:
    name: str
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None

    def stored(self) -> tuple[str, str, int, int]:
        """The key as stored: sentinels for the absent parts."""
        return (self.name, self.instance or "", self.evse_id or 0, self.connector_id or 0)

    @classmethod
    def from_stored(cls, name: str, instance: str, evse_id: int, connector_id: int) -> ComponentKey:
        return cls(name, instance or None, evse_id or None, connector_id or None)


@dataclass(frozen=True, slots=True)
class VariableKey:
    name: str
    instance: str | None = None

    def stored(self) -> tuple[str, str]:
        return (self.name, self.instance or "")


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentFilter:
    """Which components of a station to read; an absent part matches any value."""

    name: str | None = None
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    variable: str | None = None
    variable_instance: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.name is not None:
            found.append(Component.name == self.name)
        if self.instance is not None:
            found.append(Component.instance == self.instance)
        if self.evse_id is not None:
            found.append(Component.evse_id == self.evse_id)
        if self.connector_id is not None:
            found.append(Component.connector_id == self.connector_id)
        return found

    def variable_conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.variable is not None:
            found.append(Variable.name == self.variable)
        if self.variable_instance is not None:
            found.append(Variable.instance == self.variable_instance)
        return found


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

    async def page_components(
        self,
        station_pk: int,
        which: ComponentFilter | None = None,
        *,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[Component]:
        """Components with their variables (only those ``which`` names), attributes and
        characteristics, one page of components at a time."""
        which = which or ComponentFilter()
        statement = select(Component).where(Component.station_pk == station_pk, *which.conditions())
        variables = which.variable_conditions()
        if variables:
            statement = statement.where(
                Component.variables.any(*variables)  # only components holding such a variable
            )
        loader = selectinload(
            Component.variables.and_(*variables) if variables else Component.variables
        )
        statement = (
            statement.options(
                loader.selectinload(Variable.attributes),
                loader.selectinload(Variable.characteristics),
            )
            .order_by(Component.name, Component.instance, Component.evse_id, Component.connector_id)
            # a filtered collection must not be mistaken for (or kept as) the whole one
            .execution_options(populate_existing=True)
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def actual_values(
        self, station_pk: int, component: ComponentKey, variables: Sequence[VariableKey]
    ) -> dict[VariableKey, str | None]:
        """The Actual values of some variables of one component, in one query; a variable
        the device model does not hold is absent from the answer."""
        if not variables:
            return {}
        name, instance, evse_id, connector_id = component.stored()
        statement = (
            select(Variable.name, Variable.instance, VariableAttribute.value)
            .join(Component, Variable.component_pk == Component.id)
            .join(VariableAttribute, VariableAttribute.variable_pk == Variable.id)
            .where(
                Component.station_pk == station_pk,
                Component.name == name,
                Component.instance == instance,
                Component.evse_id == evse_id,
                Component.connector_id == connector_id,
                VariableAttribute.type == "Actual",
                tuple_(Variable.name, Variable.instance).in_([v.stored() for v in variables]),
            )
        )
        with translate_errors():
            rows = (await self.session.execute(statement)).all()
        return {VariableKey(row[0], row[1] or None): row[2] for row in rows}

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
