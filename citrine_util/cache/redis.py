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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from citrine_base.interfaces.cache import SLOT_GRACE, Cache, CacheError, slot_key

MAX_CONNECTIONS = 50
"""Connections per process; Redis answers in microseconds, so a few carry thousands of ops."""

POOL_TIMEOUT = 5.0
"""Seconds a command waits for a free connection before failing with ``CacheError``."""

HEALTH_TIMEOUT = 0.5
"""Seconds ``healthy()`` waits for PONG: a health probe must answer fast, not retry long."""

_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: the keys; ARGV: value, ttl in ms. Returns the 1-based positions of keys held by others.
_REFRESH_MANY = """
local taken = {}
for i, key in ipairs(KEYS) do
    local current = redis.call('GET', key)
    if current == false or current == ARGV[1] then
        redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    else
        taken[#taken + 1] = i
    end
end
return taken
"""

# GCRA on the Redis clock, so that every process shares one time base. KEYS: schedule, slot;
# ARGV: period, burst, horizon, grace (s). Returns the wait in seconds as a string (Lua numbers
# would come back truncated to integers).
_RESERVE_SLOT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local period, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local horizon, grace = tonumber(ARGV[3]), tonumber(ARGV[4])
local reserved = redis.call('GET', KEYS[2])
if reserved then
    local at = tonumber(reserved)
    if at <= now then
        redis.call('DEL', KEYS[2])
        return '0'
    end
    return string.format('%.6f', at - now)
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowed_at = tat - period * (burst - 1)
local keep = math.ceil((tat + period - now) * 1000) + 1000
if allowed_at <= now then
    redis.call('SET', KEYS[1], string.format('%.6f', tat + period), 'PX', keep)
    return '0'
end
local wait = allowed_at - now
if wait > horizon then
    return string.format('%.6f', horizon)
end
redis.call('SET', KEYS[1], string.format('%.6f', tat + period), 'PX', keep)
redis.call('SET', KEYS[2], string.format('%.6f', allowed_at), 'PX', math.ceil((wait + grace) * 1000))
return string.format('%.6f', wait)
"""

REFRESH_CHUNK = 500
"""Keys per refresh script call: one round trip each, without blocking Redis for long."""


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
    def __init__(
        self, url: str, key_prefix: str = "citrine:", client_name: str | None = None
    ) -> None:
        self._url = url
        self._prefix = key_prefix
        # Shown by CLIENT LIST: an operator (or a test) can tell whose connections these are.
        self._client_name = client_name
        self._client: Redis | None = None
        self._delete_if_equal: AsyncScript | None = None
        self._refresh_many: AsyncScript | None = None
        self._reserve_slot: AsyncScript | None = None

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
            # A blocking pool: under a reconnect storm callers queue for one of MAX_CONNECTIONS
            # connections (back-pressure) instead of failing with "Too many connections".
            pool = BlockingConnectionPool.from_url(
                self._url,
                max_connections=MAX_CONNECTIONS,
                timeout=POOL_TIMEOUT,
                decode_responses=True,
                client_name=self._client_name,
                socket_connect_timeout=2,
                socket_timeout=5,
                health_check_interval=10,
                retry=Retry(ExponentialWithJitterBackoff(cap=1.0, base=0.05), retries=3),
                retry_on_error=[RedisConnectionError, RedisTimeoutError],
            )
            client = Redis.from_pool(pool)  # closing the client closes the pool
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
        self._refresh_many = client.register_script(_REFRESH_MANY)
        self._reserve_slot = client.register_script(_RESERVE_SLOT)

    async def stop(self) -> None:
        client, self._client = self._client, None
        self._delete_if_equal = self._refresh_many = self._reserve_slot = None
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

    @staticmethod
    def _script(script: AsyncScript | None) -> AsyncScript:
        if script is None:
            raise CacheError("RedisCache is not started")
        return script

    async def delete_if_equal(self, key: str, value: str) -> bool:
        script = self._script(self._delete_if_equal)
        with _translated():
            removed: Any = await script(keys=[self._key(key)], args=[value])
        return int(removed) > 0

    async def expire(self, key: str, ttl: float) -> bool:
        # PEXPIRE with 0 or less deletes the key and still answers 1, as MemoryCache does.
        with _translated():
            changed: Any = await self._redis().pexpire(self._key(key), max(_milliseconds(ttl), 0))
        return bool(changed)

    async def swap(self, key: str, value: str, ttl: float | None = None) -> str | None:
        client = self._redis()
        with _translated():
            if ttl is not None and ttl <= 0:
                previous: Any = await client.getdel(self._key(key))
            else:
                previous = await client.set(
                    self._key(key),
                    value,
                    get=True,
                    px=None if ttl is None else _milliseconds(ttl),
                )
        return None if previous is None else str(previous)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        with _translated():
            values: Any = await self._redis().mget([self._key(key) for key in keys])
        return [None if value is None else str(value) for value in values]

    async def refresh_many(self, keys: Sequence[str], value: str, ttl: float) -> list[str]:
        script = self._script(self._refresh_many)
        taken: list[str] = []
        for start in range(0, len(keys), REFRESH_CHUNK):
            chunk = keys[start : start + REFRESH_CHUNK]
            with _translated():
                positions: Any = await script(
                    keys=[self._key(key) for key in chunk],
                    args=[value, max(_milliseconds(ttl), 1)],
                )
            taken.extend(chunk[int(position) - 1] for position in positions)
        return taken

    async def reserve_slot(
        self, key: str, member: str, period: float, burst: int, horizon: float
    ) -> float:
        script = self._script(self._reserve_slot)
        with _translated():
            wait: Any = await script(
                keys=[self._key(key), self._key(slot_key(key, member))],
                args=[repr(period), burst, repr(horizon), repr(SLOT_GRACE)],
            )
        return float(wait)
