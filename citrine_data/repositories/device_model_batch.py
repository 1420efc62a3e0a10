"""Device-model writes in bulk: a NotifyReport part or a Get/SetVariables answer with
thousands of items costs a handful of multi-row upserts, never a round trip per attribute.

Per call: one upsert per batch of components, of variables, of attributes and of
characteristics (a batch holds ``ROWS_PER_STATEMENT`` rows). Rows are
de-duplicated first, because one ``ON CONFLICT DO UPDATE`` may not touch a row twice
(PostgreSQL refuses it). Writing the same items again changes nothing: a repeated NotifyReport
part is harmless.

A WriteOnly attribute's value (a password) is never stored: it is written as NULL, whatever
the caller passed, and an answer about an attribute already known to be WriteOnly leaves it
NULL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, null

from citrine_data.base import Base
from citrine_data.errors import translate_errors
from citrine_data.models.device_model import (
    Component,
    Variable,
    VariableAttribute,
    VariableCharacteristics,
)
from citrine_data.repositories.base import Repository
from citrine_data.repositories.device_model import (
    AttributeData,
    CharacteristicsData,
    ComponentKey,
    VariableKey,
)

ROWS_PER_STATEMENT = 1000
"""Rows per INSERT: at most 11 columns each, far below SQLite's 32766 and PostgreSQL's 32767
bound values."""

WRITE_ONLY = "WriteOnly"

StoredComponent = tuple[str, str, int, int]
StoredVariable = tuple[StoredComponent, tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One ReportData of a NotifyReport: a variable with its attributes."""

    component: ComponentKey
    variable: VariableKey
    attributes: tuple[AttributeData, ...]
    characteristics: CharacteristicsData | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeResult:
    """The station's answer about one attribute (a GetVariableResult or SetVariableResult).

    With ``replaces_value`` the attribute's value becomes ``value`` (an accepted set, a
    value read); otherwise only the status is noted.
    """

    component: ComponentKey
    variable: VariableKey
    type: str
    action: str
    status: str
    status_info: str | None = None
    value: str | None = None
    replaces_value: bool = False


class DeviceModelBatchRepository(Repository):
    async def write_report_items(
        self, station_pk: int, items: Sequence[ReportItem], at: datetime
    ) -> int:
        """Store reported variables; the number of attributes written."""
        variable_pks = await self._variables(
            station_pk, ((item.component, item.variable) for item in items), at
        )
        attributes: dict[tuple[int, str], dict[str, Any]] = {}
        characteristics: dict[int, dict[str, Any]] = {}
        for item in items:
            variable_pk = variable_pks[(item.component.stored(), item.variable.stored())]
            for attribute in item.attributes:
                attributes[(variable_pk, attribute.type)] = _attribute_row(
                    variable_pk, attribute, at
                )
            if item.characteristics is not None:
                characteristics[variable_pk] = _characteristics_row(
                    variable_pk, item.characteristics, at
                )
        await self._upsert_batch(
            VariableAttribute,
            list(attributes.values()),
            key=("variable_pk", "type"),
            update=("value", "mutability", "persistent", "constant", "updated_at"),
        )
        await self._upsert_batch(
            VariableCharacteristics,
            list(characteristics.values()),
            key=("variable_pk",),
            update=(
                "data_type",
                "unit",
                "min_limit",
                "max_limit",
                "values_list",
                "supports_monitoring",
                "updated_at",
            ),
        )
        return len(attributes)

    async def record_results(
        self, station_pk: int, results: Sequence[AttributeResult], at: datetime
    ) -> None:
        """Note the station's answers, and the values they carry, on the attributes."""
        variable_pks = await self._variables(
            station_pk, ((result.component, result.variable) for result in results), at
        )
        latest: dict[tuple[int, str], tuple[bool, dict[str, Any]]] = {}
        for result in results:
            variable_pk = variable_pks[(result.component.stored(), result.variable.stored())]
            latest[(variable_pk, result.type)] = (
                result.replaces_value,
                _result_row(variable_pk, result, at),
            )
        with_value = [row for replaces, row in latest.values() if replaces]
        status_only = [row for replaces, row in latest.values() if not replaces]
        status_columns = (
            "last_status",
            "last_status_info",
            "last_status_action",
            "last_status_at",
            "updated_at",
        )
        known_write_only = VariableAttribute.__table__.c.mutability == WRITE_ONLY
        await self._upsert_batch(
            VariableAttribute,
            with_value,
            key=("variable_pk", "type"),
            update=status_columns,
            computed={"value": lambda excluded: case((known_write_only, null()), else_=excluded)},
        )
        await self._upsert_batch(
            VariableAttribute,
            status_only,
            key=("variable_pk", "type"),
            update=status_columns,
        )

    async def _variables(
        self,
        station_pk: int,
        pairs: Iterable[tuple[ComponentKey, VariableKey]],
        at: datetime,
    ) -> dict[StoredVariable, int]:
        """The primary keys of these variables (and their components), created if new."""
        wanted = {(component.stored(), variable.stored()) for component, variable in pairs}
        component_pks = await self._components(
            station_pk, {component for component, _ in wanted}, at
        )
        rows = [
            {
                "component_pk": component_pks[component],
                "name": name,
                "instance": instance,
                "created_at": at,
                "updated_at": at,
            }
            for component, (name, instance) in wanted
        ]
        returned = await self._upsert_batch(
            Variable,
            rows,
            key=("component_pk", "name", "instance"),
            update=("updated_at",),
            returning=(Variable.id, Variable.component_pk, Variable.name, Variable.instance),
        )
        by_pk = {pk: component for component, pk in component_pks.items()}
        return {(by_pk[row[1]], (row[2], row[3])): row[0] for row in returned}

    async def _components(
        self, station_pk: int, keys: set[StoredComponent], at: datetime
    ) -> dict[StoredComponent, int]:
        rows = [
            {
                "station_pk": station_pk,
                "name": name,
                "instance": instance,
                "evse_id": evse_id,
                "connector_id": connector_id,
                "created_at": at,
                "updated_at": at,
            }
            for name, instance, evse_id, connector_id in keys
        ]
        returned = await self._upsert_batch(
            Component,
            rows,
            key=("station_pk", "name", "instance", "evse_id", "connector_id"),
            update=("updated_at",),
            returning=(
                Component.id,
                Component.name,
                Component.instance,
                Component.evse_id,
                Component.connector_id,
            ),
        )
        return {(row[1], row[2], row[3], row[4]): row[0] for row in returned}

    async def _upsert_batch(
        self,
        model: type[Base],
        rows: Sequence[Mapping[str, Any]],
        *,
        key: Sequence[str],
        update: Sequence[str],
        computed: Mapping[str, Any] | None = None,
        returning: Sequence[Any] = (),
    ) -> list[tuple[Any, ...]]:
        """Insert ``rows`` (all with the same columns) or update ``update`` on a key
        conflict; ``computed`` maps a column to ``f(excluded value)``.

        One statement compiled once and run as an executemany, which SQLAlchemy sends as
        multi-row INSERTs of ``ROWS_PER_STATEMENT`` ("insertmanyvalues"), with RETURNING on
        both backends. (Compiling a literal multi-row ``values([...])`` instead costs seconds
        of Python for a few thousand rows.)
        """
        if not rows:
            return []
        insert = self._insert(model)
        assignments: dict[str, Any] = {name: insert.excluded[name] for name in update}
        for name, compute in (computed or {}).items():
            assignments[name] = compute(insert.excluded[name])
        statement = insert.on_conflict_do_update(index_elements=list(key), set_=assignments)
        options = {"insertmanyvalues_page_size": ROWS_PER_STATEMENT}
        with translate_errors():
            connection = await self.session.connection()
            if not returning:
                await connection.execute(statement, list(rows), execution_options=options)
                return []
            result = await connection.execute(
                statement.returning(*returning), list(rows), execution_options=options
            )
            return [tuple(row) for row in result.all()]


def _attribute_row(variable_pk: int, attribute: AttributeData, at: datetime) -> dict[str, Any]:
    return {
        "variable_pk": variable_pk,
        "type": attribute.type,
        "value": None if attribute.mutability == WRITE_ONLY else attribute.value,
        "mutability": attribute.mutability,
        "persistent": attribute.persistent,
        "constant": attribute.constant,
        "created_at": at,
        "updated_at": at,
    }


def _result_row(variable_pk: int, result: AttributeResult, at: datetime) -> dict[str, Any]:
    return {
        "variable_pk": variable_pk,
        "type": result.type,
        "value": result.value if result.replaces_value else None,
        "last_status": result.status,
        "last_status_info": result.status_info,
        "last_status_action": result.action,
        "last_status_at": at,
        "created_at": at,
        "updated_at": at,
    }


def _characteristics_row(
    variable_pk: int, data: CharacteristicsData, at: datetime
) -> dict[str, Any]:
    return {
        "variable_pk": variable_pk,
        "data_type": data.data_type,
        "unit": data.unit,
        "min_limit": data.min_limit,
        "max_limit": data.max_limit,
        "values_list": data.values_list,
        "supports_monitoring": data.supports_monitoring,
        "created_at": at,
        "updated_at": at,
    }
