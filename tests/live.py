"""A real uvicorn server on a free port, in the test's event loop, and a raw OCPP station."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from citrine_base.config import SystemConfig
from server.cli import uvicorn_config
from server.runtime import Runtime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    config: SystemConfig
    server: uvicorn.Server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    def ws_url(self, station_id: str, prefix: str = "/ocpp") -> str:
        return f"ws://127.0.0.1:{self.config.port}{prefix}/{station_id}"

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.server.config.app.state.runtime  # type: ignore[attr-defined]
        return runtime


@asynccontextmanager
async def live_server(**overrides: Any) -> AsyncIterator[LiveServer]:
    overrides.setdefault("port", free_port())
    overrides.setdefault("host", "127.0.0.1")
    config = SystemConfig.load(None, **overrides)
    server = uvicorn.Server(uvicorn_config(config))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.01)
        yield LiveServer(config, server)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


class RawStation:
    """A hand-driven station: send any frame, read any frame."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.ws = websocket

    async def send_raw(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def send(self, frame: list[Any]) -> None:
        await self.ws.send(orjson.dumps(frame).decode())

    async def recv(self, timeout: float = 5) -> list[Any]:
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        frame = orjson.loads(data)
        assert isinstance(frame, list)
        return frame

    async def call(
        self, action: str, payload: dict[str, Any], message_id: str | None = None
    ) -> list[Any]:
        message_id = message_id or str(uuid.uuid4())
        await self.send([2, message_id, action, payload])
        frame = await self.recv()
        assert frame[1] == message_id, frame
        return frame

    async def boot(self) -> list[Any]:
        return await self.call("BootNotification", BOOT_PAYLOAD)


BOOT_PAYLOAD: dict[str, Any] = {
    "reason": "PowerUp",
    "chargingStation": {
        "model": "Model-X",
        "vendorName": "Vendor-Y",
        "serialNumber": "SN-1",
        "firmwareVersion": "1.0",
    },
}


@asynccontextmanager
async def raw_station(
    server: LiveServer, station_id: str, **kwargs: Any
) -> AsyncIterator[RawStation]:
    kwargs.setdefault("subprotocols", ["ocpp2.0.1"])
    async with connect(server.ws_url(station_id), **kwargs) as websocket:
        yield RawStation(websocket)
