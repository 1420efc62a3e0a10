"""Marks module methods as OCPP handlers, collected once when the server is composed.

``@as_handler(Action.HEARTBEAT)`` on ``async def heartbeat(self, ctx, request) -> response``
records the action on the function; ``collect_handlers`` turns a module instance into
``{action: bound method}``. A duplicate or an action the registry does not know fails here, at
start-up, never on a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec

HANDLER_ATTRIBUTE = "__ocpp_action__"
RESULT_HANDLER_ATTRIBUTE = "__ocpp_result_action__"


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a handler knows about the CALL besides its payload."""

    station: StationKey
    message_id: str
    action: str


Handler = Callable[[CallContext, Any], Awaitable[OcppModel]]
F = TypeVar("F", bound=Callable[..., Awaitable[OcppModel]])
F2 = TypeVar("F2", bound=Callable[..., Awaitable[None]])


class HandlerRegistrationError(Exception):
    """A module declares a handler the server cannot accept (fails start-up)."""


def as_handler(action: str) -> Callable[[F], F]:
    """Declare the decorated method as the handler of station CALLs of ``action``."""

    def mark(function: F) -> F:
        setattr(function, HANDLER_ATTRIBUTE, str(action))
        return function

    return mark


def as_result_handler(action: str) -> Callable[[F2], F2]:
    """Declare the decorated method as the handler of the outcomes of CSMS CALLs of
    ``action`` (the station's answer, its CALLERROR, or a timeout), however they were sent:
    where the effects of an answer are persisted (an accepted SendLocalList's version)."""

    def mark(function: F2) -> F2:
        setattr(function, RESULT_HANDLER_ATTRIBUTE, str(action))
        return function

    return mark


def collect_handlers(module: object, actions: Mapping[str, ActionSpec]) -> dict[str, Handler]:
    """The handlers declared on ``module``'s class, bound to the instance."""
    return _collect(module, actions, HANDLER_ATTRIBUTE, station_sends=True)


def collect_result_handlers(
    module: object, actions: Mapping[str, ActionSpec]
) -> dict[str, Callable[..., Awaitable[None]]]:
    """The result handlers declared on ``module``'s class, bound to the instance."""
    return _collect(module, actions, RESULT_HANDLER_ATTRIBUTE, station_sends=False)


def _collect(
    module: object, actions: Mapping[str, ActionSpec], attribute: str, *, station_sends: bool
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in dir(type(module)):
        action = getattr(getattr(type(module), name), attribute, None)
        if action is None:
            continue
        spec = actions.get(action)
        where = f"{type(module).__name__}.{name}"
        if spec is None:
            raise HandlerRegistrationError(f"{where}: unknown action {action}")
        if station_sends and not spec.sent_by_station:
            raise HandlerRegistrationError(f"{where}: {action} is never sent by a station")
        if not station_sends and not spec.sent_by_csms:
            raise HandlerRegistrationError(f"{where}: {action} is never sent by the CSMS")
        if action in found:
            raise HandlerRegistrationError(f"{type(module).__name__}: two handlers for {action}")
        found[action] = getattr(module, name)
    return found


def merge_handlers(tables: list[tuple[str, dict[str, Handler]]]) -> dict[str, tuple[str, Handler]]:
    """One table for all modules: {action: (module name, handler)}; duplicates fail."""
    merged: dict[str, tuple[str, Handler]] = {}
    for module_name, table in tables:
        for action, handler in table.items():
            if action in merged:
                raise HandlerRegistrationError(
                    f"{action} is handled by both {merged[action][0]} and {module_name}"
                )
            merged[action] = (module_name, handler)
    return merged
