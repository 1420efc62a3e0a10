"""A small key-value cache with expiry (memory or Redis), for presence, locks and short state."""

from __future__ import annotations

from abc import ABC, abstractmethod


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
