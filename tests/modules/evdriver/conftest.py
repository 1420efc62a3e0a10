"""One live server per test module (starting one costs seconds on a loaded machine); tests
use station and token names of their own so that they do not see each other."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from tests.live import LiveServer, live_server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server() -> AsyncIterator[LiveServer]:
    async with live_server(ocpp={"call_timeout": 5}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http
