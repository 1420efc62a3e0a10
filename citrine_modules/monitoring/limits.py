"""How much one monitoring CALL may carry: ``MonitoringCtrlr.ItemsPerMessage`` and
``BytesPerMessage`` (instances ``SetVariableMonitoring``, ``ClearVariableMonitoring``;
N04.FR.09, N06.FR.04, TC_N_18), and splitting a request to fit them.

The limits come from the device model when a report stored them; otherwise the station is
asked once with GetVariables. A station that does not say has no known limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import orjson
import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_data import Session
from citrine_data.repositories import DeviceModelRepository
from citrine_data.repositories.device_model import ComponentKey, VariableKey
from citrine_modules.rest import Unprocessable

log = structlog.get_logger(__name__)

T = TypeVar("T")

CONTROLLER = "MonitoringCtrlr"
ITEMS = "ItemsPerMessage"
BYTES = "BytesPerMessage"
FRAME_OVERHEAD = len('[2,"",""]') + 36
"""A CALL frame around its payload: the brackets, the type, a 36-character id, quotes."""


@dataclass(frozen=True, slots=True)
class MessageLimits:
    items: int | None = None
    bytes: int | None = None


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None


async def stored_limits(session: Session, station_pk: int, action: str) -> dict[str, int | None]:
    """The limits the device model holds for ``action``: {"ItemsPerMessage": n, ...}; a name
    is absent when the device model does not have it."""
    repository = DeviceModelRepository.from_session(session)
    found: dict[str, int | None] = {}
    for name in (ITEMS, BYTES):
        variable = await repository.get_variable(
            station_pk, ComponentKey(CONTROLLER), VariableKey(name, action)
        )
        actual = (
            next((a for a in variable.attributes if a.type == "Actual"), None) if variable else None
        )
        if actual is not None:
            found[name] = _positive_int(actual.value)
    return found


async def ask_limits(
    commands: CommandSender, station: StationKey, action: str, names: Sequence[str]
) -> dict[str, int | None]:
    """Ask the station for the limits the device model lacks (GetVariables); a failure or a
    refusal leaves them unknown."""
    request = messages.GetVariablesRequest(
        get_variable_data=[
            datatypes.GetVariableData(
                component=datatypes.Component(name=CONTROLLER),
                variable=datatypes.Variable(name=name, instance=action),
            )
            for name in names
        ]
    )
    try:
        response = await commands.call(station, Action.GET_VARIABLES, request)
    except (OcppError, CallFailed) as error:
        log.info("monitoring.limits_unknown", station_id=station.station_id, error=str(error))
        return {}
    if not isinstance(response, messages.GetVariablesResponse):
        return {}
    return {
        result.variable.name: _positive_int(result.attribute_value)
        for result in response.get_variable_result
        if result.attribute_status is enums.GetVariableStatusEnum.ACCEPTED
    }


def split(
    items: Sequence[T],
    limits: MessageLimits,
    *,
    action: str,
    field: str,
    to_json: Callable[[T], object],
) -> list[list[T]]:
    """``items`` cut into the fewest consecutive groups whose CALL fits ``limits``: at most
    ``limits.items`` each, and a frame ``{field: [...]}`` of at most ``limits.bytes``.
    ``Unprocessable`` when a single item is too large on its own."""
    per_message = limits.items or len(items) or 1
    base = FRAME_OVERHEAD + len(action) + len(orjson.dumps({field: []}))
    groups: list[list[T]] = []
    current: list[T] = []
    size = base
    for item in items:
        item_size = len(orjson.dumps(to_json(item))) + (1 if current else 0)
        fits_bytes = limits.bytes is None or size + item_size <= limits.bytes
        if current and (len(current) >= per_message or not fits_bytes):
            groups.append(current)
            current, size = [], base
            item_size -= 1
        if limits.bytes is not None and base + item_size > limits.bytes:
            raise Unprocessable(
                f"One {action} item needs {base + item_size} bytes; the station takes at most "
                f"{limits.bytes} ({CONTROLLER}.{BYTES})"
            )
        current.append(item)
        size += item_size
    if current:
        groups.append(current)
    return groups
