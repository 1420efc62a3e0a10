"""The station websocket endpoint: identity from the URL, subprotocol negotiation, admission,
then the router takes the socket.

A station connects at ``ws://HOST:PORT/<anything>/<stationId>`` (or ``/<stationId>``); the last
path segment, percent-decoded, is its identity (OCPP-J §3.1.1). The station authenticates as
its listener's security profile asks (``server.station_auth``); an identity the CSMS does not
know is refused with 404 when the unknown-station policy says so.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import unquote

import structlog
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError
from citrine_util.admission import Overloaded
from citrine_util.networking import ConnectionClosed
from server.runtime import Runtime
from server.station_auth import Refusal

log = structlog.get_logger(__name__)

SUBPROTOCOL = "ocpp2.0.1"
MAX_IDENTITY_LENGTH = 48
# identifierString of Part 2 §2.1.4, without ':' which would break the Basic-auth username.
IDENTITY = re.compile(rf"[A-Za-z0-9*\-_=+|@.]{{1,{MAX_IDENTITY_LENGTH}}}")


def station_identity(raw_path: bytes) -> str | None:
    """The identity named by the last segment of the request path, or None if it is invalid."""
    path = raw_path.decode("latin-1").split("?", 1)[0].rstrip("/")
    identity = unquote(path.rsplit("/", 1)[-1], errors="strict") if path else ""
    return identity if IDENTITY.fullmatch(identity) else None


class StarletteTransport:
    """The router's view of a Starlette websocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def receive(self) -> str | bytes:
        message = await self._websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise ConnectionClosed(message.get("code"))
        text = message.get("text")
        if text is not None:
            return str(text)
        return bytes(message.get("bytes") or b"")

    async def send(self, text: str) -> None:
        try:
            await self._websocket.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise ConnectionClosed(str(exc)) from None

    async def close(self, code: int, reason: str = "") -> None:
        await self._websocket.close(code, reason)


async def station_websocket(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    router = runtime.router
    assert router is not None, "the websocket route is mounted only where the router runs"
    raw_path = websocket.scope.get("raw_path") or websocket.scope["path"].encode()
    identity = station_identity(raw_path)
    if identity is None:
        await _refuse(
            websocket,
            400,
            "The last path segment must be a station identity (1-48 characters of identifierString)",
        )
        return
    offered = websocket.scope.get("subprotocols", [])
    if SUBPROTOCOL not in offered:
        # TC_B_58_CSMS: no supported subprotocol offered -> no upgrade.
        log.warning("station.subprotocol_refused", station_id=identity, offered=offered)
        await _refuse(websocket, 400, f"Subprotocol {SUBPROTOCOL} is required")
        return
    station = StationKey(runtime.config.tenant_id, identity)
    try:
        # One slot of the handshake limiter for both: password hashing is bounded too.
        async with router.handshakes.turn():
            authenticated = await runtime.station_auth.authenticate(websocket.scope, station)
            if isinstance(authenticated, Refusal):
                refusal = authenticated
                await _refuse(websocket, refusal.status, refusal.reason, refusal.headers)
                return
            admission = await router.admit(station, slot_held=True)
    except Overloaded as exc:
        # Reconnect storm: refuse at once rather than queue; the station backs off and retries.
        await _refuse(websocket, 503, str(exc), {"Retry-After": str(exc.retry_after)})
        return
    except DataError as exc:
        log.error("station.admission_failed", station_id=identity, error=exc.message)
        await _refuse(websocket, 503, "The CSMS cannot register stations right now")
        return
    if admission is None:
        log.warning("station.unknown_refused", station_id=identity)
        await _refuse(websocket, 404, f"Unknown charging station {identity}")
        return
    admission = dataclasses.replace(admission, certificate_serial=authenticated.serial_to_match)
    await websocket.accept(subprotocol=SUBPROTOCOL)
    await router.serve(station, StarletteTransport(websocket), admission)


async def _refuse(
    websocket: WebSocket, status: int, reason: str, headers: dict[str, str] | None = None
) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(
            PlainTextResponse(reason, status_code=status, headers=headers)
        )
    else:
        await websocket.close(1008, reason)
