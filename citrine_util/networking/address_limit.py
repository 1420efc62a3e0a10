"""Per remote address caps on station websockets: a pure ASGI middleware and its counters.

During a handshake storm one address (a misbehaving gateway, an attacker) must not take
every handshake slot of ``HandshakeLimiter``. ``AddressBook`` counts, per remote address,
handshakes in progress and open connections; ``StationAddressLimit`` refuses a websocket
over either cap before the application sees it, with HTTP 429 and ``Retry-After``. Many
stations may share one address (a depot behind NAT, a carrier's CGNAT), so both caps are
configurable and the connection cap is off by default.

The remote address is ``scope["client"]``: uvicorn rewrites it from ``X-Forwarded-For`` only
when the peer is one of ``limits.trusted_proxies`` (``server.cli.uvicorn_config``), so a
station cannot pick its own address unless it connects through a trusted proxy.
"""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)


class AddressBook:
    """Handshakes and connections per address; O(1) per event, entries removed at zero."""

    def __init__(self, max_handshakes: int, max_connections: int) -> None:
        self.max_handshakes = max_handshakes
        self.max_connections = max_connections
        self._handshaking: dict[str, int] = {}
        self._connected: dict[str, int] = {}
        self.refused = 0

    def handshaking(self, address: str) -> int:
        return self._handshaking.get(address, 0)

    def connected(self, address: str) -> int:
        return self._connected.get(address, 0)

    def refusal(self, address: str) -> str | None:
        """Why a new handshake from ``address`` is refused, or None to let it in."""
        handshakes, connections = self.handshaking(address), self.connected(address)
        if self.max_handshakes and handshakes >= self.max_handshakes:
            return f"too many handshakes in progress from {address}"
        if self.max_connections and handshakes + connections >= self.max_connections:
            return f"too many connections from {address}"
        return None

    def enter(self, address: str) -> str | None:
        """Count a handshake from ``address`` unless refused (then the reason)."""
        reason = self.refusal(address)
        if reason is not None:
            self.refused += 1
            return reason
        _add(self._handshaking, address, 1)
        return None

    def accepted(self, address: str) -> None:
        _add(self._handshaking, address, -1)
        _add(self._connected, address, 1)

    def leave(self, address: str, *, was_accepted: bool) -> None:
        _add(self._connected if was_accepted else self._handshaking, address, -1)


def _add(counts: dict[str, int], address: str, delta: int) -> None:
    value = counts.get(address, 0) + delta
    if value > 0:
        counts[address] = value
    else:
        counts.pop(address, None)


class StationAddressLimit:
    def __init__(self, app: ASGIApp, book: AddressBook, retry_after: int) -> None:
        self.app = app
        self.book = book
        self._retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        reason = self.book.enter(address)
        if reason is not None:
            log.warning("station.address_refused", address=address, reason=reason)
            await self._refuse(scope, receive, send, reason)
            return
        await _Tracked(self.book, address).run(self.app, scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
            return
        body = reason.encode()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self._retry_after).encode()),
                ],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})


class _Tracked:
    """One admitted websocket: a handshake until accepted, then a connection until the
    client's disconnect arrives (not until the application has cleaned up, so a station that
    reconnects at once is not counted twice)."""

    def __init__(self, book: AddressBook, address: str) -> None:
        self._book = book
        self._address = address
        self._accepted = False
        self._left = False

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        async def watched_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                self._leave()
            return message

        async def watched_send(message: Message) -> None:
            if message["type"] == "websocket.accept" and not self._accepted and not self._left:
                self._accepted = True
                self._book.accepted(self._address)
            await send(message)

        try:
            await app(scope, watched_receive, watched_send)
        finally:
            self._leave()

    def _leave(self) -> None:
        if not self._left:
            self._left = True
            self._book.leave(self._address, was_accepted=self._accepted)
