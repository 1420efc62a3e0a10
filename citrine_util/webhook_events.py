"""Events for webhook subscribers, as modules publish them once their data is committed.

An event travels on ``WEBHOOK_EVENTS_TOPIC`` as an ``EVENT`` envelope whose ``action`` is the
event type and whose payload is its JSON. The webhooks module (when it runs) matches it
against the subscriptions and posts it; nobody listening is fine. Publish from
``after_commit`` so that a rolled back change is never announced::

    ctx.after_commit(lambda: publish_webhook_event(broker, webhook_event(station, "X", data)))
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import structlog

from citrine_base.interfaces.broker import Broker, BrokerError
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.topics import WEBHOOK_EVENTS_TOPIC

log = structlog.get_logger(__name__)


def webhook_event(station: StationKey, event_type: str, payload: dict[str, Any]) -> Envelope:
    """The envelope of one event; its message id is the event's id (receivers dedupe on it)."""
    return Envelope(
        kind=EnvelopeKind.EVENT,
        station=station,
        action=str(event_type),
        message_id=str(uuid.uuid4()),
        initiator=Initiator.STATION,
        payload=orjson.dumps(payload),
    )


async def publish_webhook_event(broker: Broker, event: Envelope) -> None:
    """Publish ``event``; a broker failure is logged, never raised (the data is committed)."""
    try:
        await broker.publish(WEBHOOK_EVENTS_TOPIC, event)
    except BrokerError as exc:
        log.warning(
            "webhook.event_not_published",
            event=event.action,
            station_id=event.station.station_id,
            error=str(exc),
        )
