"""Which instance holds which station: ``presence:{tenant}:{station}`` -> instance id in the
shared cache, with an expiry that the holder keeps fresh.

* ``claim`` on connect swaps our id in and returns the previous holder. When that is another
  instance, the router tells it (``REPLACED`` on its command topic) to close its old socket:
  a station has one connection, and commands must reach the new one.
* ``refresh`` renews every lease held here in a few round trips, but never takes a lease
  back from another instance: a key held by someone else means the station reconnected
  there and our socket is stale (the ``REPLACED`` message was lost), so the router closes it.
  A key that vanished (expired during a long pause, or Redis restarted empty) is re-claimed.
* ``release`` on disconnect deletes the key only while it is still ours.

A cache outage never stops a station from being served: presence calls log and carry on,
and the next refresh writes what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from citrine_base.interfaces.cache import Cache, CacheError
from citrine_base.interfaces.envelope import StationKey
from citrine_base.topics import presence_key

log = structlog.get_logger(__name__)

REPLACED = "Replaced"
"""Action of the event sent to an instance whose station reconnected elsewhere."""


class Presence:
    def __init__(self, cache: Cache, instance_id: str, ttl: float) -> None:
        self._cache = cache
        self._instance_id = instance_id
        self.ttl = ttl

    async def claim(self, station: StationKey) -> str | None:
        """Record that ``station`` is held here; the instance that held it before, if any."""
        try:
            return await self._cache.swap(presence_key(station), self._instance_id, self.ttl)
        except CacheError as exc:
            log.warning("presence.claim_failed", station_id=station.station_id, error=str(exc))
            return None

    async def holder(self, station: StationKey) -> str | None:
        try:
            return await self._cache.get(presence_key(station))
        except CacheError as exc:
            log.warning("presence.read_failed", station_id=station.station_id, error=str(exc))
            return None

    async def release(self, station: StationKey) -> bool:
        """Forget ``station`` unless another instance holds it now; True when it was ours
        (or the cache cannot tell: then the caller acts as the last holder)."""
        try:
            return await self._cache.delete_if_equal(presence_key(station), self._instance_id)
        except CacheError as exc:
            log.warning("presence.release_failed", station_id=station.station_id, error=str(exc))
            return True

    async def refresh(self, stations: Sequence[StationKey]) -> list[StationKey]:
        """Renew the leases of ``stations``; those another instance holds now."""
        if not stations:
            return []
        by_key = {presence_key(station): station for station in stations}
        try:
            taken = await self._cache.refresh_many(list(by_key), self._instance_id, self.ttl)
        except CacheError as exc:
            log.warning("presence.refresh_failed", stations=len(stations), error=str(exc))
            return []
        return [by_key[key] for key in taken]
