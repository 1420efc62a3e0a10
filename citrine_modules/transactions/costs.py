"""The running cost pushed to stations (I02, TC_I_01_CSMS): periodic work, never per message.

Every ``cost_updated_interval`` one process of the cluster (``ClusterJob``) reads the running,
tariffed transactions of online stations in batches, computes each one's cost to this moment
and sends CostUpdated. A station that answers NotSupported or NotImplemented does not do
tariffs and is left alone for a day (remembered in the shared cache); one that does not
answer in time is tried again next round. CitrineOS runs a timer per transaction in each
process instead, lost on restart and duplicated per instance.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import structlog

from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.ocpp.v201 import Action, messages
from citrine_base.rpc.errors import CallFailed, ErrorCode, OcppError
from citrine_data import SessionFactory, unit_of_work
from citrine_data.repositories import TransactionRepository
from citrine_modules.transactions.cost import session_cost

log = structlog.get_logger(__name__)

BATCH = 500
CONCURRENCY = 50
UNSUPPORTED_TTL = 24 * 3600.0
NOT_DOING_TARIFFS = frozenset({ErrorCode.NOT_SUPPORTED, ErrorCode.NOT_IMPLEMENTED})


def unsupported_key(station: StationKey) -> str:
    return f"transactions:cost-updated-unsupported:{station.tenant_id}:{station.station_id}"


@dataclass(frozen=True, slots=True)
class RunningCost:
    station: StationKey
    transaction_id: str
    total_cost: Decimal


class CostPusher:
    def __init__(
        self, sessions: SessionFactory, commands: CommandSender, cache: Cache, timeout: float
    ) -> None:
        self._sessions = sessions
        self._commands = commands
        self._cache = cache
        self._timeout = timeout

    async def push(self) -> int:
        """Send one round of CostUpdated; the number of stations that took it."""
        sent, after_pk = 0, 0
        while True:
            now = datetime.now(UTC)
            async with unit_of_work(self._sessions) as uow:
                batch = await TransactionRepository.from_session(uow.session).running_with_tariff(
                    after_pk=after_pk, limit=BATCH
                )
            if not batch:
                return sent
            after_pk = batch[-1][0].id
            costs = [
                RunningCost(
                    StationKey(station.tenant_id, station.station_id),
                    transaction.transaction_id,
                    session_cost(tariff, transaction.energy_wh, transaction.started_at, now),
                )
                for transaction, station, tariff in batch
            ]
            sent += await self._send_all(costs)
            if len(batch) < BATCH:
                return sent

    async def _send_all(self, costs: list[RunningCost]) -> int:
        limit = asyncio.Semaphore(CONCURRENCY)

        async def send(cost: RunningCost) -> bool:
            async with limit:
                return await self.send(cost)

        results = await asyncio.gather(*(send(cost) for cost in costs))
        return sum(results)

    async def send(self, cost: RunningCost) -> bool:
        if await self._cache.get(unsupported_key(cost.station)) is not None:
            return False
        request = messages.CostUpdatedRequest(
            total_cost=float(cost.total_cost), transaction_id=cost.transaction_id
        )
        try:
            await self._commands.call(
                cost.station, Action.COST_UPDATED, request, timeout=self._timeout
            )
        except OcppError as error:
            if error.code in NOT_DOING_TARIFFS:
                await self._cache.set(unsupported_key(cost.station), "1", UNSUPPORTED_TTL)
            log.info(
                "cost_updated.refused", station_id=cost.station.station_id, code=error.code.value
            )
            return False
        except CallFailed as failure:
            log.info(
                "cost_updated.not_delivered",
                station_id=cost.station.station_id,
                reason=type(failure).__name__,
            )
            return False
        return True
