"""Transactions as the REST API, the token rules and the cost push read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from citrine_data.errors import translate_errors
from citrine_data.models.station import ChargingStation
from citrine_data.models.tariff import Tariff
from citrine_data.models.transaction import Transaction, TransactionState
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionFilter:
    """What a transaction listing is narrowed to; None means no restriction."""

    station_id: str | None = None
    id_token: str | None = None
    state: TransactionState | None = None
    started_from: datetime | None = None
    started_before: datetime | None = None


class TransactionReads(Repository):
    async def list_active(self, station_pk: int) -> list[Transaction]:
        statement = (
            select(Transaction)
            .where(
                Transaction.station_pk == station_pk, Transaction.state == TransactionState.ACTIVE
            )
            .order_by(Transaction.started_at)
        )
        return await self._get_all(statement)

    async def list_active_for_token(self, id_token_pk: int) -> list[Transaction]:
        statement = select(Transaction).where(
            Transaction.id_token_pk == id_token_pk, Transaction.state == TransactionState.ACTIVE
        )
        return await self._get_all(statement)

    async def count_active_with_tariff(self, tariff_pk: int) -> int:
        statement = select(func.count()).where(
            Transaction.tariff_pk == tariff_pk, Transaction.state == TransactionState.ACTIVE
        )
        with translate_errors():
            count: int = (await self.session.execute(statement)).scalar_one()
        return count

    async def running_with_tariff(
        self, *, after_pk: int = 0, limit: int = DEFAULT_LIMIT
    ) -> list[tuple[Transaction, ChargingStation, Tariff]]:
        """Active transactions with a tariff on online stations, by key after ``after_pk``
        (for the running cost pushed to stations, read in batches)."""
        statement = (
            select(Transaction, ChargingStation, Tariff)
            .join(ChargingStation, Transaction.station_pk == ChargingStation.id)
            .join(Tariff, Transaction.tariff_pk == Tariff.id)
            .where(
                Transaction.state == TransactionState.ACTIVE,
                ChargingStation.is_online.is_(True),
                Transaction.id > after_pk,
            )
            .order_by(Transaction.id)
            .limit(limit)
        )
        with translate_errors():
            rows = (await self.session.execute(statement)).all()
        return [(row[0], row[1], row[2]) for row in rows]

    async def find_in_tenant(
        self, tenant_id: str, transaction_id: str, station_id: str | None = None
    ) -> list[Transaction]:
        """The transactions with this id in the tenant (ids are unique per station only),
        with their station, events and tariff."""
        statement = (
            select(Transaction)
            .join(ChargingStation, Transaction.station_pk == ChargingStation.id)
            .where(
                ChargingStation.tenant_id == tenant_id,
                Transaction.transaction_id == transaction_id,
            )
            .options(
                contains_eager(Transaction.station),
                selectinload(Transaction.events),
                selectinload(Transaction.tariff),
            )
            .order_by(ChargingStation.station_id)
        )
        if station_id is not None:
            statement = statement.where(ChargingStation.station_id == station_id)
        return await self._get_all(statement)

    async def list(
        self,
        tenant_id: str,
        *,
        station_pk: int | None = None,
        state: TransactionState | None = None,
        where: TransactionFilter | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[Transaction]:
        """Newest first, within one tenant, with each transaction's station and tariff."""
        statement = (
            select(Transaction)
            .join(ChargingStation, Transaction.station_pk == ChargingStation.id)
            .where(ChargingStation.tenant_id == tenant_id)
            .options(contains_eager(Transaction.station), selectinload(Transaction.tariff))
        )
        if station_pk is not None:
            statement = statement.where(Transaction.station_pk == station_pk)
        if state is not None:
            statement = statement.where(Transaction.state == state)
        statement = statement.where(*_filters(where or TransactionFilter()))
        statement = statement.order_by(Transaction.started_at.desc(), Transaction.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)


def _filters(where: TransactionFilter) -> list[Any]:
    found: list[Any] = []
    if where.station_id is not None:
        found.append(ChargingStation.station_id == where.station_id)
    if where.id_token is not None:
        found.append(Transaction.id_token == where.id_token)
    if where.state is not None:
        found.append(Transaction.state == where.state)
    if where.started_from is not None:
        found.append(Transaction.started_at >= where.started_from)
    if where.started_before is not None:
        found.append(Transaction.started_at < where.started_before)
    return found
