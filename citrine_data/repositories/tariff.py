"""Tariffs, and which one applies to an EVSE at a moment."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import selectinload

from citrine_data.models.tariff import Tariff
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffData:
    currency: str
    price_per_kwh: Decimal = Decimal(0)
    price_per_minute: Decimal = Decimal(0)
    price_per_session: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    station_pk: int | None = None
    evse_id: int | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class TariffRepository(Repository):
    async def create(self, tenant_id: str, data: TariffData) -> Tariff:
        tariff = Tariff(
            tenant_id=tenant_id,
            station_pk=data.station_pk,
            evse_id=data.evse_id,
            currency=data.currency,
            price_per_kwh=data.price_per_kwh,
            price_per_minute=data.price_per_minute,
            price_per_session=data.price_per_session,
            tax_rate=data.tax_rate,
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        return await self._add(tariff)

    async def get(self, tenant_id: str, tariff_pk: int) -> Tariff | None:
        """The tenant's tariff, with its station."""
        statement = (
            select(Tariff)
            .where(Tariff.tenant_id == tenant_id, Tariff.id == tariff_pk)
            .options(selectinload(Tariff.station))
            .execution_options(populate_existing=True)
        )
        return await self._get_one_or_none(statement)

    async def get_by_pk(self, tariff_pk: int) -> Tariff | None:
        """A tariff a transaction refers to (the transaction already fixed the tenant)."""
        return await self._get(Tariff, tariff_pk)

    async def update(self, tenant_id: str, tariff_pk: int, data: TariffData) -> Tariff | None:
        """Replace every field of the tenant's tariff; None when it has no such tariff."""
        tariff = await self.get(tenant_id, tariff_pk)
        if tariff is None:
            return None
        for field in fields(TariffData):
            setattr(tariff, field.name, getattr(data, field.name))
        await self._flush()
        return await self.get(tenant_id, tariff_pk)

    async def delete(self, tenant_id: str, tariff_pk: int) -> bool:
        statement = delete(Tariff).where(Tariff.tenant_id == tenant_id, Tariff.id == tariff_pk)
        return await self._execute_dml(statement) > 0

    async def list(
        self,
        tenant_id: str,
        *,
        station_pk: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[Tariff]:
        """The tenant's tariffs (with a station: those of that station), oldest first."""
        statement = select(Tariff).where(Tariff.tenant_id == tenant_id)
        if station_pk is not None:
            statement = statement.where(Tariff.station_pk == station_pk)
        statement = statement.options(selectinload(Tariff.station)).order_by(Tariff.id)
        return await self._paginate(statement, limit=limit, offset=offset)

    async def find_applicable(
        self, tenant_id: str, station_pk: int, evse_id: int | None, at: datetime
    ) -> Tariff | None:
        """The most specific tariff valid at ``at``: EVSE, then station, then tenant-wide;
        among equals the one that became valid last."""
        valid = [
            or_(Tariff.valid_from.is_(None), Tariff.valid_from <= at),
            or_(Tariff.valid_to.is_(None), Tariff.valid_to > at),
        ]
        scopes = [Tariff.station_pk.is_(None), Tariff.station_pk == station_pk]
        statement = select(Tariff).where(Tariff.tenant_id == tenant_id, or_(*scopes), *valid)
        if evse_id is None:
            statement = statement.where(Tariff.evse_id.is_(None))
        else:
            statement = statement.where(or_(Tariff.evse_id.is_(None), Tariff.evse_id == evse_id))
        candidates = await self._get_all(statement)
        if not candidates:
            return None
        return max(candidates, key=_specificity)


EARLIEST = datetime.min.replace(tzinfo=UTC)


def _specificity(tariff: Tariff) -> tuple[bool, bool, datetime, int]:
    # Ranked in Python over a handful of rows: NULLs sort differently on each backend.
    return (
        tariff.evse_id is not None,
        tariff.station_pk is not None,
        tariff.valid_from or EARLIEST,
        tariff.id,
    )
