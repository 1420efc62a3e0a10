"""The pure parts of the webhook machinery: filters, signatures, back-off, event bodies."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import orjson
import pytest

from citrine_base.config import WebhookConfig
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_modules.webhooks.dispatcher import WebhookDispatcher
from citrine_modules.webhooks.events import from_event, from_exchange
from citrine_modules.webhooks.filters import (
    MESSAGE,
    PING,
    EventFilter,
    InvalidFilter,
    validate_filters,
)
from citrine_modules.webhooks.signing import sign, verify

STATION = StationKey("acme", "CS1")


class TestFilters:
    def test_matching(self) -> None:
        chosen = EventFilter.of(["NotifyEvent", "Message:TransactionEvent"])
        assert chosen.matches("NotifyEvent")
        assert not chosen.matches("Connected")
        assert chosen.matches(MESSAGE, "TransactionEvent")
        assert not chosen.matches(MESSAGE, "Heartbeat")
        assert EventFilter.of(["Message:*"]).matches(MESSAGE, "Heartbeat")
        assert not EventFilter.of(["Message:*"]).matches("Connected")
        everything = EventFilter.of(["*"])
        assert everything.matches("Disconnected")
        assert everything.matches(MESSAGE, "Reset")
        assert not everything.matches(PING)

    def test_validation(self) -> None:
        assert validate_filters(["Connected", "Connected", "*"]) == ["Connected", "*"]
        for bad in (["Message:Nope"], ["Message"], ["connected"], []):
            with pytest.raises(InvalidFilter):
                validate_filters(bad)


class TestSignature:
    def test_verify(self) -> None:
        body = b'{"a":1}'
        at = int(time.time())
        header = sign("key-key-key-key-1", at, body)
        assert verify("key-key-key-key-1", header, body, now=at + 10)
        assert not verify("key-key-key-key-1", header, body + b" ", now=at)
        assert not verify("key-key-key-key-2", header, body, now=at)
        assert not verify("key-key-key-key-1", header, body, now=at + 3600)  # a replay
        assert not verify("key-key-key-key-1", "v1=abc", body, now=at)


class TestBackoff:
    async def test_doubles_with_jitter_up_to_the_ceiling(self) -> None:
        config = WebhookConfig(retry_base=1.0, retry_max=10.0)
        dispatcher = WebhookDispatcher(config)
        try:
            for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 10.0)):
                for _ in range(20):
                    delay = dispatcher._backoff(attempt)
                    assert ceiling / 2 <= delay <= ceiling
        finally:
            await dispatcher.stop()


class TestBodies:
    def test_exchange_body_embeds_the_frames(self) -> None:
        call = Envelope(
            kind=EnvelopeKind.CALL,
            station=STATION,
            action="Reset",
            message_id="m1",
            initiator=Initiator.CSMS,
            payload=b'{"type":"Immediate"}',
        )
        reply = Envelope(
            kind=EnvelopeKind.ERROR,
            station=STATION,
            action="Reset",
            message_id="m1",
            initiator=Initiator.CSMS,
            payload=Envelope.error_payload("local:timeout", "no answer"),
            timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        )
        body = orjson.loads(from_exchange(call, reply).body())
        assert body["type"] == "Message"
        assert body["action"] == "Reset"
        assert body["time"] == "2026-01-02T03:04:05Z"
        assert body["payload"] == {
            "messageId": "m1",
            "initiator": "csms",
            "request": {"type": "Immediate"},
            "error": {"code": "local:timeout", "description": "no answer", "details": {}},
        }

    def test_connection_events_get_an_id(self) -> None:
        event = Envelope(
            kind=EnvelopeKind.EVENT,
            station=STATION,
            action="Connected",
            message_id="Connected",
            initiator=Initiator.STATION,
        )
        body = orjson.loads(from_event(event).body())
        assert len(body["id"]) == 36
        assert (body["tenantId"], body["stationId"], body["payload"]) == ("acme", "CS1", {})
