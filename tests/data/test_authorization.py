"""Id tokens and local lists."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import IntegrityViolation
from citrine_data.models import ChargingStation, Tenant
from citrine_data.repositories.authorization import (
    IdTokenRepository,
    LocalListRepository,
    TokenInfo,
)
from citrine_data.repositories.tenant import TenantRepository


class TestIdTokens:
    async def test_tokens_are_unique_per_tenant(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        await TenantRepository(session).create("other", "Other")
        repository = IdTokenRepository(session)
        ours = await repository.upsert(tenant.id, "04A2B3", "ISO14443", TokenInfo())
        theirs = await repository.upsert("other", "04A2B3", "ISO14443", TokenInfo(status="Blocked"))
        assert ours.id != theirs.id
        same = await repository.upsert(tenant.id, "04A2B3", "ISO14443", TokenInfo(status="Expired"))
        assert (same.id, same.status) == (ours.id, "Expired")
        assert (await repository.list(tenant.id)).total == 1

    async def test_group_token(self, session: AsyncSession, tenant: Tenant) -> None:
        await TenantRepository(session).create("other", "Other")
        repository = IdTokenRepository(session)
        group = await repository.upsert(tenant.id, "FLEET", "Central", TokenInfo())
        foreign = await repository.upsert("other", "FLEET", "Central", TokenInfo())
        await repository.upsert(
            tenant.id, "CARD", "ISO14443", TokenInfo(group_id_token_pk=group.id)
        )
        with pytest.raises(IntegrityViolation):
            await repository.upsert(
                tenant.id, "CARD2", "ISO14443", TokenInfo(group_id_token_pk=foreign.id)
            )
        session.expunge_all()
        card = await repository.get_with_group(tenant.id, "CARD", "ISO14443")
        assert card is not None
        assert card.group is not None
        assert card.group.id_token == "FLEET"


class TestLocalList:
    async def test_versions_and_entries(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        tokens = IdTokenRepository(session)
        a = await tokens.upsert(tenant.id, "A", "ISO14443", TokenInfo())
        b = await tokens.upsert(tenant.id, "B", "ISO14443", TokenInfo())
        repository = LocalListRepository(session)
        assert await repository.get_version(station.id) is None
        await repository.apply_update(
            station.id,
            upserts=[(a.id, {"status": "Accepted"}), (b.id, {"status": "Accepted"})],
            full=True,
        )
        await repository.set_version(station.id, 1)
        await repository.apply_update(
            station.id, upserts=[(a.id, {"status": "Blocked"})], removals=[b.id]
        )
        await repository.set_version(station.id, 2)
        assert await repository.get_version(station.id) == 2
        entries = await repository.entries(station.id)
        assert [(e.id_token_pk, e.id_token_info) for e in entries] == [
            (a.id, {"status": "Blocked"})
        ]
