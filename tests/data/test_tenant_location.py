"""Tenants and locations."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import Conflict, IntegrityViolation, NotFound
from citrine_data.models import Tenant
from citrine_data.repositories.location import LocationData, LocationRepository
from citrine_data.repositories.tenant import TenantRepository


class TestTenantRepository:
    async def test_ensure_default_is_idempotent(self, session: AsyncSession) -> None:
        repository = TenantRepository.from_session(session)
        first = await repository.ensure_default()
        second = await repository.ensure_default()
        assert first.id == second.id == "default"
        assert [tenant.id for tenant in await repository.list()] == ["default"]

    async def test_create_twice_is_a_conflict_and_the_session_survives(
        self, session: AsyncSession
    ) -> None:
        repository = TenantRepository(session)
        await repository.create("acme", "Acme")
        with pytest.raises(Conflict):
            await repository.create("acme", "Acme again")
        assert (await repository.get_or_raise("acme")).name == "Acme"

    async def test_unknown_tenant(self, session: AsyncSession) -> None:
        repository = TenantRepository(session)
        assert await repository.get("nobody") is None
        with pytest.raises(NotFound):
            await repository.get_or_raise("nobody")


class TestLocationRepository:
    async def test_crud_and_pagination(self, session: AsyncSession, tenant: Tenant) -> None:
        repository = LocationRepository(session)
        for index in range(5):
            await repository.create(tenant.id, LocationData(name=f"Site {index}", city="Berlin"))
        page = await repository.list(tenant.id, limit=2, offset=2)
        assert [location.name for location in page.items] == ["Site 2", "Site 3"]
        assert (page.total, page.limit, page.offset) == (5, 2, 2)

        site = page.items[0]
        updated = await repository.update(
            tenant.id, site.id, LocationData(name="Depot", grid_connection_limit_amps=250.0)
        )
        assert (updated.name, updated.city, updated.grid_connection_limit_amps) == (
            "Depot",
            None,
            250.0,
        )
        assert await repository.delete(tenant.id, site.id)
        assert await repository.get(tenant.id, site.id) is None

    async def test_locations_are_tenant_scoped(self, session: AsyncSession, tenant: Tenant) -> None:
        repository = LocationRepository(session)
        other = await TenantRepository(session).create("other", "Other")
        site = await repository.create(tenant.id, LocationData(name="Depot"))
        await repository.create(other.id, LocationData(name="Depot"))  # same name, other tenant
        assert await repository.get(other.id, site.id) is None
        with pytest.raises(Conflict):
            await repository.create(tenant.id, LocationData(name="Depot"))

    async def test_unknown_tenant_is_an_integrity_violation(self, session: AsyncSession) -> None:
        with pytest.raises(IntegrityViolation):
            await LocationRepository(session).create("nobody", LocationData(name="X"))

    async def test_limit_is_capped(self, session: AsyncSession, tenant: Tenant) -> None:
        page = await LocationRepository(session).list(tenant.id, limit=10_000)
        assert page.limit == 500
        with pytest.raises(ValueError, match="limit"):
            await LocationRepository(session).list(tenant.id, limit=0)
