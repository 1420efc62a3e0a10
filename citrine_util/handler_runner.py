"""Runs a module's handler for a station CALL that arrived on the broker.

This is the one place where an exception escaping a handler becomes ``InternalError``. It
works the same in-process (the envelope carries the validated model) and across processes
(the model is rebuilt from the payload).
"""

from __future__ import annotations

import orjson
import structlog

from citrine_base.decorators import CallContext, Handler
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import InternalError, OcppError
from citrine_base.rpc.validation import validate_payload

log = structlog.get_logger(__name__)


class HandlerRunner:
    """The broker subscriber for one action: envelope in, reply envelope out."""

    def __init__(
        self, spec: ActionSpec, handler: Handler, module_name: str, instance_id: str
    ) -> None:
        self.spec = spec
        self.handler = handler
        self.module_name = module_name
        self.instance_id = instance_id

    async def __call__(self, envelope: Envelope) -> Envelope:
        try:
            request = envelope.model or validate_payload(self.spec.request, envelope.payload)
            context = CallContext(envelope.station, envelope.message_id, envelope.action)
            response = await self.handler(context, request)
            if not isinstance(response, self.spec.response):
                raise TypeError(
                    f"{self.module_name} answered {self.spec.action} with {type(response).__name__}"
                )
        except OcppError as exc:
            return self._error(envelope, exc)
        except Exception:
            log.exception(
                "handler.crashed",
                module=self.module_name,
                action=self.spec.action,
                station_id=envelope.station.station_id,
                message_id=envelope.message_id,
            )
            return self._error(envelope, InternalError("Internal error while handling the message"))
        return Envelope(
            kind=EnvelopeKind.RESULT,
            station=envelope.station,
            action=envelope.action,
            message_id=envelope.message_id,
            initiator=envelope.initiator,
            correlation_id=envelope.correlation_id,
            origin=self.instance_id,
            payload=orjson.dumps(response.to_wire()),
            model=response,
        )

    def _error(self, envelope: Envelope, error: OcppError) -> Envelope:
        return Envelope(
            kind=EnvelopeKind.ERROR,
            station=envelope.station,
            action=envelope.action,
            message_id=envelope.message_id,
            initiator=envelope.initiator,
            correlation_id=envelope.correlation_id,
            origin=self.instance_id,
            payload=Envelope.error_payload(error.code.value, error.description, error.details),
        )
