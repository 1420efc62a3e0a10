"""The OCPP router: holds this instance's station sockets and moves their messages.

Station CALLs go to the module that handles the action (a broker ``request``); the reply
becomes the CALLRESULT or CALLERROR. CSMS CALLs for stations held here arrive on this
instance's command topic. Presence (which instance holds which station) is kept in the cache
with an expiry refreshed while the socket lives. The router enforces the boot gate
(``boot_gate``) in both directions, keeps the station's online state and last-seen time, and
feeds every frame to the message log. No other OCPP business rules here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import orjson
import structlog

from citrine_base.interfaces.broker import BrokerError, BrokerTimeout, NoConsumer, Subscription
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.interfaces.module import MessageObserver
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.ocpp.v201 import Action, messages
from citrine_base.rpc.errors import (
    CallFailed,
    InternalError,
    NotSupported,
    OcppError,
    SecurityError,
    StationNotAccepted,
    StationOffline,
)
from citrine_base.rpc.protocol import CallReceived, OcppProtocol
from citrine_base.rpc.validation import Leniency, validate_payload
from citrine_base.topics import (
    BOOT_ANSWERED,
    CONNECTED,
    DISCONNECTED,
    EVENTS_TOPIC,
    call_topic,
    command_topic,
    presence_key,
    result_topic,
)
from citrine_data import DataError, unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_modules.ocpp_router.boot_gate import BootGate
from citrine_modules.ocpp_router.frames import FrameRecorder
from citrine_modules.ocpp_router.service import Admission, PresenceBook, registry_service
from citrine_util.commands import local_error_code
from citrine_util.message_log import MessageLogWriter
from citrine_util.networking import (
    ConnectionRegistry,
    ConnectionSettings,
    StationConnection,
    Transport,
)
from citrine_util.networking.connection import CLOSE_GOING_AWAY, CLOSE_NORMAL

log = structlog.get_logger(__name__)

PRESENCE_TTL = 90.0
"""Seconds a presence entry lives without refresh: a killed instance's stations expire."""


class OcppRouter:
    name = "ocpp_router"

    def __init__(
        self,
        deps: ModuleDeps,
        actions: Mapping[str, ActionSpec],
        message_log: MessageLogWriter | None = None,
        observers: Sequence[MessageObserver] = (),
    ) -> None:
        self.deps = deps
        self._observers = tuple(observers)
        self.registry = ConnectionRegistry()
        self.presence = PresenceBook()
        self._actions = actions
        self._recorder = FrameRecorder(self.presence, message_log)
        ocpp = deps.config.ocpp
        self._settings = ConnectionSettings(
            ocpp.call_timeout, ocpp.command_queue_size, ocpp.inbound_queue_size
        )
        self._instance_id = deps.config.instance_id
        self._gates: dict[StationKey, BootGate] = {}
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.deps.broker.subscribe(
            command_topic(self._instance_id), self._on_command
        )
        self.deps.tasks.every(PRESENCE_TTL / 3, self._refresh_presence, "presence-refresh")
        self.deps.tasks.every(
            self.deps.config.stations.last_seen_flush_interval, self.flush_last_seen, "last-seen"
        )

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.cancel()
        await self._close_all()
        await self.flush_last_seen()

    async def _close_all(self) -> None:
        for connection in self.registry.all():
            with contextlib.suppress(Exception):
                await connection.close(CLOSE_GOING_AWAY, "Server shutting down")

    def leniency_for(self, station_id: str) -> Leniency:
        config = self.deps.config.leniency_for(station_id)
        return Leniency(config.ignore_unknown_fields, config.drop_null_fields)

    async def admit(self, station: StationKey) -> Admission | None:
        """Decide at the handshake whether ``station`` may connect (None: refuse it)."""
        async with unit_of_work(self.deps.sessions) as uow:
            return await registry_service.admit(
                uow.session, station, self.deps.config.stations.unknown
            )

    async def serve(self, station: StationKey, transport: Transport, admission: Admission) -> None:
        """Run one accepted station socket until it closes."""
        protocol = OcppProtocol(self._actions, self.leniency_for(station.station_id))
        connection = StationConnection(
            station,
            transport,
            protocol,
            self._dispatch,
            self._settings,
            self._recorder,
            self._answered,
        )
        previous = self.registry.register(connection)
        self._gates[station] = BootGate(admission.registration)
        if previous is not None:
            log.info("station.replaced", station_id=station.station_id, tenant_id=station.tenant_id)
            await previous.close(CLOSE_NORMAL, "Replaced by a new connection")
        await self.deps.cache.set(presence_key(station), self._instance_id, PRESENCE_TTL)
        log.info(
            "station.connected",
            station_id=station.station_id,
            tenant_id=station.tenant_id,
            registration=admission.registration.value,
        )
        await self._publish_event(station, CONNECTED)
        try:
            await connection.run()
        finally:
            if self.registry.unregister(connection):
                self._gates.pop(station, None)
                await self._forget(station)

    async def _forget(self, station: StationKey) -> None:
        log.info("station.disconnected", station_id=station.station_id, tenant_id=station.tenant_id)
        still_ours = True
        with contextlib.suppress(Exception):
            still_ours = await self.deps.cache.delete_if_equal(
                presence_key(station), self._instance_id
            )
        if still_ours:  # not already reconnected to another instance
            try:
                async with unit_of_work(self.deps.sessions) as uow:
                    await registry_service.disconnected(uow.session, station)
            except DataError as exc:
                log.warning(
                    "station.offline_not_saved", station_id=station.station_id, error=str(exc)
                )
        await self._publish_event(station, DISCONNECTED)

    async def _publish_event(self, station: StationKey, name: str, payload: bytes = b"{}") -> None:
        event = Envelope(
            kind=EnvelopeKind.EVENT,
            station=station,
            action=name,
            message_id=name,
            initiator=Initiator.STATION,
            origin=self._instance_id,
            payload=payload,
        )
        try:
            await self.deps.broker.publish(EVENTS_TOPIC, event)
        except BrokerError as exc:
            log.warning(
                "station.event_lost", station_id=station.station_id, event=name, error=str(exc)
            )

    async def _dispatch(self, connection: StationConnection, received: CallReceived) -> OcppModel:
        spec = received.spec
        gate = self._gates.get(connection.station)
        refusal = gate.refuses_from_station(spec.action) if gate is not None else None
        if refusal is not None:
            raise SecurityError(refusal)
        envelope = Envelope(
            kind=EnvelopeKind.CALL,
            station=connection.station,
            action=spec.action,
            message_id=received.message_id,
            initiator=Initiator.STATION,
            payload=received.payload_json,
            origin=self._instance_id,
            model=received.request,
        )
        try:
            reply = await self.deps.broker.request(
                call_topic(spec.action), envelope, self.deps.config.ocpp.handler_timeout
            )
        except NoConsumer:
            raise NotSupported(f"{spec.action} is not supported by this CSMS") from None
        except BrokerTimeout:
            raise InternalError(f"{spec.action} was not handled in time") from None
        except BrokerError as exc:
            log.error("router.broker_failed", action=spec.action, error=str(exc))
            raise InternalError("The CSMS could not process the message") from None
        self._observe(envelope, reply)
        if reply.kind is EnvelopeKind.ERROR:
            raise OcppError.for_code(*reply.error_fields())
        return reply.model or validate_payload(spec.response, reply.payload)

    def _observe(self, call: Envelope, reply: Envelope) -> None:
        for observer in self._observers:
            try:
                observer.ocpp_exchange(call, reply)
            except Exception:  # an observer must never cost a station its answer
                log.exception("router.observer_failed", action=call.action)

    async def _answered(
        self, connection: StationConnection, received: CallReceived, response: OcppModel
    ) -> None:
        if not isinstance(response, messages.BootNotificationResponse):
            return
        gate = self._gates.get(connection.station)
        if gate is not None:
            gate.booted(response.status.value)
        # Published once the answer is on the wire: whoever provisions a Pending station
        # (GetBaseReport, SetVariables) must not reach it before its BootNotificationResponse.
        await self._publish_event(
            connection.station, BOOT_ANSWERED, orjson.dumps(response.to_wire())
        )

    async def _on_command(self, envelope: Envelope) -> Envelope:
        """A CSMS CALL for a station held here: send it and answer with the outcome."""
        spec = self._actions[envelope.action]
        connection = self.registry.get(envelope.station)
        try:
            if connection is None or connection.closed:
                raise StationOffline(f"{envelope.station} is not connected here")
            request = envelope.model or validate_payload(spec.request, envelope.payload)
            self._pass_gate(envelope.station, spec.action, request)
            response = await connection.call(spec, request, envelope.message_id)
        except CallFailed as failure:
            reply = self._reply(
                envelope,
                EnvelopeKind.ERROR,
                Envelope.error_payload(local_error_code(failure), str(failure)),
            )
        except OcppError as error:
            reply = self._reply(
                envelope,
                EnvelopeKind.ERROR,
                Envelope.error_payload(error.code.value, error.description, error.details),
            )
        else:
            reply = self._reply(
                envelope, EnvelopeKind.RESULT, orjson.dumps(response.to_wire()), response
            )
        self._observe(envelope, reply)
        with contextlib.suppress(BrokerError):
            await self.deps.broker.publish(result_topic(envelope.action), reply)
        return reply

    def _pass_gate(self, station: StationKey, action: str, request: OcppModel) -> None:
        gate = self._gates.get(station)
        if gate is None:
            return
        refusal = gate.refuses_to_station(action)
        if refusal is not None:
            raise StationNotAccepted(refusal)
        if action == Action.TRIGGER_MESSAGE and isinstance(request, messages.TriggerMessageRequest):
            gate.trigger_sent(request.requested_message.value)

    def _reply(
        self, envelope: Envelope, kind: EnvelopeKind, payload: bytes, model: OcppModel | None = None
    ) -> Envelope:
        return Envelope(
            kind=kind,
            station=envelope.station,
            action=envelope.action,
            message_id=envelope.message_id,
            initiator=Initiator.CSMS,
            payload=payload,
            correlation_id=envelope.correlation_id,
            origin=self._instance_id,
            request=envelope.payload,
            model=model,
        )

    async def _refresh_presence(self) -> None:
        for connection in self.registry.all():
            await self.deps.cache.set(
                presence_key(connection.station), self._instance_id, PRESENCE_TTL
            )

    async def flush_last_seen(self) -> None:
        seen = self.presence.take()
        if not seen:
            return
        try:
            async with unit_of_work(self.deps.sessions) as uow:
                await registry_service.write_last_seen(uow.session, seen)
        except DataError as exc:
            log.warning("station.last_seen_not_saved", stations=len(seen), error=str(exc))
