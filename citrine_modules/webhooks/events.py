"""Webhook events and their JSON body::

    {"id": "<uuid, the same on every attempt>", "type": "NotifyEvent", "tenantId": "default",
     "stationId": "CS1", "time": "2026-01-01T12:00:00.000Z", "payload": {...}}

``Message`` events also carry ``"action"``; their payload is ``{"messageId", "initiator"
("station" or "csms"), "request", "response"}`` or, without a response, ``"error": {"code",
"description", "details"}`` (``local:timeout`` and the like when the station did not answer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, StationKey
from citrine_base.ocpp.model import format_date_time
from citrine_modules.webhooks.filters import MESSAGE
from citrine_util.redaction import redact_payload


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    type: str
    station: StationKey
    time: datetime
    payload: bytes
    action: str | None = None

    def body(self) -> bytes:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "tenantId": self.station.tenant_id,
            "stationId": self.station.station_id,
            "time": format_date_time(self.time),
        }
        if self.action is not None:
            data["action"] = self.action
        data["payload"] = orjson.Fragment(self.payload)
        return orjson.dumps(data)


def from_event(envelope: Envelope) -> WebhookEvent:
    """A stored event or a connection event: its type is the envelope's action, its id the
    envelope's message id (connection events are named by their action: they get one)."""
    named = envelope.message_id and envelope.message_id != envelope.action
    event_id = envelope.message_id if named else str(uuid.uuid4())
    return WebhookEvent(
        id=event_id,
        type=envelope.action,
        station=envelope.station,
        time=envelope.timestamp,
        payload=envelope.payload or b"{}",
    )


def from_exchange(call: Envelope, reply: Envelope) -> WebhookEvent:
    """An OCPP exchange: the CALL and its CALLRESULT, CALLERROR or local failure."""
    answer = "error" if reply.kind is EnvelopeKind.ERROR else "response"
    payload = orjson.dumps(
        {
            "messageId": call.message_id,
            "initiator": call.initiator.value,
            "request": orjson.Fragment(redact_payload(call.action, call.payload or b"{}")),
            answer: orjson.Fragment(reply.payload or b"{}"),
        }
    )
    return WebhookEvent(
        id=str(uuid.uuid4()),
        type=MESSAGE,
        station=call.station,
        time=reply.timestamp,
        payload=payload,
        action=call.action,
    )
