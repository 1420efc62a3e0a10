"""In-process cache: the embedded default. Expired keys are dropped when read or swept."""

from __future__ import annotations

import time
from collections.abc import Sequence

from citrine_base.interfaces.cache import SLOT_GRACE, Cache, slot_key

SWEEP_EVERY = 1024
"""Writes between sweeps of expired keys, so memory stays bounded without a timer task."""


class MemoryCache(Cache):
    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float | None]] = {}
        self._writes = 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._values.clear()

    async def healthy(self) -> bool:
        return True

    def _live(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        value, deadline = entry
        if deadline is not None and deadline <= time.monotonic():
            del self._values[key]
            return None
        return value

    def _store(self, key: str, value: str, ttl: float | None) -> None:
        self._values[key] = (value, None if ttl is None else time.monotonic() + ttl)
        self._writes += 1
        if self._writes % SWEEP_EVERY == 0:
            self._sweep()

    def _sweep(self) -> None:
        now = time.monotonic()
        expired = [
            k
            for k, (_, deadline) in self._values.items()
            if deadline is not None and deadline <= now
        ]
        for key in expired:
            del self._values[key]

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._store(key, value, ttl)

    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl)
        return True

    async def delete(self, key: str) -> bool:
        existed = self._live(key) is not None
        self._values.pop(key, None)
        return existed

    async def delete_if_equal(self, key: str, value: str) -> bool:
        if self._live(key) != value:
            return False
        del self._values[key]
        return True

    async def expire(self, key: str, ttl: float) -> bool:
        value = self._live(key)
        if value is None:
            return False
        self._values[key] = (value, time.monotonic() + ttl)
        return True

    async def swap(self, key: str, value: str, ttl: float | None = None) -> str | None:
        previous = self._live(key)
        self._store(key, value, ttl)
        return previous

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self._live(key) for key in keys]

    async def refresh_many(self, keys: Sequence[str], value: str, ttl: float) -> list[str]:
        taken: list[str] = []
        for key in keys:
            if self._live(key) in (None, value):
                self._store(key, value, ttl)
            else:
                taken.append(key)
        return taken

    async def reserve_slot(
        self, key: str, member: str, period: float, burst: int, horizon: float
    ) -> float:
        # The same algorithm as the Redis script (citrine_util/cache/redis.py), on this clock.
        now = time.monotonic()
        ticket = slot_key(key, member)
        reserved = self._live(ticket)
        if reserved is not None:
            if float(reserved) <= now:
                del self._values[ticket]
                return 0.0
            return float(reserved) - now
        stored = self._live(key)
        tat = max(float(stored) if stored is not None else now, now)
        allowed_at = tat - period * (burst - 1)
        if allowed_at <= now:
            self._store(key, repr(tat + period), tat + period - now + 1)
            return 0.0
        wait = allowed_at - now
        if wait > horizon:
            return horizon
        self._store(key, repr(tat + period), tat + period - now + 1)
        self._store(ticket, repr(allowed_at), wait + SLOT_GRACE)
        return wait
