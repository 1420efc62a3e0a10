"""Broker topics and cache keys shared by the router, the modules and the workers."""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey

MODULES_GROUP = "modules"
"""Group of the module consumers: each station CALL is handled by exactly one of them."""

EVENTS_TOPIC = "ocpp.events"
"""Connection events of every station; the envelope's ``action`` names the event."""

CONNECTED = "Connected"
DISCONNECTED = "Disconnected"
BOOT_ANSWERED = "BootAnswered"
"""A BootNotificationResponse was sent; the payload is that response."""

SITE_TRANSACTIONS_CHANGED = "site.transactions_changed"
"""A transaction started or ended (committed): an EVENT envelope for the station, ``action``
``TransactionStarted`` or ``TransactionEnded``, payload ``{"transactionId": ...}``. Published
by the transactions module after its commit; smart charging re-shares the station's site limit."""
TRANSACTION_STARTED = "TransactionStarted"
TRANSACTION_ENDED = "TransactionEnded"


def call_topic(action: str) -> str:
    """Station CALLs of ``action``, consumed by the module that handles it."""
    return f"ocpp.call.{action}"


def command_topic(instance_id: str) -> str:
    """CSMS CALLs for stations held by server instance ``instance_id``."""
    return f"ocpp.command.{instance_id}"


def result_topic(action: str) -> str:
    """Outcomes of CSMS CALLs of ``action``, for the modules that persist their effects."""
    return f"ocpp.result.{action}"


def presence_key(station: StationKey) -> str:
    """Cache key holding the instance id of the server that holds ``station``'s socket."""
    return f"presence:{station.tenant_id}:{station.station_id}"


WEBHOOK_EVENTS_TOPIC = "webhooks.events"
"""Events for webhook subscribers, published by modules once their data is committed; the
envelope's ``action`` is the event type (``NotifyEvent``, ``SecurityEventNotification``)."""

SUBSCRIPTIONS_CHANGED_TOPIC = "webhooks.subscriptions_changed"
"""A webhook subscription was created, changed or deleted: every process reloads its copy."""
