"""Reconnect-storm flow control: the handshake limiter and the cluster-wide boot throttle."""

from __future__ import annotations

import asyncio
import random

import pytest

from citrine_base.config import AdmissionConfig
from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import StationKey
from citrine_util.admission import BootThrottle, HandshakeLimiter, Overloaded
from citrine_util.cache import MemoryCache


class TestHandshakeLimiter:
    async def test_runs_at_most_concurrency_and_refuses_beyond_the_backlog(self) -> None:
        limiter = HandshakeLimiter(concurrency=2, backlog=1)
        release = asyncio.Event()
        running = 0
        peak = 0

        async def handshake() -> None:
            nonlocal running, peak
            async with limiter.turn():
                running += 1
                peak = max(peak, running)
                await release.wait()
                running -= 1

        tasks = [asyncio.create_task(handshake()) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert (running, limiter.waiting) == (2, 1)
        with pytest.raises(Overloaded) as refused:
            async with limiter.turn():
                pass
        assert refused.value.retry_after >= 1
        assert limiter.refused == 1
        release.set()
        await asyncio.gather(*tasks)
        assert peak == 2
        async with limiter.turn():  # free again
            pass

    async def test_waiting_handshake_gets_the_next_slot(self) -> None:
        limiter = HandshakeLimiter(concurrency=1, backlog=5)
        order: list[int] = []

        async def handshake(n: int) -> None:
            async with limiter.turn():
                order.append(n)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(handshake(n) for n in range(4)))
        assert order == [0, 1, 2, 3]


def throttle(
    cache: Cache, rate: float, burst: int, max_wait: int = 3600, in_flight: int = 0
) -> BootThrottle:
    # The adaptive queue gate is off here: these tests are about the rate and in-flight gates.
    config = AdmissionConfig(
        boot_rate=rate,
        boot_burst=burst,
        max_boot_wait=max_wait,
        max_boots_in_flight=in_flight,
        boot_queue_seconds=0,
    )
    return BootThrottle(cache, config, random.Random(7))


class TestBootThrottle:
    async def test_within_the_burst_every_boot_is_admitted(self, cache: Cache) -> None:
        gate = throttle(cache, rate=10, burst=5)
        answers = [await gate.pending_interval(StationKey("t", f"S{n}")) for n in range(5)]
        assert answers == [None] * 5
        assert gate.throttled == 0

    async def test_over_the_rate_boots_are_pending_until_their_own_slot(self, cache: Cache) -> None:
        """A storm of 40 boots at 10/s: 10 at once, the others spread over the next 3 s."""
        gate = throttle(cache, rate=10, burst=10)
        stations = [StationKey("t", f"S{n}") for n in range(40)]
        intervals = [await gate.pending_interval(station) for station in stations]
        assert intervals[:10] == [None] * 10
        pending = [i for i in intervals if i is not None]
        # The bucket refills while the 40 calls run (slowly, on a loaded machine): a few more
        # may get through; the rest wait for a slot, the later ones longer.
        assert 26 <= len(pending) <= 30
        assert gate.throttled == len(pending)
        assert min(pending) >= 1
        assert max(pending) >= 3
        # Never sooner than its slot (n+1 tenths of a second), at most 10 % plus 1 s later.
        for n, interval in enumerate(pending):
            assert interval <= (n + 1) / 10 * 1.1 + 2

    async def test_station_coming_back_at_its_slot_is_admitted(self, cache: Cache) -> None:
        gate = throttle(cache, rate=5, burst=1)
        assert await gate.pending_interval(StationKey("t", "first")) is None
        second = StationKey("t", "second")
        interval = await gate.pending_interval(second)
        assert interval is not None
        # Too early: told the rest of its wait again, without a new slot.
        assert await gate.pending_interval(second) is not None
        await asyncio.sleep(0.25)
        assert await gate.pending_interval(second) is None

    async def test_rate_zero_turns_it_off(self, cache: Cache) -> None:
        gate = throttle(cache, rate=0, burst=1)
        assert not gate.enabled
        for n in range(50):
            assert await gate.pending_interval(StationKey("t", f"S{n}")) is None

    async def test_a_failing_cache_lets_boots_through(self) -> None:
        stopped = MemoryCache()
        gate = throttle(_Broken(), rate=1, burst=1)
        assert await gate.pending_interval(StationKey("t", "S")) is None
        await stopped.stop()

    def test_interval_is_bounded_by_the_longest_wait(self) -> None:
        gate = throttle(MemoryCache(), rate=1, burst=1, max_wait=60)
        assert gate.interval_for(60.0) == 60
        assert 3 <= gate.interval_for(2.2) <= 4


class _Broken(MemoryCache):
    """A cache whose schedule fails as Redis does when it is unreachable."""

    async def reserve_slot(
        self, key: str, member: str, period: float, burst: int, horizon: float
    ) -> float:
        from citrine_base.interfaces.cache import CacheError

        raise CacheError("redis: connection refused")


async def test_a_handshake_waiting_too_long_is_refused() -> None:
    limiter = HandshakeLimiter(concurrency=1, backlog=10, wait=0.1)
    async with limiter.turn():
        with pytest.raises(Overloaded):
            async with limiter.turn():
                pass
    assert limiter.refused == 1
    assert limiter.waiting == 0


async def test_too_many_boots_in_flight_are_pending_for_the_time_the_ones_ahead_take() -> None:
    """The database is slower than the configured rate: the process notices by itself."""
    gate = throttle(MemoryCache(), rate=1000, burst=1000, in_flight=3)
    for _ in range(10):  # answered lately at about 20 per second
        with gate.booting():
            await asyncio.sleep(0.05)
    holders = [gate.booting() for _ in range(3)]
    for holder in holders:
        holder.__enter__()
    interval = await gate.pending_interval(StationKey("t", "late"))
    assert interval is not None
    assert 1 <= interval <= 3  # 3 ahead at ~20/s: rounded up, plus the spread
    for holder in holders:
        holder.__exit__(None, None, None)
    assert await gate.pending_interval(StationKey("t", "late")) is None


async def test_boots_are_admitted_while_the_queue_ahead_clears_in_time() -> None:
    """The adaptive gate: no fixed rate, only how long the boots already waiting will take."""
    config = AdmissionConfig(boot_rate=0, boot_queue_seconds=0.1)
    gate = BootThrottle(MemoryCache(), config)
    for _ in range(25):  # answered lately at about 20 per second
        with gate.booting():
            await asyncio.sleep(0.05)
    with gate.booting():  # one ahead: 0.05 s to go, within the 0.1 s target
        assert await gate.pending_interval(StationKey("t", "next")) is None
    holders = [gate.booting() for _ in range(5)]
    for holder in holders:
        holder.__enter__()
    interval = await gate.pending_interval(StationKey("t", "late"))  # 5 ahead: 0.25 s
    assert interval is not None
    assert 1 <= interval <= 2
    for holder in holders:
        holder.__exit__(None, None, None)


async def test_a_burst_before_any_answer_is_admitted_at_the_prior_rate() -> None:
    """500 stations at once on a fresh process: nothing is measured yet, so the prior rate
    says they clear within the target, and every one is admitted."""
    gate = BootThrottle(MemoryCache(), AdmissionConfig())
    holders = [gate.booting() for _ in range(499)]
    for holder in holders:
        holder.__enter__()
    assert await gate.pending_interval(StationKey("t", "500th")) is None
    for holder in holders:
        holder.__exit__(None, None, None)
