"""The cluster's presence sweep: stations left "online" in the database by a process that is
gone (killed, or cut off) are marked offline once their presence has expired.

A process marks its stations offline itself when their sockets close; one killed with
SIGKILL cannot. Its presence keys expire after ``presence_ttl``; this sweep, run once per
interval across the cluster (``ClusterJob``), then finds the stations marked online that have
no presence and were not seen for that long, and marks them offline. A station that
reconnects meanwhile is seen again and keeps its online flag (``set_offline_many`` re-checks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from citrine_base.interfaces.cache import Cache
from citrine_base.topics import presence_key
from citrine_data import SessionFactory, unit_of_work
from citrine_data.repositories import ChargingStationRepository

log = structlog.get_logger(__name__)

PAGE = 1000


class PresenceSweep:
    def __init__(self, cache: Cache, sessions: SessionFactory, presence_ttl: float) -> None:
        self._cache = cache
        self._sessions = sessions
        self._ttl = presence_ttl
        self.interval = presence_ttl

    async def run(self) -> int:
        """Mark offline every station without presence; returns how many changed."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self._ttl)
        changed = 0
        after = None
        while True:
            async with unit_of_work(self._sessions) as uow:
                candidates = await ChargingStationRepository.from_session(
                    uow.session
                ).online_seen_before(cutoff, PAGE, after=after)
            if not candidates:
                break
            held = await self._cache.get_many([presence_key(key) for key in candidates])
            gone = [key for key, holder in zip(candidates, held, strict=True) if holder is None]
            if gone:
                async with unit_of_work(self._sessions) as uow:
                    changed += await ChargingStationRepository.from_session(
                        uow.session
                    ).set_offline_many(gone, seen_before=cutoff)
            after = candidates[-1]
        if changed:
            log.info("presence.swept", stations_offline=changed)
        return changed
