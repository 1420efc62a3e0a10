"""``BodySizeLimit``: a pure ASGI middleware that bounds REST request bodies.

A declared ``Content-Length`` over the limit is answered 413 before the application runs;
a body without one (chunked) is counted while the application reads it, and the read that
crosses the limit raises ``BodyTooLarge`` inside the application. Whatever the application
answers after that is dropped and the client gets the 413, so an endpoint that catches
broad exceptions cannot turn it into a 400 or a 500. Paths in ``exempt`` (a trailing ``/``
makes a prefix) are left to their endpoints, which limit uploads while they stream
(``citrine_modules.uploads``). Websocket and lifespan scopes pass through.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)


class BodyTooLarge(Exception):
    """Raised by ``receive`` once the body read so far is over the limit."""


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, exempt: Sequence[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._exact = frozenset(path for path in exempt if not path.endswith("/"))
        self._prefixes = tuple(path for path in exempt if path.endswith("/"))

    def is_exempt(self, path: str) -> bool:
        return path in self._exact or path.startswith(self._prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            self.log_refusal(scope, declared)
            await self.refuse(send)
            return
        await _Guarded(self, scope, receive, send).run()

    def log_refusal(self, scope: Scope, size: int) -> None:
        client = scope.get("client")
        log.warning(
            "http.body_too_large",
            path=scope["path"],
            method=scope.get("method"),
            size=size,
            limit=self.max_bytes,
            client=client[0] if client else None,
        )

    async def refuse(self, send: Send) -> None:
        body = orjson.dumps({"detail": f"The request body may have at most {self.max_bytes} bytes"})
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _Guarded:
    """One request whose body is counted as the application reads it."""

    def __init__(self, limit: BodySizeLimit, scope: Scope, receive: Receive, send: Send) -> None:
        self._limit = limit
        self._scope = scope
        self._receive = receive
        self._send = send
        self._received = 0
        self._too_large = False
        self._started = False

    async def run(self) -> None:
        try:
            await self._limit.app(self._scope, self.receive, self.send)
        except BodyTooLarge:
            pass
        if self._too_large and not self._started:
            self._limit.log_refusal(self._scope, self._received)
            await self._limit.refuse(self._send)

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit.max_bytes:
                self._too_large = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        if self._too_large:
            return  # the 413 replaces whatever the application answers now
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
