"""Column types: aware UTC datetimes and exact money on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import exc, select
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.models import Tariff, Tenant

BERLIN_SUMMER = timezone(timedelta(hours=2))


class TestUTCDateTime:
    async def test_comes_back_aware_in_utc(self, session: AsyncSession, tenant: Tenant) -> None:
        tariff = Tariff(
            tenant_id=tenant.id,
            currency="EUR",
            valid_from=datetime(2026, 7, 1, 14, 0, tzinfo=BERLIN_SUMMER),
        )
        session.add(tariff)
        await session.flush()
        session.expunge_all()
        loaded = (await session.scalars(select(Tariff))).one()
        assert loaded.valid_from == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        assert loaded.valid_from is not None
        assert loaded.valid_from.utcoffset() == timedelta(0)
        assert loaded.created_at.tzinfo is not None

    async def test_comparisons_happen_in_utc(self, session: AsyncSession, tenant: Tenant) -> None:
        session.add(
            Tariff(
                tenant_id=tenant.id, currency="EUR", valid_from=datetime(2026, 7, 1, 12, tzinfo=UTC)
            )
        )
        await session.flush()
        before = datetime(2026, 7, 1, 13, 30, tzinfo=BERLIN_SUMMER)  # 11:30 UTC
        found = await session.scalars(select(Tariff).where(Tariff.valid_from > before))
        assert len(found.all()) == 1

    async def test_naive_datetimes_are_refused(self, session: AsyncSession, tenant: Tenant) -> None:
        session.add(Tariff(tenant_id=tenant.id, currency="EUR", valid_from=datetime(2026, 1, 1)))  # noqa: DTZ001
        with pytest.raises(exc.StatementError, match="naive datetime"):
            await session.flush()


class TestMoney:
    async def test_exact_round_trip(self, session: AsyncSession, tenant: Tenant) -> None:
        price = Decimal("0.123457")
        session.add(
            Tariff(
                tenant_id=tenant.id, currency="EUR", price_per_kwh=price, tax_rate=Decimal("0.19")
            )
        )
        await session.flush()
        session.expunge_all()
        loaded = (await session.scalars(select(Tariff))).one()
        assert (loaded.price_per_kwh, loaded.tax_rate, loaded.price_per_session) == (
            price,
            Decimal("0.19"),
            Decimal(0),
        )
        assert isinstance(loaded.price_per_kwh, Decimal)

    async def test_floats_are_refused(self, session: AsyncSession, tenant: Tenant) -> None:
        session.add(Tariff(tenant_id=tenant.id, currency="EUR", price_per_kwh=0.1))
        with pytest.raises(exc.StatementError, match="Decimal"):
            await session.flush()
