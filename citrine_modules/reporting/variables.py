"""GetVariables and SetVariables of any length, split to what the station accepts per message.

B05.FR.11 / B06.FR.05: a request holds at most ``DeviceDataCtrlr.ItemsPerMessage[<action>]``
items and ``BytesPerMessage[<action>]`` bytes. Both come from the station's stored device
model, or from ``device_model`` in the configuration when the station has not reported them.
The parts are sent one after the other (one outstanding CALL per station anyway) and their
per-item results are gathered into one answer. After a part got no answer at all (timeout,
offline) the rest is not sent: each would wait just as long.

What the answers change in the device model is stored by the reporting module's result
handlers, for every Get/SetVariables however it was sent (``device_model.record_*``).

``get_variables`` and ``set_variables`` are plain functions for other modules too (the
security module rotates BasicAuthPassword with ``set_variables``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import orjson

from citrine_base.config import DeviceModelConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_data import Session, unit_of_work
from citrine_data.repositories import ChargingStationRepository, DeviceModelRepository
from citrine_data.repositories.device_model import ComponentKey, VariableKey
from citrine_modules.deps import ModuleDeps
from citrine_modules.reporting.calls import CallProblem

Item = TypeVar("Item", datatypes.GetVariableData, datatypes.SetVariableData)
Result = TypeVar("Result", datatypes.GetVariableResult, datatypes.SetVariableResult)

FRAME_OVERHEAD = 96
"""Bytes of a CALL frame around its items: ``[2,"<36-char id>","SetVariables",{"...":[]}]``
with room to spare."""

TOO_LARGE = "local:too_large"
NOT_SENT = "local:not_sent"
NO_RESULT = "local:no_result"

ItemKey = tuple[str, str, int, int, str, str, str]


@dataclass(frozen=True, slots=True)
class MessageLimits:
    items: int
    bytes: int


@dataclass(frozen=True, slots=True)
class ItemFailure(Generic[Item]):
    """An item the station gave no result for, and why (a CALLERROR code or ``local:*``)."""

    item: Item
    code: str
    description: str


@dataclass(slots=True)
class VariablesOutcome(Generic[Item, Result]):
    results: list[Result] = field(default_factory=list)
    failures: list[ItemFailure[Item]] = field(default_factory=list)
    calls: int = 0
    first_problem: CallProblem | None = None

    @property
    def complete(self) -> bool:
        """Every item has the station's result."""
        return not self.failures


def item_key(item: datatypes.GetVariableData | datatypes.SetVariableData) -> ItemKey:
    """What names an attribute in a request or a result (B05.FR.13: unique per request)."""
    return attribute_key(item.component, item.variable, item.attribute_type)


def attribute_key(
    component: datatypes.Component,
    variable: datatypes.Variable,
    attribute_type: enums.AttributeEnum | None,
) -> ItemKey:
    evse = component.evse
    return (
        component.name,
        component.instance or "",
        evse.id if evse else 0,
        (evse.connector_id or 0) if evse else 0,
        variable.name,
        variable.instance or "",
        (attribute_type or enums.AttributeEnum.ACTUAL).value,
    )


def component_key(component: datatypes.Component) -> ComponentKey:
    evse = component.evse
    return ComponentKey(
        component.name,
        component.instance,
        evse.id if evse else None,
        evse.connector_id if evse else None,
    )


async def message_limits(
    session: Session, station_pk: int | None, action: str, defaults: DeviceModelConfig
) -> MessageLimits:
    """ItemsPerMessage and BytesPerMessage of ``action`` for the station, in one query."""
    items_key = VariableKey("ItemsPerMessage", action)
    bytes_key = VariableKey("BytesPerMessage", action)
    values: dict[VariableKey, str | None] = {}
    if station_pk is not None:
        values = await DeviceModelRepository.from_session(session).actual_values(
            station_pk, ComponentKey("DeviceDataCtrlr"), [items_key, bytes_key]
        )
    return MessageLimits(
        items=_positive(values.get(items_key)) or defaults.items_per_message,
        bytes=_positive(values.get(bytes_key)) or defaults.bytes_per_message,
    )


def _positive(value: str | None) -> int | None:
    try:
        number = int(value) if value is not None else 0
    except ValueError:
        return None
    return number if number > 0 else None


def split(items: Sequence[Item], limits: MessageLimits) -> tuple[list[list[Item]], list[Item]]:
    """The items in parts that fit ``limits``, in order; and the items no part can hold."""
    parts: list[list[Item]] = []
    too_large: list[Item] = []
    current: list[Item] = []
    size = FRAME_OVERHEAD
    for item in items:
        item_size = len(orjson.dumps(item.to_wire())) + 1  # and its comma
        if FRAME_OVERHEAD + item_size > limits.bytes:
            too_large.append(item)
            continue
        if current and (len(current) >= limits.items or size + item_size > limits.bytes):
            parts.append(current)
            current, size = [], FRAME_OVERHEAD
        current.append(item)
        size += item_size
    if current:
        parts.append(current)
    return parts, too_large


async def get_variables(
    deps: ModuleDeps,
    station: StationKey,
    items: Sequence[datatypes.GetVariableData],
    *,
    timeout: float | None = None,
) -> VariablesOutcome[datatypes.GetVariableData, datatypes.GetVariableResult]:
    """Read attributes from the station, in as many GetVariables as its limits need."""
    return await _exchange(
        deps,
        station,
        Action.GET_VARIABLES,
        items,
        lambda part: messages.GetVariablesRequest(get_variable_data=part),
        lambda response: _results(response, messages.GetVariablesResponse).get_variable_result,
        timeout,
    )


async def set_variables(
    deps: ModuleDeps,
    station: StationKey,
    items: Sequence[datatypes.SetVariableData],
    *,
    timeout: float | None = None,
) -> VariablesOutcome[datatypes.SetVariableData, datatypes.SetVariableResult]:
    """Write attributes on the station, in as many SetVariables as its limits need.

    The caller keeps (component, variable, attributeType) unique (B05.FR.13).
    """
    return await _exchange(
        deps,
        station,
        Action.SET_VARIABLES,
        items,
        lambda part: messages.SetVariablesRequest(set_variable_data=part),
        lambda response: _results(response, messages.SetVariablesResponse).set_variable_result,
        timeout,
    )


M = TypeVar("M", bound=OcppModel)


def _results(response: OcppModel, model: type[M]) -> M:
    if not isinstance(response, model):
        raise TypeError(f"expected {model.__name__}, got {type(response).__name__}")
    return response


async def _exchange(
    deps: ModuleDeps,
    station: StationKey,
    action: str,
    items: Sequence[Item],
    build: Callable[[list[Item]], OcppModel],
    results_of: Callable[[OcppModel], list[Result]],
    timeout: float | None,
) -> VariablesOutcome[Item, Result]:
    async with unit_of_work(deps.sessions) as uow:
        known = await ChargingStationRepository.from_session(uow.session).get_by_key(station)
        limits = await message_limits(
            uow.session, known.id if known else None, action, deps.config.device_model
        )
    parts, too_large = split(items, limits)
    outcome: VariablesOutcome[Item, Result] = VariablesOutcome()
    outcome.failures.extend(
        ItemFailure(item, TOO_LARGE, f"larger than the station's {limits.bytes} bytes per message")
        for item in too_large
    )
    for index, part in enumerate(parts):
        try:
            response = await deps.commands.call(station, action, build(part), timeout=timeout)
        except (OcppError, CallFailed) as error:
            outcome.calls += 1
            problem = CallProblem.of(error)
            outcome.first_problem = outcome.first_problem or problem
            outcome.failures.extend(ItemFailure(i, problem.code, problem.description) for i in part)
            if isinstance(error, CallFailed):  # no answer: the rest would fare no better
                rest = [item for later in parts[index + 1 :] for item in later]
                outcome.failures.extend(
                    ItemFailure(i, NOT_SENT, "not sent: an earlier part got no answer")
                    for i in rest
                )
                break
            continue
        outcome.calls += 1
        results = results_of(response)
        outcome.results.extend(results)
        answered = {attribute_key(r.component, r.variable, r.attribute_type) for r in results}
        outcome.failures.extend(
            ItemFailure(item, NO_RESULT, "the station's answer has no result for this item")
            for item in part
            if item_key(item) not in answered
        )
    return outcome
