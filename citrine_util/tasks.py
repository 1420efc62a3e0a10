"""Owned background work: every task has an owner that cancels and awaits it (habit 12).

Modules use the supervisor for work that must not hold up an answer to a station (a follow-up
CALL after a BootNotification, a callback POST) and for periodic jobs. It is bounded: past
``limit`` running tasks, ``spawn`` refuses instead of letting memory grow under a storm.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog

from citrine_base.interfaces.cache import Cache

log = structlog.get_logger(__name__)


class TooManyTasks(Exception):
    """The supervisor already runs its limit of tasks."""


class TaskSupervisor:
    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coroutine`` in the background; its failure is logged, never lost."""
        if self._stopping or len(self._tasks) >= self._limit:
            coroutine.close()
            raise TooManyTasks(f"cannot start {name}: {len(self._tasks)} tasks running")
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def every(
        self, interval: float, job: Callable[[], Awaitable[None]], name: str
    ) -> asyncio.Task[Any]:
        """Run ``job`` every ``interval`` seconds until stopped; a failing run is logged."""
        return self.spawn(_periodic(interval, job, name), name)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("task.failed", task=task.get_name(), error=repr(error), exc_info=error)

    async def stop(self) -> None:
        """Cancel every task and wait until all have ended."""
        self._stopping = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)


async def _periodic(interval: float, job: Callable[[], Awaitable[None]], name: str) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await job()
        except Exception:
            log.exception("task.run_failed", task=name)


class ClusterJob:
    """Periodic work that runs once per interval across all processes, not once per process.

    Each tick every process tries to take a lock in the shared cache that lives a little less
    than the interval; the one that gets it runs the job. With the memory cache (one process)
    this is simply a periodic job.
    """

    def __init__(self, cache: Cache, instance_id: str) -> None:
        self._cache = cache
        self._instance_id = instance_id

    def runner(
        self, interval: float, job: Callable[[], Awaitable[object]], name: str
    ) -> Callable[[], Awaitable[None]]:
        async def run_if_elected() -> None:
            if await self._cache.set_if_absent(f"job:{name}", self._instance_id, interval * 0.9):
                await job()

        return run_if_elected
