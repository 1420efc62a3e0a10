"""The site limit: a location's grid connection shared among its running transactions.

``SiteBalancer.reconcile(location)`` computes every running transaction's share
(``sharing.share_limit``) and sends the managed TxProfiles whose limits changed. It runs

* when the transactions module publishes on ``SITE_TRANSACTIONS_CHANGED`` (a transaction
  started or ended at a station), for that station's location;
* every ``SITE_INTERVAL`` seconds for every location with a limit, once across the cluster
  (``ClusterJob``): the safety net for a lost event, a station that was offline, a profile
  that was refused;
* when EV charging needs arrive at a location with a limit (their TxProfile carries the share).

The transactions at a location are read from the ``transactions`` table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass

import structlog

from citrine_base.interfaces.envelope import Envelope, StationKey
from citrine_data import Session, unit_of_work
from citrine_data.models import Transaction
from citrine_data.repositories import (
    ChargingProfileRepository,
    LocationRepository,
    ManagedProfileRepository,
    SiteRepository,
)
from citrine_data.repositories.charging_state import ActiveTransaction
from citrine_modules.deps import ModuleDeps
from citrine_modules.smart_charging.capabilities import station_capabilities
from citrine_modules.smart_charging.composite import DEFAULT_PHASES, VOLTAGE
from citrine_modules.smart_charging.managed import ManagedProfiles, Plan
from citrine_modules.smart_charging.profiles import station_pk
from citrine_modules.smart_charging.rules import Capabilities
from citrine_modules.smart_charging.sharing import Demand, share_limit

log = structlog.get_logger(__name__)

SITE_INTERVAL = 60.0
Forced = Collection[tuple[int, str]]  # (station pk, transaction id) to send even if unchanged


@dataclass(frozen=True, slots=True)
class Share:
    station: StationKey
    station_pk: int
    transaction: Transaction
    share_amps: float

    @property
    def transaction_id(self) -> str:
        return self.transaction.transaction_id

    @property
    def evse_id(self) -> int | None:
        return self.transaction.evse_id


def _cap(active: ActiveTransaction, capabilities: Capabilities) -> float | None:
    evse = active.transaction.evse_id
    watts = capabilities.evse_max_power.get(evse) if evse is not None else None
    if watts is None or evse is None:
        return None
    return watts / (VOLTAGE * capabilities.evse_phases.get(evse, DEFAULT_PHASES))


class SiteBalancer:
    def __init__(self, deps: ModuleDeps, managed: ManagedProfiles) -> None:
        self._deps = deps
        self._managed = managed
        self._locks: dict[int, asyncio.Lock] = {}

    async def shares(self, session: Session, location_pk: int) -> list[Share]:
        """Every running transaction's share of the location's limit (empty: no limit)."""
        location = await SiteRepository.from_session(session).location(location_pk)
        limit = location.grid_connection_limit_amps if location is not None else None
        if limit is None:
            return []
        actives = await SiteRepository.from_session(session).active_transactions_at(location_pk)
        capabilities: dict[int, Capabilities] = {}
        for active in actives:
            if active.station.id not in capabilities:
                capabilities[active.station.id] = await station_capabilities(
                    session, active.station.id
                )
        demands = [
            Demand(index, _cap(active, capabilities[active.station.id]))
            for index, active in enumerate(actives)
        ]
        given = share_limit(limit, demands)
        return [
            Share(
                StationKey(active.station.tenant_id, active.station.station_id),
                active.station.id,
                active.transaction,
                given[index],
            )
            for index, active in enumerate(actives)
        ]

    async def reconcile(self, location_pk: int, *, force: Forced = ()) -> list[Share]:
        """Bring the location's managed profiles in line with the shares; the shares."""
        lock = self._locks.setdefault(location_pk, asyncio.Lock())
        async with lock:
            async with unit_of_work(self._deps.sessions) as uow:
                shares = await self.shares(uow.session, location_pk)
                plans = await self._plans(uow.session, shares, force)
            await self._managed.send(plans)
        if shares:
            log.info(
                "site.reconciled",
                location_pk=location_pk,
                transactions=len(shares),
                sent=len(plans),
            )
        return shares

    async def _plans(self, session: Session, shares: list[Share], force: Forced) -> list[Plan]:
        plans = []
        for share in shares:
            key = (share.station_pk, share.transaction_id)
            plan = await self._managed.plan(
                session,
                share.station,
                share.station_pk,
                share.transaction,
                share.share_amps,
                force=key in force,
            )
            if plan is not None:
                plans.append(plan)
        return plans

    async def reconcile_for_tenant(self, tenant_id: str, location_pk: int) -> list[Share]:
        """``reconcile`` for an operator: ``NotFound`` for another tenant's location."""
        async with unit_of_work(self._deps.sessions) as uow:
            await LocationRepository.from_session(uow.session).get_or_raise(tenant_id, location_pk)
        return await self.reconcile(location_pk)

    async def reconcile_station(self, station: StationKey, *, force: Forced = ()) -> bool:
        """Reconcile the station's location; False when it has no site limit."""
        async with unit_of_work(self._deps.sessions) as uow:
            pk = await station_pk(uow.session, station)
            location = await SiteRepository.from_session(uow.session).location_of(pk)
        if location is None or location.grid_connection_limit_amps is None:
            return False
        await self.reconcile(location.id, force=force)
        return True

    async def reconcile_all(self) -> None:
        """The periodic pass: forget ended transactions, then every location with a limit."""
        async with unit_of_work(self._deps.sessions) as uow:
            ended = await ManagedProfileRepository.from_session(uow.session).delete_ended()
            profiles = ChargingProfileRepository.from_session(uow.session)
            for pk in {pk for pk, _ in ended}:
                await profiles.delete_tx_profiles(pk, [tx for p, tx in ended if p == pk])
            locations = await SiteRepository.from_session(uow.session).locations_with_limit()
        for location in locations:
            try:
                await self.reconcile(location.id)
            except Exception:
                log.exception("site.reconcile_failed", location_pk=location.id)

    async def on_transactions_changed(self, envelope: Envelope) -> None:
        """A transaction started or ended at ``envelope.station``."""
        try:
            await self.reconcile_station(envelope.station)
        except Exception:
            log.exception("site.reconcile_failed", station_id=envelope.station.station_id)
