"""Per address caps on station websockets (pure ASGI, no server)."""

from __future__ import annotations

import asyncio
from typing import Any

from citrine_util.networking.address_limit import AddressBook, StationAddressLimit


class TestAddressBook:
    def test_handshake_cap(self) -> None:
        book = AddressBook(max_handshakes=2, max_connections=0)
        assert book.enter("a") is None
        assert book.enter("a") is None
        assert book.enter("a") is not None
        assert book.enter("b") is None  # another address is not affected
        book.accepted("a")
        assert book.enter("a") is None  # an accepted one is no longer a handshake
        assert book.refused == 1

    def test_connection_cap_counts_handshakes_too(self) -> None:
        book = AddressBook(max_handshakes=0, max_connections=2)
        assert book.enter("a") is None
        book.accepted("a")
        assert book.enter("a") is None
        assert book.enter("a") is not None
        book.leave("a", was_accepted=True)
        assert book.enter("a") is None

    def test_entries_are_removed_at_zero(self) -> None:
        book = AddressBook(max_handshakes=5, max_connections=5)
        for address in ("a", "b"):
            assert book.enter(address) is None
            book.leave(address, was_accepted=False)
        assert (book.handshaking("a"), book.connected("b")) == (0, 0)
        assert not book._handshaking
        assert not book._connected


def websocket_scope(address: str) -> dict[str, Any]:
    return {
        "type": "websocket",
        "path": "/CS1",
        "client": (address, 5000),
        "headers": [],
        "extensions": {"websocket.http.response": {}},
    }


class TestMiddleware:
    async def test_handshakes_in_progress_over_the_cap_get_429(self) -> None:
        release = asyncio.Event()

        async def slow_app(scope: Any, receive: Any, send: Any) -> None:
            await release.wait()  # a handshake stuck on admission
            await send({"type": "websocket.accept"})

        book = AddressBook(max_handshakes=1, max_connections=0)
        middleware = StationAddressLimit(slow_app, book, retry_after=9)
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "websocket.connect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        first = asyncio.create_task(middleware(websocket_scope("10.0.0.1"), receive, send))
        await asyncio.sleep(0)
        await middleware(websocket_scope("10.0.0.1"), receive, send)
        assert sent[0]["type"] == "websocket.http.response.start"
        assert sent[0]["status"] == 429
        assert (b"retry-after", b"9") in sent[0]["headers"]
        release.set()
        await first
        assert sent[-1] == {"type": "websocket.accept"}
        assert book.handshaking("10.0.0.1") == 0
        assert book.connected("10.0.0.1") == 0  # the app returned: the connection is gone

    async def test_http_passes_through(self) -> None:
        called: list[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            called.append(scope["type"])

        middleware = StationAddressLimit(app, AddressBook(1, 1), retry_after=1)
        await middleware({"type": "http"}, None, None)  # type: ignore[arg-type]
        assert called == ["http"]
