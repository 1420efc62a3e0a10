"""Redis cache: shared by every server instance and worker (presence, locks, short state).

Reconnecting is left to redis-py: the pool opens a fresh connection when one breaks, idle
connections are checked before use, and connection errors are retried with a short back-off.
A retried write may have been applied the first time, so after a connection failure
``set_if_absent`` / ``delete_if_equal`` can report False for a write that happened; callers
holding a lock see it again on their next ``get``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from citrine_base.interfaces.cache import Cache, CacheError

HEALTH_TIMEOUT = 0.5
"""Seconds ``healthy()`` waits for PONG: a health probe must answer fast, not retry long."""

_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError) as exc:
        raise CacheError(f"redis: {exc}") from exc


def _milliseconds(ttl: float) -> int:
    # Rounding up keeps a tiny positive ttl from becoming 0, which Redis rejects.
    return math.ceil(ttl * 1000)


class RedisCache(Cache):
    def __init__(self, url: str, key_prefix: str = "citrine:") -> None:
        self._url = url
        self._prefix = key_prefix
        self._client: Redis | None = None
        self._delete_if_equal: AsyncScript | None = None

    def _key(self, key: str) -> str:
        return self._prefix + key

    def _redis(self) -> Redis:
        if self._client is None:
            raise CacheError("RedisCache is not started")
        return self._client

    async def start(self) -> None:
        if self._client is not None:
            return
        try:
            client = Redis.from_url(
                self._url,
                decode_responses=True,
                socket_connect_timeout=2,
                socket_timeout=5,
                health_check_interval=10,
                retry=Retry(ExponentialWithJitterBackoff(cap=1.0, base=0.05), retries=3),
                retry_on_error=[RedisConnectionError, RedisTimeoutError],
            )
        except ValueError as exc:
            raise CacheError(f"redis: bad url: {exc}") from exc
        with _translated():
            try:
                # Fail at start-up on a wrong URL or a missing server, not on first use.
                await client.ping()
            except BaseException:
                await client.aclose()
                raise
        self._client = client
        self._delete_if_equal = client.register_script(_DELETE_IF_EQUAL)

    async def stop(self) -> None:
        client, self._client = self._client, None
        self._delete_if_equal = None
        if client is not None:
            with _translated():
                await client.aclose()

    async def healthy(self) -> bool:
        client = self._client
        if client is None:
            return False
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                return bool(await client.ping())
        except Exception:
            return False

    async def get(self, key: str) -> str | None:
        with _translated():
            value: Any = await self._redis().get(self._key(key))
        return None if value is None else str(value)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        client = self._redis()
        with _translated():
            if ttl is None:
                await client.set(self._key(key), value)
            elif ttl <= 0:
                # Stored and expired at once, as in MemoryCache; Redis rejects PX 0.
                await client.delete(self._key(key))
            else:
                await client.set(self._key(key), value, px=_milliseconds(ttl))

    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        client = self._redis()
        with _translated():
            if ttl is not None and ttl <= 0:
                # A first writer would win and lose the value at once; nothing to store.
                return not await client.exists(self._key(key))
            stored: Any = await client.set(
                self._key(key),
                value,
                nx=True,
                px=None if ttl is None else _milliseconds(ttl),
            )
        return bool(stored)

    async def delete(self, key: str) -> bool:
        with _translated():
            removed: Any = await self._redis().delete(self._key(key))
        return int(removed) > 0

    async def delete_if_equal(self, key: str, value: str) -> bool:
        script = self._delete_if_equal
        if script is None:
            raise CacheError("RedisCache is not started")
        with _translated():
            removed: Any = await script(keys=[self._key(key)], args=[value])
        return int(removed) > 0

    async def expire(self, key: str, ttl: float) -> bool:
        # PEXPIRE with 0 or less deletes the key and still answers 1, as MemoryCache does.
        with _translated():
            changed: Any = await self._redis().pexpire(self._key(key), max(_milliseconds(ttl), 0))
        return bool(changed)
