"""The subscriptions, held in memory by every process that posts webhooks.

CitrineOS reloads each connected station's subscriptions from the database every three
minutes. Here the active subscriptions of every tenant are one snapshot, loaded with one
query, swapped whole, and indexed by (tenant, station): matching an event is two dict
lookups, and a message of a tenant without subscriptions costs one. A change through the REST
API reloads the snapshot at once in its own process and is broadcast on
``SUBSCRIPTIONS_CHANGED_TOPIC`` to the others; a reload every ``refresh_interval`` seconds
covers a broadcast that was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError, SessionFactory, unit_of_work
from citrine_data.repositories import SubscriptionRepository
from citrine_data.repositories.subscription import ActiveSubscription
from citrine_modules.webhooks.filters import EventFilter

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    """Where one subscription posts."""

    id: int
    tenant_id: str
    station_id: str | None
    url: str
    secret: str | None
    filter: EventFilter

    @classmethod
    def of(cls, active: ActiveSubscription) -> Target:
        subscription = active.subscription
        return cls(
            id=subscription.id,
            tenant_id=subscription.tenant_id,
            station_id=active.station_id,
            url=subscription.url,
            secret=subscription.secret,
            filter=EventFilter.of(subscription.events),
        )


Index = dict[tuple[str, str | None], tuple[Target, ...]]


def build_index(targets: list[Target]) -> Index:
    grouped: dict[tuple[str, str | None], list[Target]] = {}
    for target in targets:
        grouped.setdefault((target.tenant_id, target.station_id), []).append(target)
    return {key: tuple(found) for key, found in grouped.items()}


class SubscriptionDirectory:
    def __init__(self, sessions: SessionFactory, refresh_interval: float) -> None:
        self._sessions = sessions
        self._refresh_interval = refresh_interval
        self._index: Index = {}
        self._stale = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.loads = 0

    def __len__(self) -> int:
        return sum(len(targets) for targets in self._index.values())

    def targets(
        self, station: StationKey, event_type: str, action: str | None = None
    ) -> list[Target]:
        """The subscriptions ``event_type`` (of ``action``) of ``station`` goes to."""
        everywhere = self._index.get((station.tenant_id, None))
        own = self._index.get((station.tenant_id, station.station_id))
        if not everywhere and not own:  # the common case, on every message: no allocation
            return []
        return [
            t for t in (*(everywhere or ()), *(own or ())) if t.filter.matches(event_type, action)
        ]

    def target(self, subscription_id: int) -> Target | None:
        for targets in self._index.values():
            for target in targets:
                if target.id == subscription_id:
                    return target
        return None

    async def reload(self) -> None:
        """Replace the snapshot; on a database failure the old one stays and is logged."""
        try:
            async with unit_of_work(self._sessions) as uow:
                active = await SubscriptionRepository.from_session(uow.session).list_active()
        except DataError as exc:
            log.warning("webhooks.subscriptions_not_loaded", error=exc.message)
            return
        self._index = build_index([Target.of(found) for found in active])
        self.loads += 1

    def invalidate(self) -> None:
        """Reload soon (another process changed a subscription)."""
        self._stale.set()

    async def start(self) -> None:
        await self.reload()
        self._task = asyncio.create_task(self._run(), name="webhook-subscriptions")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stale.wait(), self._refresh_interval)
            self._stale.clear()
            await self.reload()
