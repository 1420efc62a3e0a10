"""The OCPP router: holds this instance's station sockets and moves their messages.

Station CALLs go to the module that handles the action (a broker ``request``); the reply
becomes the CALLRESULT or CALLERROR. CSMS CALLs for stations held here arrive on this
instance's command topic. Presence (which instance holds which station) is kept in the cache
with an expiry refreshed while the socket lives. No OCPP business rules here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import orjson
import structlog

from citrine_base.interfaces.broker import BrokerError, BrokerTimeout, NoConsumer, Subscription
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import (
    CallFailed,
    InternalError,
    NotSupported,
    OcppError,
    StationOffline,
)
from citrine_base.rpc.protocol import CallReceived, OcppProtocol
from citrine_base.rpc.validation import Leniency, validate_payload
from citrine_base.topics import EVENTS_TOPIC, call_topic, command_topic, presence_key, result_topic
from citrine_modules.deps import ModuleDeps
from citrine_util.commands import local_error_code
from citrine_util.networking import (
    ConnectionRegistry,
    ConnectionSettings,
    FrameObserver,
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
        observer: FrameObserver | None = None,
    ) -> None:
        self.deps = deps
        self.registry = ConnectionRegistry()
        self._actions = actions
        self._observer = observer
        ocpp = deps.config.ocpp
        self._settings = ConnectionSettings(
            ocpp.call_timeout, ocpp.command_queue_size, ocpp.inbound_queue_size
        )
        self._instance_id = deps.config.instance_id
        self._subscription: Subscription | None = None
        self._refresher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._subscription = await self.deps.broker.subscribe(
            command_topic(self._instance_id), self._on_command
        )
        self._refresher = asyncio.create_task(self._refresh_presence())

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._subscription is not None:
            await self._subscription.cancel()
        await asyncio.gather(
            *(
                connection.close(CLOSE_GOING_AWAY, "Server shutting down")
                for connection in self.registry.all()
            ),
            return_exceptions=True,
        )

    def leniency_for(self, station_id: str) -> Leniency:
        config = self.deps.config.leniency_for(station_id)
        return Leniency(config.ignore_unknown_fields, config.drop_null_fields)

    async def serve(self, station: StationKey, transport: Transport) -> None:
        """Run one accepted station socket until it closes."""
        protocol = OcppProtocol(self._actions, self.leniency_for(station.station_id))
        connection = StationConnection(
            station, transport, protocol, self._dispatch, self._settings, self._observer
        )
        previous = self.registry.register(connection)
        if previous is not None:
            log.info("station.replaced", station_id=station.station_id, tenant_id=station.tenant_id)
            await previous.close(CLOSE_NORMAL, "Replaced by a new connection")
        await self.deps.cache.set(presence_key(station), self._instance_id, PRESENCE_TTL)
        log.info("station.connected", station_id=station.station_id, tenant_id=station.tenant_id)
        await self._publish_event(station, "Connected")
        try:
            await connection.run()
        finally:
            if self.registry.unregister(connection):
                await self._forget(station)

    async def _forget(self, station: StationKey) -> None:
        log.info("station.disconnected", station_id=station.station_id, tenant_id=station.tenant_id)
        with contextlib.suppress(Exception):
            await self.deps.cache.delete_if_equal(presence_key(station), self._instance_id)
        await self._publish_event(station, "Disconnected")

    async def _publish_event(self, station: StationKey, name: str) -> None:
        event = Envelope(
            kind=EnvelopeKind.EVENT,
            station=station,
            action=name,
            message_id=name,
            initiator=Initiator.STATION,
            origin=self._instance_id,
        )
        try:
            await self.deps.broker.publish(EVENTS_TOPIC, event)
        except BrokerError as exc:
            log.warning(
                "station.event_lost", station_id=station.station_id, event=name, error=str(exc)
            )

    async def _dispatch(self, connection: StationConnection, received: CallReceived) -> OcppModel:
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
            raise NotSupported(f"{spec.action} is not supported by this CSMS") from None
        except BrokerTimeout:
            raise InternalError(f"{spec.action} was not handled in time") from None
        except BrokerError as exc:
            log.error("router.broker_failed", action=spec.action, error=str(exc))
            raise InternalError("The CSMS could not process the message") from None
        if reply.kind is EnvelopeKind.ERROR:
            raise OcppError.for_code(*reply.error_fields())
        return reply.model or validate_payload(spec.response, reply.payload)

    async def _on_command(self, envelope: Envelope) -> Envelope:
        """A CSMS CALL for a station held here: send it and answer with the outcome."""
        spec = self._actions[envelope.action]
        connection = self.registry.get(envelope.station)
        try:
            if connection is None or connection.closed:
                raise StationOffline(f"{envelope.station} is not connected here")
            request = envelope.model or validate_payload(spec.request, envelope.payload)
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
        with contextlib.suppress(BrokerError):
            await self.deps.broker.publish(result_topic(envelope.action), reply)
        return reply

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
            model=model,
        )

    async def _refresh_presence(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_TTL / 3)
            for connection in self.registry.all():
                try:
                    await self.deps.cache.set(
                        presence_key(connection.station), self._instance_id, PRESENCE_TTL
                    )
                except Exception as exc:
                    log.warning("presence.refresh_failed", error=str(exc))
                    break
