"""The cache backends every cache contract test runs against."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from citrine_base.interfaces.cache import Cache
from citrine_util.cache import MemoryCache, RedisCache
from tests.services import require_redis


async def drop_keys(url: str, prefix: str) -> None:
    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    backend: Cache
    if request.param == "memory":
        backend = MemoryCache()
        await backend.start()
        yield backend
        await backend.stop()
        return
    url = require_redis()
    # A prefix per test: parallel or repeated runs never see each other's keys.
    prefix = f"citrine-test:{uuid.uuid4().hex}:"
    backend = RedisCache(url, key_prefix=prefix)
    await backend.start()
    try:
        yield backend
    finally:
        await backend.stop()
        await drop_keys(url, prefix)
