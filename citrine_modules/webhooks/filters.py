"""What a webhook subscription can ask for, and whether an event matches it.

Filters (a subscription holds a list; an event matches when one of them does):

* ``Connected``, ``Disconnected``: a station's websocket opened or closed;
* ``NotifyEvent``, ``SecurityEventNotification``: the stored event, once committed;
* ``Message:<Action>``: every OCPP exchange of that action (CALL and its answer), in either
  direction (``Message:TransactionEvent``, ``Message:Reset``);
* ``Message:*``: every OCPP exchange; ``*``: everything above.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from citrine_base.ocpp.v201 import ACTIONS, Action
from citrine_base.topics import CONNECTED, DISCONNECTED

EVERYTHING = "*"
MESSAGE = "Message"
MESSAGE_PREFIX = f"{MESSAGE}:"
NOTIFY_EVENT = str(Action.NOTIFY_EVENT)
SECURITY_EVENT = str(Action.SECURITY_EVENT_NOTIFICATION)
PING = "Ping"
"""The type of a test post an operator asks for; it matches no filter."""

EVENT_TYPES = (CONNECTED, DISCONNECTED, NOTIFY_EVENT, SECURITY_EVENT)
ACTION_NAMES = frozenset(spec.action for spec in ACTIONS.values())
MAX_FILTERS = 100


class InvalidFilter(ValueError):
    pass


def known_filters() -> list[str]:
    """Every filter a subscription may hold."""
    actions = sorted(ACTION_NAMES)
    return [EVERYTHING, *EVENT_TYPES, f"{MESSAGE_PREFIX}*", *(MESSAGE_PREFIX + a for a in actions)]


def validate_filters(filters: Iterable[str]) -> list[str]:
    """The filters without repeats, in their order; ``InvalidFilter`` naming unknown ones."""
    unique = list(dict.fromkeys(filters))
    unknown = [f for f in unique if not _known(f)]
    if unknown:
        raise InvalidFilter(
            f"Unknown event filter(s) {', '.join(unknown)}: use {', '.join(EVENT_TYPES)}, "
            f"{MESSAGE_PREFIX}<Action>, {MESSAGE_PREFIX}* or {EVERYTHING}"
        )
    if not unique:
        raise InvalidFilter("A subscription needs at least one event filter")
    if len(unique) > MAX_FILTERS:
        raise InvalidFilter(f"At most {MAX_FILTERS} event filters")
    return unique


def _known(name: str) -> bool:
    if name == EVERYTHING or name in EVENT_TYPES:
        return True
    action = name.removeprefix(MESSAGE_PREFIX)
    return name.startswith(MESSAGE_PREFIX) and (action == EVERYTHING or action in ACTION_NAMES)


@dataclass(frozen=True, slots=True)
class EventFilter:
    everything: bool
    types: frozenset[str]
    all_messages: bool
    actions: frozenset[str]

    @classmethod
    def of(cls, filters: Iterable[str]) -> EventFilter:
        names = set(filters)
        actions = {n.removeprefix(MESSAGE_PREFIX) for n in names if n.startswith(MESSAGE_PREFIX)}
        return cls(
            everything=EVERYTHING in names,
            types=frozenset(n for n in names if n in EVENT_TYPES),
            all_messages=EVERYTHING in actions,
            actions=frozenset(actions - {EVERYTHING}),
        )

    def matches(self, event_type: str, action: str | None = None) -> bool:
        if event_type == MESSAGE:
            return self.everything or self.all_messages or action in self.actions
        return event_type != PING and (self.everything or event_type in self.types)
