"""Runs a module's handler for a station CALL that arrived on the broker.

Each CALL gets its own unit of work: the handler's writes commit before the reply leaves this
function, so a CALLRESULT is only ever sent for data that is durable. A handler that raises
``OcppError`` rolls back and is answered with that CALLERROR; anything else rolls back and
becomes ``InternalError`` here, the one place where that happens. It works the same
in-process (the envelope carries the validated model) and across processes (the model is
rebuilt from the payload).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
import structlog

from citrine_base.decorators import CallContext, Handler
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import InternalError, OcppError
from citrine_base.rpc.validation import validate_payload
from citrine_data import DataError, Session, SessionFactory, UnitOfWork, unit_of_work
from citrine_data.unit_of_work import Effect

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class HandlerContext(CallContext):
    """What a handler gets besides its request: the CALL's identity and its unit of work."""

    uow: UnitOfWork

    @property
    def session(self) -> Session:
        return self.uow.session

    def after_commit(self, effect: Effect) -> None:
        self.uow.after_commit(effect)


class HandlerRunner:
    """The broker subscriber for one action: envelope in, reply envelope out."""

    def __init__(
        self,
        spec: ActionSpec,
        handler: Handler,
        module_name: str,
        instance_id: str,
        sessions: SessionFactory,
    ) -> None:
        self.spec = spec
        self.handler = handler
        self.module_name = module_name
        self.instance_id = instance_id
        self._sessions = sessions

    async def __call__(self, envelope: Envelope) -> Envelope:
        try:
            request = envelope.model or validate_payload(self.spec.request, envelope.payload)
            async with unit_of_work(self._sessions) as uow:
                context = HandlerContext(
                    envelope.station, envelope.message_id, envelope.action, uow
                )
                response = await self.handler(context, request)
                if not isinstance(response, self.spec.response):
                    raise TypeError(
                        f"{self.module_name} answered {self.spec.action} "
                        f"with {type(response).__name__}"
                    )
        except OcppError as exc:
            return self._error(envelope, exc)
        except DataError as exc:
            # The station retries what was not acknowledged (E, J: transaction messages).
            log.error(
                "handler.database_failed",
                module=self.module_name,
                action=self.spec.action,
                station_id=envelope.station.station_id,
                message_id=envelope.message_id,
                error=exc.message,
            )
            return self._error(envelope, InternalError("The CSMS could not store the message"))
        except Exception:
            log.exception(
                "handler.crashed",
                module=self.module_name,
                action=self.spec.action,
                station_id=envelope.station.station_id,
                message_id=envelope.message_id,
            )
            return self._error(envelope, InternalError("Internal error while handling the message"))
        return self._result(envelope, response)

    def _result(self, envelope: Envelope, response: OcppModel) -> Envelope:
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


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """The outcome of a CSMS CALL, as a result handler sees it.

    Exactly one of ``response`` and ``error_code`` is set. ``error_code`` is the station's
    CALLERROR code, or ``local:timeout`` / ``local:offline`` / ... when no answer came.
    """

    station: StationKey
    action: str
    message_id: str
    request: OcppModel
    response: OcppModel | None
    error_code: str | None
    error_description: str
    uow: UnitOfWork

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def answered(self) -> bool:
        """The station answered (CALLRESULT or CALLERROR), as opposed to a local failure."""
        return self.response is not None or not (self.error_code or "").startswith("local:")


ResultHandler = Callable[[CallOutcome], Awaitable[None]]


class ResultRunner:
    """The broker subscriber for the outcomes of one action's CSMS CALLs."""

    def __init__(
        self, spec: ActionSpec, handler: ResultHandler, module_name: str, sessions: SessionFactory
    ) -> None:
        self.spec = spec
        self.handler = handler
        self.module_name = module_name
        self._sessions = sessions

    async def __call__(self, envelope: Envelope) -> None:
        try:
            request = validate_payload(self.spec.request, envelope.request or b"{}")
            response: OcppModel | None = None
            code, description = None, ""
            if envelope.kind is EnvelopeKind.ERROR:
                code, description, _ = envelope.error_fields()
            else:
                response = envelope.model or validate_payload(self.spec.response, envelope.payload)
            async with unit_of_work(self._sessions) as uow:
                await self.handler(
                    CallOutcome(
                        envelope.station,
                        envelope.action,
                        envelope.message_id,
                        request,
                        response,
                        code,
                        description,
                        uow,
                    )
                )
        except Exception:
            # Nobody waits on this; a broker redelivery would fail the same way.
            log.exception(
                "result_handler.failed",
                module=self.module_name,
                action=self.spec.action,
                station_id=envelope.station.station_id,
                message_id=envelope.message_id,
            )
