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
from datetime import UTC, datetime

import orjson
import structlog

from citrine_base.interfaces.broker import BrokerError, BrokerTimeout, NoConsumer, Subscription
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.interfaces.module import MessageObserver
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.ocpp.v201 import Action, enums, messages
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
    result_topic,
)
from citrine_data import DataError, unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_modules.ocpp_router.admissions import AdmissionBatcher
from citrine_modules.ocpp_router.boot_gate import BootGate
from citrine_modules.ocpp_router.certificate_binding import SerialBinding
from citrine_modules.ocpp_router.flood import FloodRecorder
from citrine_modules.ocpp_router.frames import FrameRecorder
from citrine_modules.ocpp_router.presence import REPLACED, Presence
from citrine_modules.ocpp_router.service import Admission, PresenceBook, registry_service
from citrine_util.admission import BootThrottle, HandshakeLimiter
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


class OcppRouter:
    name = "ocpp_router"

    def __init__(
        self,
        deps: ModuleDeps,
        actions: Mapping[str, ActionSpec],
        message_log: MessageLogWriter | None = None,
        observers: Sequence[MessageObserver] = (),
        handled_in_cluster: frozenset[str] = frozenset(),
    ) -> None:
        self.deps = deps
        self._observers = tuple(observers)
        # Actions some module of this CSMS handles, wherever it runs: with no consumer right
        # now (its worker is restarting) they are a transient InternalError, not NotSupported.
        self._handled_in_cluster = handled_in_cluster
        self.registry = ConnectionRegistry()
        self.presence = PresenceBook()
        self._actions = actions
        self._recorder = FrameRecorder(self.presence, message_log)
        ocpp, limits = deps.config.ocpp, deps.config.limits
        self._settings = ConnectionSettings(
            ocpp.call_timeout,
            ocpp.command_queue_size,
            ocpp.inbound_queue_size,
            limits.message_rate,
            limits.message_burst,
            limits.flood_close_after,
            limits.flood_window,
        )
        self._max_depth = limits.max_json_depth
        self.floods = FloodRecorder(deps)
        self._instance_id = deps.config.instance_id
        self.leases = Presence(deps.cache, self._instance_id, deps.config.cluster.presence_ttl)
        admission = deps.config.admission
        self.handshakes = HandshakeLimiter(
            admission.handshake_concurrency, admission.handshake_backlog, admission.handshake_wait
        )
        self.boot_throttle = BootThrottle(deps.cache, admission)
        self._admissions = AdmissionBatcher(deps.sessions, deps.config.stations.unknown)
        self._gates: dict[StationKey, BootGate] = {}
        self.serials = SerialBinding(deps)
        self._throttled: set[StationKey] = set()
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.deps.broker.subscribe(
            command_topic(self._instance_id), self._on_command
        )
        self.deps.tasks.every(self.leases.ttl / 3, self.refresh_presence, "presence-refresh")
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

    async def admit(self, station: StationKey, *, slot_held: bool = False) -> Admission | None:
        """Decide at the handshake whether ``station`` may connect (None: refuse it).

        Raises ``Overloaded`` when too many handshakes already wait in this process; with
        ``slot_held`` the caller holds a slot already (``handshakes.turn()``).
        """
        if slot_held:
            return await self._admissions.admit(station)
        async with self.handshakes.turn():
            return await self._admissions.admit(station)

    async def serve(self, station: StationKey, transport: Transport, admission: Admission) -> None:
        """Run one accepted station socket until it closes."""
        protocol = OcppProtocol(
            self._actions, self.leniency_for(station.station_id), self._max_depth
        )
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
        self.serials.bind(station, admission.certificate_serial)
        try:
            if previous is not None:
                log.info("station.replaced", station_id=station.station_id)
                await previous.close(CLOSE_NORMAL, "Replaced by a new connection")
            holder = await self.leases.claim(station)
            if holder is not None and holder != self._instance_id:
                await self._tell_replaced(station, holder)
            log.info(
                "station.connected",
                station_id=station.station_id,
                tenant_id=station.tenant_id,
                registration=admission.registration.value,
            )
            await self._publish_event(station, CONNECTED)
            await connection.run()
            if connection.flooded:
                await self.floods.record(station, connection.flood_refused)
        finally:
            if self.registry.unregister(connection):
                self._gates.pop(station, None)
                self.serials.forget(station)
                await self._forget(station)

    async def _forget(self, station: StationKey) -> None:
        log.info("station.disconnected", station_id=station.station_id, tenant_id=station.tenant_id)
        if await self.leases.release(station):  # not already reconnected to another instance
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
                "station.event_lost", station_id=station.station_id, name=name, error=str(exc)
            )

    async def _dispatch(self, connection: StationConnection, received: CallReceived) -> OcppModel:
        spec = received.spec
        gate = self._gates.get(connection.station)
        refusal = gate.refuses_from_station(spec.action) if gate is not None else None
        if refusal is not None:
            raise SecurityError(refusal)
        if spec.action == Action.BOOT_NOTIFICATION:
            if not await self.serials.holds(connection, received.request):
                raise SecurityError("The serial number does not match the certificate")
            throttled = await self._throttle_boot(connection.station)
            if throttled is not None:
                return throttled
            with self.boot_throttle.booting():
                return await self._handled_by_module(connection, received)
        return await self._handled_by_module(connection, received)

    async def _handled_by_module(
        self, connection: StationConnection, received: CallReceived
    ) -> OcppModel:
        spec = received.spec
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
            if spec.action in self._handled_in_cluster:
                log.error("router.no_module_running", action=spec.action)
                raise InternalError(f"{spec.action} cannot be handled right now") from None
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
        if connection.station in self._throttled:
            # Flow control, not a registration decision: nobody provisions the station now.
            self._throttled.discard(connection.station)
            return
        # Published once the answer is on the wire: whoever provisions a Pending station
        # (GetBaseReport, SetVariables) must not reach it before its BootNotificationResponse.
        await self._publish_event(
            connection.station, BOOT_ANSWERED, orjson.dumps(response.to_wire())
        )

    async def _throttle_boot(self, station: StationKey) -> OcppModel | None:
        """The boot admission hook: a Pending answer when the cluster is over its boot rate
        (``citrine_util.admission``), else None and the boot goes to the module as usual."""
        interval = await self.boot_throttle.pending_interval(station)
        if interval is None:
            return None
        self._throttled.add(station)
        log.debug("station.boot_throttled", station_id=station.station_id, interval=interval)
        return messages.BootNotificationResponse(
            current_time=datetime.now(UTC),
            interval=interval,
            status=enums.RegistrationStatusEnum.PENDING,
        )

    async def _tell_replaced(self, station: StationKey, holder: str) -> None:
        """Ask instance ``holder`` to close its older socket of ``station``."""
        notice = Envelope(
            kind=EnvelopeKind.EVENT,
            station=station,
            action=REPLACED,
            message_id=REPLACED,
            initiator=Initiator.STATION,
            origin=self._instance_id,
        )
        try:
            await self.deps.broker.publish(command_topic(holder), notice)
        except BrokerError as exc:  # the holder's next presence refresh finds out anyway
            log.warning(
                "station.replace_notice_lost", station_id=station.station_id, error=str(exc)
            )

    async def _drop_replaced(self, station: StationKey) -> None:
        connection = self.registry.get(station)
        if connection is None:
            return
        # Back here since the notice was sent: the connection we hold is the newest.
        if await self.leases.holder(station) == self._instance_id:
            return
        log.info("station.replaced_elsewhere", station_id=station.station_id)
        await connection.close(CLOSE_NORMAL, "Replaced by a connection to another server")

    async def _on_command(self, envelope: Envelope) -> Envelope | None:
        """A CSMS CALL for a station held here: send it and answer with the outcome."""
        if envelope.kind is EnvelopeKind.EVENT:
            if envelope.action == REPLACED:
                await self._drop_replaced(envelope.station)
            return None
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

    async def refresh_presence(self) -> None:
        """Renew the presence of every station held here; close the sockets of stations
        that another instance holds now (their REPLACED notice was lost)."""
        connections = {c.station: c for c in self.registry.all() if not c.closed}
        for station in await self.leases.refresh(list(connections)):
            connection = connections[station]
            if self.registry.get(station) is connection:
                log.info("station.replaced_elsewhere", station_id=station.station_id)
                await connection.close(CLOSE_NORMAL, "Replaced by a connection to another server")

    async def flush_last_seen(self) -> None:
        seen = self.presence.take()
        if not seen:
            return
        try:
            async with unit_of_work(self.deps.sessions) as uow:
                await registry_service.write_last_seen(uow.session, seen)
        except DataError as exc:
            log.warning("station.last_seen_not_saved", stations=len(seen), error=str(exc))
