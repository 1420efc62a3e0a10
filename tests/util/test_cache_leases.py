"""Cache contract, continued: the operations presence and admission control are built on
(swap, get_many, refresh_many, reserve_slot), on every backend."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from citrine_base.interfaces.cache import Cache

TTL = 0.2
PAST_TTL = 0.35


class TestSwap:
    async def test_returns_the_replaced_value(self, cache: Cache) -> None:
        assert await cache.swap("k", "first") is None
        assert await cache.swap("k", "second", ttl=5) == "first"
        assert await cache.get("k") == "second"

    async def test_with_ttl_expires(self, cache: Cache) -> None:
        await cache.swap("k", "v", ttl=TTL)
        await asyncio.sleep(PAST_TTL)
        assert await cache.get("k") is None
        assert await cache.swap("k", "w") is None

    async def test_non_positive_ttl_leaves_nothing(self, cache: Cache) -> None:
        await cache.set("k", "old")
        assert await cache.swap("k", "new", ttl=0) == "old"
        assert await cache.get("k") is None


class TestGetMany:
    async def test_values_in_order_with_none_for_missing(self, cache: Cache) -> None:
        await cache.set("a", "1")
        await cache.set("c", "3")
        assert await cache.get_many(["a", "b", "c"]) == ["1", None, "3"]
        assert await cache.get_many([]) == []


class TestRefreshMany:
    async def test_keeps_own_and_absent_keys_and_reports_taken_ones(self, cache: Cache) -> None:
        await cache.set("mine", "me", ttl=TTL)
        await cache.set("theirs", "other", ttl=5)
        taken = await cache.refresh_many(["mine", "absent", "theirs"], "me", ttl=5)
        assert taken == ["theirs"]
        await asyncio.sleep(PAST_TTL)
        assert await cache.get_many(["mine", "absent", "theirs"]) == ["me", "me", "other"]

    async def test_many_keys_in_one_call(self, cache: Cache) -> None:
        keys = [f"k{n}" for n in range(1200)]  # more than one Redis chunk
        await cache.set("k700", "other")
        assert await cache.refresh_many(keys, "me", ttl=5) == ["k700"]
        values = await cache.get_many(keys)
        assert values.count("me") == 1199

    async def test_ttl_applies(self, cache: Cache) -> None:
        await cache.refresh_many(["k"], "me", ttl=TTL)
        await asyncio.sleep(PAST_TTL)
        assert await cache.get("k") is None


class TestReserveSlot:
    async def test_burst_is_admitted_then_slots_are_spread(self, cache: Cache) -> None:
        waits = [await cache.reserve_slot("boots", f"s{n}", 1.0, 3, 100) for n in range(6)]
        assert waits[:3] == [0.0, 0.0, 0.0]
        # One member per period after the burst, each a period later than the one before.
        assert waits[3] == pytest.approx(1.0, abs=0.2)
        assert waits[4] == pytest.approx(2.0, abs=0.2)
        assert waits[5] == pytest.approx(3.0, abs=0.2)

    async def test_asking_again_before_the_slot_reserves_no_second_one(self, cache: Cache) -> None:
        await cache.reserve_slot("boots", "first", 10.0, 1, 100)
        wait = await cache.reserve_slot("boots", "late", 10.0, 1, 100)
        again = await cache.reserve_slot("boots", "late", 10.0, 1, 100)
        assert 9 < wait <= 10
        assert 0 < again <= wait
        # The next newcomer queues behind "late", once: its repeat did not move the schedule.
        assert await cache.reserve_slot("boots", "next", 10.0, 1, 100) == pytest.approx(20.0, abs=1)

    async def test_member_is_admitted_at_its_slot(self, cache: Cache) -> None:
        await cache.reserve_slot("boots", "first", 0.3, 1, 100)
        wait = await cache.reserve_slot("boots", "second", 0.3, 1, 100)
        assert wait > 0
        await asyncio.sleep(wait + 0.05)
        assert await cache.reserve_slot("boots", "second", 0.3, 1, 100) == 0.0
        # The slot is used up: asking once more competes like anybody else.
        assert await cache.reserve_slot("boots", "second", 0.3, 1, 100) > 0

    async def test_beyond_the_horizon_nothing_is_reserved(self, cache: Cache) -> None:
        for n in range(3):
            await cache.reserve_slot("boots", f"s{n}", 10.0, 1, 15)
        assert await cache.reserve_slot("boots", "far", 10.0, 1, 15) == 15
        assert await cache.reserve_slot("boots", "far", 10.0, 1, 15) == 15

    async def test_schedules_are_independent(self, cache: Cache) -> None:
        assert await cache.reserve_slot("a", "s", 10.0, 1, 100) == 0.0
        assert await cache.reserve_slot("b", "s", 10.0, 1, 100) == 0.0

    async def test_concurrent_requests_share_one_schedule(self, cache: Cache) -> None:
        waits = await asyncio.gather(
            *(cache.reserve_slot("boots", f"s{n}", 0.5, 5, 1000) for n in range(20))
        )
        assert sorted(waits)[:5] == [0.0] * 5
        spread = sorted(waits)[5:]
        # 15 distinct slots, half a second apart.
        assert all(b - a == pytest.approx(0.5, abs=0.1) for a, b in itertools.pairwise(spread))
