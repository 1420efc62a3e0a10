"""A live server (fresh SQLite database) and a REST client for it, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.live import LiveServer, live_server


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server() as running:
        yield running


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        yield client
