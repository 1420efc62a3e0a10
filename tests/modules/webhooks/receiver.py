"""A real HTTP receiver for webhook posts: uvicorn on a free port, recording every request.

``fail_with`` lists the statuses to answer before answering 200 (to exercise retries);
``delay`` holds each answer (a slow receiver).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn

from tests.live import free_port

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    port: int
    fail_with: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        async with self._arrived:
            self.received.append(Received(scope["path"], headers, body, time.monotonic()))
            self._arrived.notify_all()
        if self.delay:  # cut short at shutdown, so that the server can stop
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.delay)
        status = self.fail_with.pop(0) if self.fail_with else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` posts, once they arrived."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.received) >= count), timeout
            )
        return self.received[:count]

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.headers.get("x-citrine-event") == event_type]


@asynccontextmanager
async def receiver(**options: Any) -> AsyncIterator[Receiver]:
    app = Receiver(free_port(), **options)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=app.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield app
    finally:
        app._closing.set()
        server.should_exit = True
        await asyncio.wait_for(task, 10)
