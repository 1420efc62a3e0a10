"""Tenants."""

from __future__ import annotations

from sqlalchemy import select

from citrine_base.interfaces.envelope import DEFAULT_TENANT
from citrine_data.base import utc_now
from citrine_data.errors import NotFound, translate_errors
from citrine_data.models.tenant import Tenant
from citrine_data.repositories.base import Repository


class TenantRepository(Repository):
    async def get(self, tenant_id: str) -> Tenant | None:
        return await self._get(Tenant, tenant_id)

    async def get_or_raise(self, tenant_id: str) -> Tenant:
        tenant = await self.get(tenant_id)
        if tenant is None:
            raise NotFound(f"unknown tenant {tenant_id!r}")
        return tenant

    async def create(self, tenant_id: str, name: str) -> Tenant:
        """Raises ``Conflict`` when the id is taken."""
        return await self._add(Tenant(id=tenant_id, name=name))

    async def list(self) -> list[Tenant]:
        return await self._get_all(select(Tenant).order_by(Tenant.id))

    async def ensure(self, tenant_id: str, name: str) -> Tenant:
        """The tenant, created if missing; safe when several processes start at once."""
        now = utc_now()
        statement = (
            self._insert(Tenant)
            .values(id=tenant_id, name=name, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        with translate_errors():
            await self.session.execute(statement)
        return await self.get_or_raise(tenant_id)

    async def ensure_default(self) -> Tenant:
        return await self.ensure(DEFAULT_TENANT, "Default")
