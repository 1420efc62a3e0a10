"""A small key-value cache with expiry (memory or Redis), for presence, locks and short state."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence


class CacheError(Exception):
    """The cache backend failed (connection lost, misconfigured)."""


class Cache(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def healthy(self) -> bool: ...

    @abstractmethod
    async def get(self, key: str) -> str | None: ...

    @abstractmethod
    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        """Store ``value``; with ``ttl`` (seconds) the key disappears after that long."""

    @abstractmethod
    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Store only if ``key`` is absent; True when stored (a lock or a first writer wins)."""

    @abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove ``key``; True when it existed."""

    @abstractmethod
    async def delete_if_equal(self, key: str, value: str) -> bool:
        """Remove ``key`` only while it still holds ``value`` (release what you own)."""

    @abstractmethod
    async def expire(self, key: str, ttl: float) -> bool:
        """Give ``key`` a new time to live; False when it does not exist."""

    @abstractmethod
    async def swap(self, key: str, value: str, ttl: float | None = None) -> str | None:
        """Store ``value`` and return the value it replaced (None when there was none)."""

    @abstractmethod
    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """The values of ``keys``, in order (None for a missing one)."""

    @abstractmethod
    async def refresh_many(self, keys: Sequence[str], value: str, ttl: float) -> list[str]:
        """Store ``value`` with ``ttl`` in each key that holds ``value`` or nothing; return
        the keys that hold another value, left untouched (a lease somebody else took)."""

    @abstractmethod
    async def reserve_slot(
        self, key: str, member: str, period: float, burst: int, horizon: float
    ) -> float:
        """A schedule shared by every user of the cache (a GCRA token bucket): on average one
        member per ``period`` seconds is admitted, ``burst`` at once.

        Returns 0 when ``member`` is admitted now. Otherwise a slot is reserved for it and the
        seconds until that slot are returned; asking again before the slot returns the time
        left (no second slot), asking at or after it admits the member. A wait longer than
        ``horizon`` reserves nothing and returns ``horizon``. An unused slot is forgotten
        ``SLOT_GRACE`` seconds after its time.
        """


SLOT_GRACE = 300.0
"""Seconds a reserved slot waits for its member after its time before it is forgotten."""


def slot_key(key: str, member: str) -> str:
    """Where ``reserve_slot`` keeps the slot reserved for ``member`` in schedule ``key``."""
    return f"{key}:slot:{member}"
