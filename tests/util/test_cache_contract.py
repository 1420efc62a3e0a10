"""One contract for every cache backend: memory and Redis behave the same."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from citrine_base.interfaces.cache import Cache, CacheError
from citrine_util.cache import RedisCache
from tests.services import require_redis
from tests.util.conftest import drop_keys as _drop_keys

TTL = 0.2
PAST_TTL = 0.35


async def test_get_of_a_missing_key_is_none(cache: Cache) -> None:
    assert await cache.get("missing") is None


async def test_set_then_get_and_overwrite(cache: Cache) -> None:
    await cache.set("k", "v1")
    assert await cache.get("k") == "v1"
    await cache.set("k", "välue ✓ 2")
    assert await cache.get("k") == "välue ✓ 2"


async def test_ttl_expires_the_key(cache: Cache) -> None:
    await cache.set("k", "v", ttl=TTL)
    assert await cache.get("k") == "v"
    await asyncio.sleep(PAST_TTL)
    assert await cache.get("k") is None


async def test_set_without_ttl_makes_the_key_permanent_again(cache: Cache) -> None:
    await cache.set("k", "short", ttl=TTL)
    await cache.set("k", "long")
    await asyncio.sleep(PAST_TTL)
    assert await cache.get("k") == "long"


async def test_set_with_a_non_positive_ttl_leaves_nothing(cache: Cache) -> None:
    await cache.set("k", "old")
    await cache.set("k", "new", ttl=0)
    assert await cache.get("k") is None


async def test_set_if_absent_keeps_the_first_writer(cache: Cache) -> None:
    assert await cache.set_if_absent("lock", "a") is True
    assert await cache.set_if_absent("lock", "b") is False
    assert await cache.get("lock") == "a"


async def test_set_if_absent_succeeds_again_after_expiry(cache: Cache) -> None:
    assert await cache.set_if_absent("lock", "a", ttl=TTL) is True
    assert await cache.set_if_absent("lock", "b", ttl=TTL) is False
    await asyncio.sleep(PAST_TTL)
    assert await cache.set_if_absent("lock", "b", ttl=TTL) is True
    assert await cache.get("lock") == "b"


async def test_concurrent_set_if_absent_has_exactly_one_winner(cache: Cache) -> None:
    contenders = [f"owner-{i}" for i in range(20)]
    won = await asyncio.gather(*(cache.set_if_absent("lock", c, ttl=5) for c in contenders))
    assert won.count(True) == 1
    assert await cache.get("lock") == contenders[won.index(True)]


async def test_delete_reports_whether_the_key_existed(cache: Cache) -> None:
    await cache.set("k", "v")
    assert await cache.delete("k") is True
    assert await cache.get("k") is None
    assert await cache.delete("k") is False


async def test_delete_of_an_expired_key_reports_false(cache: Cache) -> None:
    await cache.set("k", "v", ttl=TTL)
    await asyncio.sleep(PAST_TTL)
    assert await cache.delete("k") is False


async def test_delete_if_equal_only_removes_the_owned_value(cache: Cache) -> None:
    await cache.set("lock", "mine")
    assert await cache.delete_if_equal("lock", "theirs") is False
    assert await cache.get("lock") == "mine"
    assert await cache.delete_if_equal("lock", "mine") is True
    assert await cache.get("lock") is None
    assert await cache.delete_if_equal("lock", "mine") is False


async def test_concurrent_delete_if_equal_releases_once(cache: Cache) -> None:
    await cache.set("lock", "mine")
    released = await asyncio.gather(*(cache.delete_if_equal("lock", "mine") for _ in range(10)))
    assert released.count(True) == 1


async def test_expire_of_a_missing_key_is_false(cache: Cache) -> None:
    assert await cache.expire("missing", 5) is False


async def test_expire_gives_a_permanent_key_a_ttl(cache: Cache) -> None:
    await cache.set("k", "v")
    assert await cache.expire("k", TTL) is True
    assert await cache.get("k") == "v"
    await asyncio.sleep(PAST_TTL)
    assert await cache.get("k") is None
    assert await cache.expire("k", TTL) is False


async def test_expire_extends_a_running_ttl(cache: Cache) -> None:
    await cache.set("k", "v", ttl=TTL)
    assert await cache.expire("k", 5) is True
    await asyncio.sleep(PAST_TTL)
    assert await cache.get("k") == "v"


async def test_expire_with_a_non_positive_ttl_removes_the_key(cache: Cache) -> None:
    await cache.set("k", "v")
    assert await cache.expire("k", 0) is True
    assert await cache.get("k") is None


async def test_healthy_while_running(cache: Cache) -> None:
    assert await cache.healthy() is True


# -- Redis only ------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    return require_redis()


async def test_redis_prefixes_isolate_caches(redis_url: str) -> None:
    prefixes = [f"citrine-test:{uuid.uuid4().hex}:" for _ in range(2)]
    first, second = (RedisCache(redis_url, key_prefix=p) for p in prefixes)
    await first.start()
    await second.start()
    try:
        await first.set("k", "first")
        assert await second.get("k") is None
        assert await second.set_if_absent("k", "second") is True
        assert await first.get("k") == "first"
    finally:
        await first.stop()
        await second.stop()
        for prefix in prefixes:
            await _drop_keys(redis_url, prefix)


async def test_redis_keys_carry_the_prefix_and_a_millisecond_ttl(redis_url: str) -> None:
    prefix = f"citrine-test:{uuid.uuid4().hex}:"
    cache = RedisCache(redis_url, key_prefix=prefix)
    raw = Redis.from_url(redis_url, decode_responses=True)
    await cache.start()
    try:
        await cache.set("k", "v", ttl=1.5)
        assert await raw.get(f"{prefix}k") == "v"
        assert 1000 < await raw.pttl(f"{prefix}k") <= 1500
    finally:
        await cache.stop()
        await raw.aclose()
        await _drop_keys(redis_url, prefix)


async def test_redis_unreachable_server_raises_cache_error() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0")
    with pytest.raises(CacheError):
        await cache.start()
    assert await cache.healthy() is False


async def test_redis_use_before_start_or_after_stop_raises_cache_error(redis_url: str) -> None:
    cache = RedisCache(redis_url, key_prefix=f"citrine-test:{uuid.uuid4().hex}:")
    with pytest.raises(CacheError):
        await cache.get("k")
    await cache.start()
    await cache.stop()
    with pytest.raises(CacheError):
        await cache.set("k", "v")
    assert await cache.healthy() is False


class TcpProxy:
    """A real Redis behind a proxy that can go silent or cut every connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self.writers.update((writer, upstream_writer))
        pipes = [
            asyncio.create_task(self._pipe(reader, upstream_writer)),
            asyncio.create_task(self._pipe(upstream_reader, writer)),
        ]
        self.tasks.update(pipes)
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for task in pipes:
            task.cancel()
        for end in (writer, upstream_writer):
            end.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            await self.flowing.wait()
            writer.write(data)
            await writer.drain()

    def cut(self) -> None:
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    async def stop(self) -> None:
        self.flowing.set()
        self.cut()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def proxied_cache(redis_url: str) -> AsyncIterator[tuple[RedisCache, TcpProxy]]:
    parts = urlsplit(redis_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.start()
    prefix = f"citrine-test:{uuid.uuid4().hex}:"
    cache = RedisCache(parts._replace(netloc=f"127.0.0.1:{proxy.port}").geturl(), prefix)
    await cache.start()
    try:
        yield cache, proxy
    finally:
        await cache.stop()
        await proxy.stop()
        await _drop_keys(redis_url, prefix)


async def test_redis_healthy_answers_false_fast_when_the_server_hangs(
    proxied_cache: tuple[RedisCache, TcpProxy],
) -> None:
    cache, proxy = proxied_cache
    assert await cache.healthy() is True
    proxy.flowing.clear()
    started = asyncio.get_running_loop().time()
    assert await cache.healthy() is False
    assert asyncio.get_running_loop().time() - started < 1.5
    proxy.flowing.set()


async def test_redis_reconnects_after_the_connection_is_cut(
    proxied_cache: tuple[RedisCache, TcpProxy],
) -> None:
    cache, proxy = proxied_cache
    await cache.set("k", "before")
    proxy.cut()
    assert await cache.get("k") == "before"
    await cache.set("k", "after")
    assert await cache.get("k") == "after"
    assert await cache.healthy() is True
