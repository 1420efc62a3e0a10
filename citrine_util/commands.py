"""Sends CSMS CALLs to stations wherever they are connected (``CommandSender`` over the broker).

The station's instance is found in the presence cache; the CALL travels as a ``request`` on
that instance's command topic, and the router there answers with the station's reply, a
CALLERROR, or a local failure (timeout, queue full, ...) encoded as an error code ``local:*``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import orjson

from citrine_base.interfaces.broker import Broker, BrokerError, BrokerTimeout, NoConsumer
from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import (
    CallFailed,
    CallTimeout,
    CommandQueueFull,
    NotSupported,
    OcppError,
    ResponseInvalid,
    StationNotAccepted,
    StationOffline,
)
from citrine_base.rpc.validation import validate_payload
from citrine_base.topics import command_topic, presence_key

LOCAL_ERROR_PREFIX = "local:"
_LOCAL_FAILURES: dict[str, type[CallFailed]] = {
    cls.reason: cls
    for cls in (CallTimeout, StationOffline, CommandQueueFull, ResponseInvalid, StationNotAccepted)
}
BROKER_MARGIN = 5.0
"""Seconds the requester waits beyond the station's timeout, for the hop back."""


def local_error_code(failure: CallFailed) -> str:
    return f"{LOCAL_ERROR_PREFIX}{failure.reason}"


def raise_reply_error(reply: Envelope) -> None:
    """Raise what an ERROR reply stands for: a local failure or the station's CALLERROR."""
    code, description, details = reply.error_fields()
    if code.startswith(LOCAL_ERROR_PREFIX):
        raise _LOCAL_FAILURES.get(code.removeprefix(LOCAL_ERROR_PREFIX), CallFailed)(description)
    raise OcppError.for_code(code, description, details)


class BrokerCommandSender(CommandSender):
    def __init__(
        self,
        broker: Broker,
        cache: Cache,
        actions: Mapping[str, ActionSpec],
        instance_id: str,
        call_timeout: float,
    ) -> None:
        self._broker = broker
        self._cache = cache
        self._actions = actions
        self._instance_id = instance_id
        self._call_timeout = call_timeout

    async def call(
        self,
        station: StationKey,
        action: str,
        request: OcppModel,
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> OcppModel:
        spec = self._actions.get(action)
        if spec is None or not spec.sent_by_csms:
            raise NotSupported(f"{action} is not an action the CSMS sends")
        if not isinstance(request, spec.request):
            raise TypeError(f"{action} takes {spec.request.__name__}, not {type(request).__name__}")
        instance = await self._cache.get(presence_key(station))
        if instance is None:
            raise StationOffline(f"{station} is not connected")
        message_id = correlation_id or str(uuid.uuid4())
        envelope = Envelope(
            kind=EnvelopeKind.CALL,
            station=station,
            action=action,
            message_id=message_id,
            initiator=Initiator.CSMS,
            payload=orjson.dumps(request.to_wire()),
            origin=self._instance_id,
            model=request,
        )
        wait = timeout if timeout is not None else self._call_timeout + BROKER_MARGIN
        try:
            reply = await self._broker.request(command_topic(instance), envelope, wait)
        except NoConsumer:
            raise StationOffline(f"{station} is not connected") from None
        except BrokerTimeout:
            raise CallTimeout(f"{station} did not answer {action} in {wait:g} s") from None
        except BrokerError as exc:
            raise CallFailed(f"Could not reach {station}: {exc}") from None
        if reply.kind is EnvelopeKind.ERROR:
            raise_reply_error(reply)
        return reply.model or validate_payload(spec.response, reply.payload)
