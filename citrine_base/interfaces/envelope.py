"""The message that travels on the broker, and the typed identity of a station."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson

from citrine_base.ocpp.model import OcppModel

DEFAULT_TENANT = "default"


@dataclass(frozen=True, slots=True, order=True)
class StationKey:
    """A station is named by its tenant and its OCPP identity, never by a joined string."""

    tenant_id: str
    station_id: str

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.station_id}"


class EnvelopeKind(StrEnum):
    CALL = "call"
    RESULT = "result"
    ERROR = "error"
    EVENT = "event"


class Initiator(StrEnum):
    """Who sent the CALL this envelope belongs to."""

    STATION = "station"
    CSMS = "csms"


@dataclass(slots=True, kw_only=True)
class Envelope:
    """One OCPP message (or connection event) on its way between router and modules.

    ``payload`` is the OCPP payload as JSON text; for ``ERROR`` it is
    ``{"code", "description", "details"}``. ``request`` is set on the outcome of a CSMS CALL
    (RESULT or ERROR): the request it answers, so that whoever persists the effects of the
    answer knows what was asked. ``model`` is the already validated payload, kept
    only in-process: the memory broker hands the same object over, so nothing is validated or
    serialized twice; across processes it is dropped and rebuilt from ``payload``.
    """

    kind: EnvelopeKind
    station: StationKey
    action: str
    message_id: str
    initiator: Initiator
    payload: bytes = b"{}"
    correlation_id: str = ""
    origin: str = ""
    reply_to: str | None = None
    request: bytes | None = None
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    model: OcppModel | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.correlation_id:
            self.correlation_id = self.message_id

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "kind": self.kind.value,
                "tenantId": self.station.tenant_id,
                "stationId": self.station.station_id,
                "action": self.action,
                "messageId": self.message_id,
                "initiator": self.initiator.value,
                "payload": orjson.Fragment(self.payload),
                "correlationId": self.correlation_id,
                "origin": self.origin,
                "replyTo": self.reply_to,
                "request": orjson.Fragment(self.request) if self.request is not None else None,
                "timestamp": self.timestamp.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Envelope:
        raw: dict[str, Any] = orjson.loads(data)
        return cls(
            kind=EnvelopeKind(raw["kind"]),
            station=StationKey(raw["tenantId"], raw["stationId"]),
            action=raw["action"],
            message_id=raw["messageId"],
            initiator=Initiator(raw["initiator"]),
            payload=orjson.dumps(raw["payload"]),
            correlation_id=raw["correlationId"],
            origin=raw["origin"],
            reply_to=raw["replyTo"],
            request=orjson.dumps(raw["request"]) if raw.get("request") is not None else None,
            timestamp=datetime.fromisoformat(raw["timestamp"]),
        )

    def error_fields(self) -> tuple[str, str, dict[str, Any]]:
        """(code, description, details) of an ERROR envelope."""
        raw = orjson.loads(self.payload)
        return raw["code"], raw.get("description", ""), raw.get("details", {})

    @staticmethod
    def error_payload(code: str, description: str, details: dict[str, Any] | None = None) -> bytes:
        return orjson.dumps({"code": code, "description": description, "details": details or {}})
