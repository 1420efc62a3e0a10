"""Id tokens and local lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import IntegrityViolation
from citrine_data.models import ChargingStation, IdToken, Tenant
from citrine_data.repositories.authorization import (
    BATCH,
    EntryData,
    IdTokenRepository,
    LocalListRepository,
    TokenFilter,
    TokenImport,
    TokenInfo,
)
from citrine_data.repositories.tenant import TenantRepository
from tests.data.conftest import SqlTrace


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

    async def test_tokens_match_case_insensitively(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        repository = IdTokenRepository(session)
        card = await repository.upsert(tenant.id, "04A2b3", "ISO14443", TokenInfo())
        found = await repository.get_with_group(tenant.id, "04a2B3", "ISO14443")
        assert found is not None
        assert (found.id, found.id_token) == (card.id, "04A2b3")
        assert await repository.get(tenant.id, "04A2B3", "ISO15693") is None
        again = await repository.upsert(tenant.id, "04a2b3", "ISO14443", TokenInfo())
        assert again.id == card.id

    async def test_a_row_added_directly_gets_its_lookup_key(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        session.add(IdToken(tenant_id=tenant.id, id_token="abc", type="Central"))
        await session.flush()
        assert await IdTokenRepository(session).get(tenant.id, "ABC", "Central") is not None

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

    async def test_token_and_group_in_one_round_trip(
        self, session: AsyncSession, tenant: Tenant, sql_trace: SqlTrace
    ) -> None:
        repository = IdTokenRepository(session)
        group = await repository.upsert(tenant.id, "FLEET", "Central", TokenInfo())
        await repository.upsert(tenant.id, "C", "Local", TokenInfo(group_id_token_pk=group.id))
        session.expunge_all()
        with sql_trace() as sent:
            card = await repository.get_with_group(tenant.id, "C", "Local")
        assert card is not None
        assert card.group is not None
        assert sent == ["SELECT"]

    async def test_list_filters(self, session: AsyncSession, tenant: Tenant) -> None:
        repository = IdTokenRepository(session)
        await repository.upsert(tenant.id, "AB1", "Central", TokenInfo(in_local_list=True))
        await repository.upsert(tenant.id, "AB2", "Central", TokenInfo(status="Blocked"))
        await repository.upsert(tenant.id, "A%", "Local", TokenInfo())

        async def ids(where: TokenFilter) -> list[str]:
            return [t.id_token for t in (await repository.list(tenant.id, where=where)).items]

        assert await ids(TokenFilter(prefix="ab")) == ["AB1", "AB2"]
        assert await ids(TokenFilter(prefix="a%")) == ["A%"]
        assert await ids(TokenFilter(status="Blocked")) == ["AB2"]
        assert await ids(TokenFilter(type="Local")) == ["A%"]
        assert await ids(TokenFilter(in_local_list=True)) == ["AB1"]
        assert [t.id_token for t in await repository.list_for_local_lists(tenant.id)] == ["AB1"]


class TestImport:
    async def test_many_tokens_in_batches_with_groups(
        self, session: AsyncSession, tenant: Tenant, sql_trace: SqlTrace
    ) -> None:
        repository = IdTokenRepository(session)
        await repository.upsert(tenant.id, "OLD", "Central", TokenInfo(status="Blocked"))
        count = 2 * BATCH + 7
        tokens = [
            TokenImport(f"T{n:05d}", "ISO14443", TokenInfo(), group=("FLEET", "Central"))
            for n in range(count)
        ]
        tokens.append(TokenImport("FLEET", "Central", TokenInfo()))  # the group comes last
        tokens.append(TokenImport("old", "Central", TokenInfo(status="Accepted")))
        with sql_trace() as sent:
            assert await repository.import_many(tenant.id, tokens) == count + 2
        # A few statements per batch, never one per token.
        assert len(sent) < 20
        session.expunge_all()
        page = await repository.list(tenant.id, limit=1)
        assert page.total == count + 2
        member = await repository.get_with_group(tenant.id, "T00999", "ISO14443")
        assert member is not None
        assert member.group is not None
        assert member.group.id_token == "FLEET"
        old = await repository.get(tenant.id, "OLD", "Central")
        assert old is not None
        assert (old.status, old.id_token) == ("Accepted", "old")

    async def test_refuses_unknown_groups_and_duplicates(
        self, session: AsyncSession, tenant: Tenant
    ) -> None:
        repository = IdTokenRepository(session)
        with pytest.raises(IntegrityViolation, match="group"):
            await repository.import_many(
                tenant.id, [TokenImport("A", "Central", TokenInfo(), group=("NOPE", "Central"))]
            )
        with pytest.raises(IntegrityViolation, match="twice"):
            await repository.import_many(
                tenant.id,
                [
                    TokenImport("A", "Central", TokenInfo()),
                    TokenImport("a", "Central", TokenInfo()),
                ],
            )
        assert (await repository.list(tenant.id)).total == 0


def entry(id_token: str, status: str = "Accepted") -> EntryData:
    data = {"idToken": {"idToken": id_token, "type": "ISO14443"}, "idTokenInfo": {"status": status}}
    return EntryData(id_token, "ISO14443", data)


class TestLocalList:
    async def test_versions_and_entries(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = LocalListRepository(session)
        assert await repository.get_version(station.id) is None
        await repository.replace_entries(station.id, [entry("A"), entry("B")])
        await repository.set_version(station.id, 1)
        await repository.apply_differential(
            station.id, upserts=[entry("A", "Blocked"), entry("C")], removals=[("b", "ISO14443")]
        )
        await repository.set_version(station.id, 2)
        assert await repository.get_version(station.id) == 2
        entries = await repository.entries(station.id)
        assert [(e.id_token, e.authorization_data["idTokenInfo"]) for e in entries] == [
            ("A", {"status": "Blocked"}),
            ("C", {"status": "Accepted"}),
        ]
        assert await repository.count_entries(station.id) == 2
        await repository.clear(station.id)
        assert await repository.entries(station.id) == []

    async def test_state_keeps_what_is_not_changed(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = LocalListRepository(session)
        at = datetime(2026, 1, 2, tzinfo=UTC)
        await repository.save_state(station.id, reported_version=4, reported_at=at)
        await repository.save_state(station.id, version=5, needs_full=True)
        state = await repository.get_state(station.id)
        assert state is not None
        assert (state.version, state.reported_version, state.reported_at, state.needs_full) == (
            5,
            4,
            at,
            True,
        )

    async def test_large_lists_are_written_in_batches(
        self, session: AsyncSession, station: ChargingStation, sql_trace: SqlTrace
    ) -> None:
        repository = LocalListRepository(session)
        many = [entry(f"T{n}") for n in range(BATCH * 2 + 1)]
        with sql_trace() as sent:
            await repository.replace_entries(station.id, many)
            await repository.apply_differential(
                station.id, removals=[(e.id_token, e.id_token_type) for e in many[: BATCH + 3]]
            )
        assert len(sent) <= 6
        assert await repository.count_entries(station.id) == BATCH - 2
