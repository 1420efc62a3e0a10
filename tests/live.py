"""A real uvicorn server on a free port, in the test's event loop, and a raw OCPP station."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from citrine_base.config import SystemConfig
from citrine_data import migrate
from server.app import create_app
from server.listeners import QuietServer, plain_server, serve_all, tls_servers
from server.runtime import Runtime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    config: SystemConfig
    server: uvicorn.Server
    app: FastAPI
    tls: list[uvicorn.Server]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    def ws_url(self, station_id: str, prefix: str = "/ocpp") -> str:
        return f"ws://127.0.0.1:{self.config.port}{prefix}/{station_id}"

    def wss_url(self, station_id: str, listener: int = 0, prefix: str = "/ocpp") -> str:
        """The URL of ``station_id`` on TLS listener number ``listener`` (as configured)."""
        port = self.config.station_security.listeners[listener].port
        return f"wss://127.0.0.1:{port}{prefix}/{station_id}"

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime


@functools.cache
def _migrated_sqlite_template() -> Path:
    """One SQLite file migrated to head per test run; each server gets a copy (fast)."""
    path = Path(tempfile.mkdtemp(prefix="citrine-template-")) / "template.db"
    # alembic runs its own event loop; tests call this from inside theirs.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(migrate.upgrade, f"sqlite+aiosqlite:///{path}").result()
    return path


def fresh_sqlite_url() -> str:
    """A new SQLite database at the head revision, in a directory of its own."""
    target = Path(tempfile.mkdtemp(prefix="citrine-live-")) / "citrine.db"
    shutil.copyfile(_migrated_sqlite_template(), target)
    return f"sqlite+aiosqlite:///{target}"


@asynccontextmanager
async def fresh_postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the server here, dropped afterwards."""
    import asyncpg  # type: ignore[import-untyped]

    from tests.services import require_postgres

    base = require_postgres()
    admin_dsn = base.replace("postgresql+asyncpg://", "postgresql://")
    name = f"citrine_live_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin_dsn, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield f"{base.rsplit('/', 1)[0]}/{name}"
    finally:
        connection = await asyncpg.connect(admin_dsn, timeout=5)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


_STORAGE: dict[str, str] = {}


def _storage_for(database_url: str) -> str:
    """One file store per database: servers sharing a database share its files too (the
    CA key lives in the store, its certificate in the database), as a cluster must."""
    if database_url not in _STORAGE:
        _STORAGE[database_url] = tempfile.mkdtemp(prefix="citrine-files-")
    return _STORAGE[database_url]


@asynccontextmanager
async def live_server(**overrides: Any) -> AsyncIterator[LiveServer]:
    """A server on a free port; unless told otherwise, on a fresh SQLite database."""
    overrides.setdefault("port", free_port())
    overrides.setdefault("host", "127.0.0.1")
    overrides.setdefault("database", {"url": fresh_sqlite_url()})
    overrides.setdefault("storage", {"directory": _storage_for(overrides["database"]["url"])})
    config = SystemConfig.load(None, **overrides)
    app = create_app(config)
    server = QuietServer(plain_server(app, config).config)
    started: list[list[uvicorn.Server]] = []
    task = asyncio.create_task(
        serve_all(server, lambda: tls_servers(app, config, app.state.runtime), started.append)
    )
    try:
        while not started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.01)
        yield LiveServer(config, server, app, started[0][1:])
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


class RawStation:
    """A hand-driven station: send any frame, read any frame."""

    def __init__(self, websocket: ClientConnection, timeout: float = 20) -> None:
        self.ws = websocket
        self.timeout = timeout

    async def send_raw(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def send(self, frame: list[Any]) -> None:
        await self.ws.send(orjson.dumps(frame).decode())

    async def recv(self, timeout: float | None = None) -> list[Any]:
        data = await asyncio.wait_for(self.ws.recv(), timeout or self.timeout)
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
    server: LiveServer, station_id: str, *, timeout: float = 20, **kwargs: Any
) -> AsyncIterator[RawStation]:
    """A connected station; ``timeout`` is how long it waits for each answer."""
    kwargs.setdefault("subprotocols", ["ocpp2.0.1"])
    url = kwargs.pop("url", None) or server.ws_url(station_id)
    async with connect(url, **kwargs) as websocket:
        yield RawStation(websocket, timeout)
