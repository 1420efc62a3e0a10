"""One station's socket: one reader, one inbound worker, one outbound sender.

* The reader never waits on a handler: station CALLs go to a bounded inbox served by one
  worker (in order), and answers to our CALLs resolve their waiters at once, so a handler may
  itself send a CALL to the same station (e.g. GetBaseReport while a boot is Pending).
* CSMS CALLs wait in a bounded queue; the sender keeps at most one outstanding and gives each
  ``call_timeout`` seconds; every failure reaches the caller as an exception.
* Anything a handler raises that is not an ``OcppError`` is answered InternalError and the
  connection stays up.
* Frames over the station's message rate (``rate.FloodGuard``) are answered RpcFrameworkError
  without being validated or handled; a station that keeps flooding is closed with 1008 and
  ``flooded`` is set, so that the owner can record it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import (
    CallTimeout,
    CommandQueueFull,
    InternalError,
    OcppError,
    ResponseInvalid,
    RpcFrameworkError,
    StationOffline,
)
from citrine_base.rpc.frames import UNKNOWN_MESSAGE_ID, build_call_error
from citrine_base.rpc.protocol import (
    CallReceived,
    Ignored,
    OcppProtocol,
    Reply,
    ResponseReceived,
)
from citrine_util.networking.rate import FloodGuard, Verdict

log = structlog.get_logger(__name__)

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009


class ConnectionClosed(Exception):
    """The transport is closed; raised by ``Transport.receive``."""


class Transport(Protocol):
    async def receive(self) -> str | bytes: ...

    async def send(self, text: str) -> None: ...

    async def close(self, code: int, reason: str = "") -> None: ...


InboundDispatcher = Callable[["StationConnection", CallReceived], Awaitable[OcppModel]]
"""Answers a station CALL with its response model or raises ``OcppError``."""

AnswerListener = Callable[["StationConnection", CallReceived, OcppModel], Awaitable[None]]
"""Told once a CALLRESULT is on its way to the station, before the next CALL is handled."""


class FrameObserver(Protocol):
    """Sees every frame in and out (the message log). Must not block: called inline."""

    def frame_in(self, station: StationKey, text: str | bytes, event: object) -> None: ...

    def frame_out(
        self,
        station: StationKey,
        text: str,
        kind: int,
        message_id: str,
        action: str | None,
        error_code: str | None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    call_timeout: float = 30.0
    command_queue_size: int = 32
    inbound_queue_size: int = 8
    message_rate: float = 0.0
    """Frames per second a station may send on average; 0: no limit."""
    message_burst: int = 200
    flood_close_after: int = 100
    flood_window: float = 10.0


@dataclass(slots=True)
class _OutgoingCall:
    message_id: str
    spec: ActionSpec
    request: OcppModel
    future: asyncio.Future[OcppModel]


class StationConnection:
    def __init__(
        self,
        station: StationKey,
        transport: Transport,
        protocol: OcppProtocol,
        dispatch: InboundDispatcher,
        settings: ConnectionSettings,
        observer: FrameObserver | None = None,
        on_answered: AnswerListener | None = None,
    ) -> None:
        self.station = station
        self.protocol = protocol
        self.id = uuid.uuid4().hex
        self._transport = transport
        self._dispatch = dispatch
        self._settings = settings
        self._observer = observer
        self._on_answered = on_answered
        self._inbox: asyncio.Queue[CallReceived] = asyncio.Queue(settings.inbound_queue_size)
        self._outbox: asyncio.Queue[_OutgoingCall] = asyncio.Queue(settings.command_queue_size)
        self._waiting: dict[str, asyncio.Future[OcppModel]] = {}
        self._send_lock = asyncio.Lock()
        self._in_flight: _OutgoingCall | None = None
        self._closed = False
        self._log = log.bind(station_id=station.station_id, tenant_id=station.tenant_id)
        self._guard = _flood_guard(settings)
        self._rate_logged_at: float | None = None
        self.flooded = False
        """Closed for flooding (over its message rate for too long)."""

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def flood_refused(self) -> int:
        """Frames refused for the message rate on this connection."""
        return self._guard.refused if self._guard is not None else 0

    async def run(self) -> None:
        """Serve the socket until it closes; returns when everything owned has stopped."""
        try:
            async with asyncio.TaskGroup() as tasks:
                inbound = tasks.create_task(self._serve_inbox())
                outbound = tasks.create_task(self._serve_outbox())
                try:
                    await self._read()
                finally:
                    inbound.cancel()
                    outbound.cancel()
        finally:
            self._closed = True
            self._fail_waiting(StationOffline(f"{self.station} disconnected"))

    async def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self._transport.close(code, reason)

    async def call(
        self, spec: ActionSpec, request: OcppModel, message_id: str | None = None
    ) -> OcppModel:
        """Send a CALL and return the station's response model.

        Raises ``OcppError`` for a CALLERROR, ``CallTimeout``, ``CommandQueueFull``,
        ``StationOffline`` or ``ResponseInvalid``.
        """
        if self._closed:
            raise StationOffline(f"{self.station} is not connected")
        future: asyncio.Future[OcppModel] = asyncio.get_running_loop().create_future()
        outgoing = _OutgoingCall(message_id or str(uuid.uuid4()), spec, request, future)
        try:
            self._outbox.put_nowait(outgoing)
        except asyncio.QueueFull:
            raise CommandQueueFull(
                f"{self._settings.command_queue_size} CALLs already wait for {self.station}"
            ) from None
        return await future

    async def _send(self, text: str) -> None:
        async with self._send_lock:
            await self._transport.send(text)

    async def _read(self) -> None:
        while True:
            try:
                data = await self._transport.receive()
            except ConnectionClosed as closed:
                self._log_closed(closed)
                return
            now = time.monotonic()
            verdict = self._guard.admit(now) if self._guard else Verdict.ACCEPT
            event = self._receive(data, verdict)
            if self._observer is not None:
                self._observer.frame_in(self.station, data, event)
            if verdict is Verdict.ACCEPT:
                await self._on_event(event)
            else:
                await self._on_refused(event, now)
            if verdict is Verdict.CLOSE:
                await self._close_flooded()
                return

    def _receive(self, data: str | bytes, verdict: Verdict) -> object:
        try:
            if verdict is Verdict.ACCEPT:
                return self.protocol.receive(data)
            return self.protocol.refuse(data, self._rate_error())
        except Exception:  # a bug in the protocol code must not cost the station its socket
            self._log.exception("ocpp.frame_crashed", size=len(data))
            error = InternalError("Internal error while reading the frame")
            return Reply(UNKNOWN_MESSAGE_ID, build_call_error(UNKNOWN_MESSAGE_ID, error), error)

    def _log_closed(self, closed: ConnectionClosed) -> None:
        code = closed.args[0] if closed.args else None
        if code == CLOSE_TOO_BIG:
            self._log.warning("ocpp.frame_too_large", close_code=code)
        elif code == CLOSE_INVALID_DATA:
            self._log.warning("ocpp.invalid_utf8", close_code=code)

    def _rate_error(self) -> RpcFrameworkError:
        assert self._guard is not None
        retry_after = round(self._guard.messages.retry_after(), 3)
        return RpcFrameworkError(
            f"Message rate exceeded ({self._settings.message_rate:g}/s); slow down",
            {"retryAfter": retry_after},
        )

    async def _on_refused(self, event: object, now: float) -> None:
        """A frame over the rate: logged at most once per flood window, a CALL answered, an
        answer to our CALL still taken."""
        logged = self._rate_logged_at
        if logged is None or now - logged >= self._settings.flood_window:
            self._rate_logged_at = now
            self._log.warning(
                "ocpp.rate_limited", rate=self._settings.message_rate, refused=self.flood_refused
            )
        if isinstance(event, Reply):
            await self._send_out(
                event.frame, 4, event.message_id, event.action, event.error.code.value
            )
        elif isinstance(event, ResponseReceived):
            self._resolve(event)

    async def _close_flooded(self) -> None:
        self.flooded = True
        self._log.warning("ocpp.flood_closed", refused=self.flood_refused)
        await self.close(CLOSE_POLICY, "Message rate exceeded")

    async def _on_event(self, event: object) -> None:
        if isinstance(event, CallReceived):
            try:
                self._inbox.put_nowait(event)
            except asyncio.QueueFull:
                error = RpcFrameworkError("Too many CALLs waiting; send one at a time")
                await self._answer_error(event.message_id, event.spec.action, error)
        elif isinstance(event, ResponseReceived):
            self._resolve(event)
        elif isinstance(event, Reply):
            self._log.warning(
                "ocpp.call_rejected",
                message_id=event.message_id,
                error_code=event.error.code.value,
                reason=event.error.description,
            )
            await self._send_out(
                event.frame, 4, event.message_id, event.action, event.error.code.value
            )
        elif isinstance(event, Ignored):
            self._log.warning(
                "ocpp.frame_ignored", message_id=event.message_id, reason=event.reason
            )

    def _resolve(self, event: ResponseReceived) -> None:
        future = self._waiting.pop(event.call.message_id, None)
        if future is None or future.done():
            return
        if event.error is not None:
            if event.response is None and event.payload_json is not None:
                future.set_exception(ResponseInvalid(event.error.description))
            else:
                future.set_exception(event.error)
        elif event.response is not None:
            future.set_result(event.response)

    async def _serve_inbox(self) -> None:
        while True:
            received = await self._inbox.get()
            structlog.contextvars.bind_contextvars(
                station_id=self.station.station_id, message_id=received.message_id
            )
            try:
                response = await self._dispatch(self, received)
            except OcppError as exc:
                await self._answer_error(received.message_id, received.spec.action, exc)
                continue
            except Exception:
                self._log.exception(
                    "ocpp.handler_crashed",
                    message_id=received.message_id,
                    action=received.spec.action,
                )
                await self._answer_error(
                    received.message_id,
                    received.spec.action,
                    InternalError("Internal error while handling the message"),
                )
                continue
            finally:
                structlog.contextvars.unbind_contextvars("station_id", "message_id")
            if not isinstance(response, received.spec.response):
                self._log.error(
                    "ocpp.wrong_response_type",
                    action=received.spec.action,
                    got=type(response).__name__,
                )
                await self._answer_error(
                    received.message_id,
                    received.spec.action,
                    InternalError("Handler gave an invalid response"),
                )
                continue
            await self._send_out(
                self.protocol.result(received.message_id, response),
                3,
                received.message_id,
                received.spec.action,
            )
            if self._on_answered is not None:
                try:
                    await self._on_answered(self, received, response)
                except Exception:
                    self._log.exception("ocpp.answer_listener_failed", action=received.spec.action)

    async def _answer_error(self, message_id: str, action: str | None, error: OcppError) -> None:
        await self._send_out(
            self.protocol.error(message_id, error), 4, message_id, action, error.code.value
        )

    async def _send_out(
        self,
        frame: str,
        kind: int,
        message_id: str,
        action: str | None,
        error_code: str | None = None,
    ) -> None:
        if self._observer is not None:
            self._observer.frame_out(self.station, frame, kind, message_id, action, error_code)
        try:
            await self._send(frame)
        except Exception as exc:  # a send on a closing socket; the reader will see the close
            self._log.info("ocpp.send_failed", message_id=message_id, error=str(exc))

    async def _serve_outbox(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            outgoing = await self._outbox.get()
            if outgoing.future.done():  # the caller gave up while it was queued
                continue
            # The sender waits on its own future, not the caller's: a caller that gives up
            # must not free the slot before the station answered or the timeout passed.
            answer: asyncio.Future[OcppModel] = loop.create_future()
            self._in_flight = outgoing
            frame = self.protocol.start_call(outgoing.message_id, outgoing.spec, outgoing.request)
            self._waiting[outgoing.message_id] = answer
            await self._send_out(frame, 2, outgoing.message_id, outgoing.spec.action)
            done, _ = await asyncio.wait({answer}, timeout=self._settings.call_timeout)
            if not done:
                self.protocol.call_timed_out(outgoing.message_id)
                self._waiting.pop(outgoing.message_id, None)
                answer.set_exception(
                    CallTimeout(
                        f"{self.station} did not answer {outgoing.spec.action} "
                        f"in {self._settings.call_timeout:g} s"
                    )
                )
            self._in_flight = None
            _transfer(answer, outgoing.future)

    def _fail_waiting(self, error: Exception) -> None:
        for answer in self._waiting.values():
            answer.cancel()
        self._waiting.clear()
        callers = [self._in_flight.future] if self._in_flight is not None else []
        while not self._outbox.empty():
            callers.append(self._outbox.get_nowait().future)
        for future in callers:
            if not future.done():
                future.set_exception(error)


def _flood_guard(settings: ConnectionSettings) -> FloodGuard | None:
    if settings.message_rate <= 0:
        return None
    return FloodGuard(
        settings.message_rate,
        settings.message_burst,
        settings.flood_close_after,
        settings.flood_window,
        time.monotonic(),
    )


def _transfer(source: asyncio.Future[OcppModel], target: asyncio.Future[OcppModel]) -> None:
    if target.done():
        if source.done() and not source.cancelled():
            source.exception()  # mark retrieved: nobody waits for it any more
        return
    error = source.exception()
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())
