"""A live server per test (fresh SQLite database), a REST client, and a booted station CS1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.live import LiveServer, live_server
from tests.modules.smart_charging.helpers import Station, booted


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server(ocpp={"call_timeout": 5}) as running:
        yield running


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


@pytest.fixture
async def station(server: LiveServer) -> AsyncIterator[Station]:
    async with booted(server, "CS1") as connected:
        yield connected
