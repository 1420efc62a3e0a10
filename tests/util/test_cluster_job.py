"""Periodic work runs once per interval across processes (``ClusterJob``), on every cache."""

from __future__ import annotations

import asyncio

from citrine_base.interfaces.cache import Cache
from citrine_util.tasks import ClusterJob

INTERVAL = 0.4


async def test_three_instances_ticking_run_the_job_once_per_interval(cache: Cache) -> None:
    runs: list[str] = []

    def job_of(instance: str) -> ClusterJob:
        return ClusterJob(cache, instance)

    async def work(instance: str) -> None:
        runs.append(instance)

    runners = {
        name: job_of(name).runner(INTERVAL, lambda name=name: work(name), "sweep")  # type: ignore[misc]
        for name in ("a", "b", "c")
    }
    # Every instance ticks each interval, a little out of phase, as separate processes do.
    for _ in range(3):
        for runner in runners.values():
            await runner()
            await asyncio.sleep(INTERVAL / 10)
        await asyncio.sleep(INTERVAL - 3 * INTERVAL / 10 + 0.02)
    assert len(runs) == 3


async def test_a_job_that_fails_does_not_hold_the_next_interval(cache: Cache) -> None:
    attempts = 0

    async def flaky() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database away")

    runner = ClusterJob(cache, "a").runner(INTERVAL, flaky, "flaky")
    try:
        await runner()
    except RuntimeError:
        pass
    await asyncio.sleep(INTERVAL + 0.05)
    await runner()
    assert attempts == 2
