"""Id tokens (tenant-scoped) and the local authorization list of each station.

Tokens are matched case-insensitively (``lookup_key``, see ``models/authorization.py``); the
value is kept as issued. Bulk writes go in batches of rows whose bound parameters stay well
below both backends' limits (SQLite 32766, asyncpg 32767).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, tuple_, update
from sqlalchemy.orm import joinedload

from citrine_data.base import utc_now
from citrine_data.errors import IntegrityViolation, translate_errors
from citrine_data.models.authorization import (
    IdToken,
    LocalListEntry,
    LocalListVersion,
    token_lookup_key,
)
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

BATCH = 500
"""Rows per bulk statement: at most ~20 parameters each."""

TokenKey = tuple[str, str]
"""(lookup key, type) of a token: what identifies it within a tenant."""


def token_key(id_token: str, type: str) -> TokenKey:
    return token_lookup_key(id_token), type


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenInfo:
    """IdTokenInfo as the CSMS keeps it for a token, and where the token may be used."""

    status: str = "Accepted"
    cache_expiry_at: datetime | None = None
    charging_priority: int | None = None
    language1: str | None = None
    language2: str | None = None
    personal_message: dict[str, Any] | None = None
    group_id_token_pk: int | None = None
    allowed_station_ids: list[str] | None = None
    allowed_location_ids: list[int] | None = None
    allowed_evse_ids: list[int] | None = None
    allowed_connector_types: list[str] | None = None
    is_master_pass: bool = False
    allow_concurrent_tx: bool = False
    in_local_list: bool = False
    additional_info: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class TokenImport:
    """One token of a bulk import; ``group`` names its group token as (id token, type)."""

    id_token: str
    type: str
    info: TokenInfo
    group: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class TokenFilter:
    status: str | None = None
    type: str | None = None
    in_local_list: bool | None = None
    prefix: str | None = None  # matches the start of the token, case insensitively


class IdTokenRepository(Repository):
    async def get(self, tenant_id: str, id_token: str, type: str) -> IdToken | None:
        statement = select(IdToken).where(*_match(tenant_id, id_token, type))
        return await self._get_one_or_none(statement)

    async def get_with_group(self, tenant_id: str, id_token: str, type: str) -> IdToken | None:
        """The token with its group token, in one round trip (the Authorize hot path)."""
        statement = (
            select(IdToken)
            .where(*_match(tenant_id, id_token, type))
            .options(joinedload(IdToken.group))
        )
        return await self._get_one_or_none(statement)

    async def upsert(self, tenant_id: str, id_token: str, type: str, info: TokenInfo) -> IdToken:
        """Create or replace the token's info. The group token must be of the same tenant."""
        if info.group_id_token_pk is not None:
            group = await self._get(IdToken, info.group_id_token_pk)
            if group is None or group.tenant_id != tenant_id:
                raise IntegrityViolation(
                    f"group token {info.group_id_token_pk} not in {tenant_id!r}"
                )
        values = _values(tenant_id, id_token, type, info)
        return await self._upsert(IdToken, values, key=["tenant_id", "lookup_key", "type"])

    async def delete(self, tenant_id: str, id_token: str, type: str) -> bool:
        statement = delete(IdToken).where(*_match(tenant_id, id_token, type))
        return await self._execute_dml(statement) > 0

    async def list_for_local_lists(self, tenant_id: str) -> list[IdToken]:
        """Every token of the tenant meant for local lists, with its group."""
        statement = (
            select(IdToken)
            .where(IdToken.tenant_id == tenant_id, IdToken.in_local_list.is_(True))
            .options(joinedload(IdToken.group))
            .order_by(IdToken.lookup_key, IdToken.type)
        )
        return await self._get_all(statement)

    async def find_pks(self, tenant_id: str, keys: Iterable[TokenKey]) -> dict[TokenKey, int]:
        """Our row ids of the tokens named by ``keys`` that exist, in batches."""
        wanted = list(dict.fromkeys(keys))
        found: dict[TokenKey, int] = {}
        pair = tuple_(IdToken.lookup_key, IdToken.type)
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            statement = select(IdToken.id, IdToken.lookup_key, IdToken.type).where(
                IdToken.tenant_id == tenant_id, pair.in_(chunk)
            )
            with translate_errors():
                rows = (await self.session.execute(statement)).all()
            found.update({(row[1], row[2]): row[0] for row in rows})
        return found

    async def import_many(self, tenant_id: str, tokens: Sequence[TokenImport]) -> int:
        """Create or replace many tokens in a few statements; returns how many were written.

        Keys must be unique within ``tokens`` and every group must exist, in the database or
        among ``tokens`` (``IntegrityViolation`` otherwise, nothing written). Groups are set
        in a second pass, so a group may come after its members.
        """
        keys = [token_key(item.id_token, item.type) for item in tokens]
        if len(set(keys)) != len(keys):
            raise IntegrityViolation("the same token appears twice in one import")
        groups = {token_key(*item.group) for item in tokens if item.group is not None}
        known = await self.find_pks(tenant_id, groups - set(keys))
        missing = groups - set(keys) - set(known)
        if missing:
            raise IntegrityViolation(f"unknown group token(s): {sorted(missing)[:5]}")
        if tokens:
            await self._upsert_chunk(tenant_id, tokens)
        await self._set_groups(tenant_id, tokens)
        return len(tokens)

    async def _upsert_chunk(self, tenant_id: str, tokens: Sequence[TokenImport]) -> None:
        rows = [
            _values(tenant_id, item.id_token, item.type, item.info, with_times=True)
            for item in tokens
        ]
        key = ("tenant_id", "lookup_key", "type", "created_at")
        await self._upsert_many(IdToken, rows, ["tenant_id", "lookup_key", "type"], key)

    async def _set_groups(self, tenant_id: str, tokens: Sequence[TokenImport]) -> None:
        members = {
            token_key(item.id_token, item.type): token_key(*item.group)
            for item in tokens
            if item.group is not None
        }
        if not members:
            return
        pks = await self.find_pks(tenant_id, [*members, *members.values()])
        assignments = {pks[member]: pks[group] for member, group in members.items()}
        ids = list(assignments)
        for start in range(0, len(ids), BATCH):
            chunk = {pk: assignments[pk] for pk in ids[start : start + BATCH]}
            await self._execute_dml(
                update(IdToken)
                .where(IdToken.id.in_(list(chunk)))
                .values(group_id_token_pk=case(chunk, value=IdToken.id)),
                synchronize=False,
            )

    async def list(
        self,
        tenant_id: str,
        *,
        where: TokenFilter | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[IdToken]:
        statement = select(IdToken).where(IdToken.tenant_id == tenant_id)
        where = where or TokenFilter()
        if where.status is not None:
            statement = statement.where(IdToken.status == where.status)
        if where.type is not None:
            statement = statement.where(IdToken.type == where.type)
        if where.in_local_list is not None:
            statement = statement.where(IdToken.in_local_list.is_(where.in_local_list))
        if where.prefix:
            statement = statement.where(
                IdToken.lookup_key.startswith(token_lookup_key(where.prefix), autoescape=True)
            )
        statement = statement.options(joinedload(IdToken.group)).order_by(
            IdToken.lookup_key, IdToken.type
        )
        return await self._paginate(statement, limit=limit, offset=offset)


_INFO_FIELDS = tuple(field.name for field in fields(TokenInfo))


def _match(tenant_id: str, id_token: str, type: str) -> list[Any]:
    return [
        IdToken.tenant_id == tenant_id,
        IdToken.lookup_key == token_lookup_key(id_token),
        IdToken.type == type,
    ]


def _values(
    tenant_id: str, id_token: str, type: str, info: TokenInfo, *, with_times: bool = False
) -> dict[str, Any]:
    values = {
        "tenant_id": tenant_id,
        "id_token": id_token,
        "lookup_key": token_lookup_key(id_token),
        "type": type,
        # Not asdict(): it deep-copies every list, which dominates a large import.
        **{name: getattr(info, name) for name in _INFO_FIELDS},
    }
    if with_times:  # set explicitly: every row of a multi-row INSERT has the same columns
        now = utc_now()
        values["created_at"] = values["updated_at"] = now
    return values


@dataclass(frozen=True, slots=True)
class EntryData:
    """A local list entry as sent: the AuthorizationData in its wire form."""

    id_token: str
    id_token_type: str
    authorization_data: dict[str, Any]


class LocalListRepository(Repository):
    async def get_state(self, station_pk: int) -> LocalListVersion | None:
        return await self._get(LocalListVersion, station_pk)

    async def get_version(self, station_pk: int) -> int | None:
        row = await self.get_state(station_pk)
        return None if row is None else row.version

    async def set_version(self, station_pk: int, version: int) -> None:
        await self.save_state(station_pk, version=version)

    async def save_state(self, station_pk: int, **fields: Any) -> LocalListVersion:
        """Create or update the station's list state with ``fields`` (``version`` needed on
        creation: 0 when unknown)."""
        values = {"station_pk": station_pk, **fields}
        values.setdefault("version", 0)
        update_columns = list(fields) or ["version"]
        return await self._upsert(
            LocalListVersion, values, key=["station_pk"], update=update_columns
        )

    async def entries(self, station_pk: int) -> list[LocalListEntry]:
        statement = (
            select(LocalListEntry)
            .where(LocalListEntry.station_pk == station_pk)
            .order_by(LocalListEntry.lookup_key, LocalListEntry.id_token_type)
        )
        return await self._get_all(statement)

    async def entries_page(
        self, station_pk: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[LocalListEntry]:
        statement = (
            select(LocalListEntry)
            .where(LocalListEntry.station_pk == station_pk)
            .order_by(LocalListEntry.lookup_key, LocalListEntry.id_token_type)
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def count_entries(self, station_pk: int) -> int:
        statement = select(func.count()).where(LocalListEntry.station_pk == station_pk)
        with translate_errors():
            total: int = (await self.session.execute(statement)).scalar_one()
        return total

    async def replace_entries(self, station_pk: int, entries: Sequence[EntryData]) -> None:
        """The station's list is now exactly ``entries`` (an accepted Full update)."""
        await self._execute_dml(
            delete(LocalListEntry).where(LocalListEntry.station_pk == station_pk),
            synchronize=False,
        )
        await self._upsert_entries(station_pk, entries)

    async def apply_differential(
        self,
        station_pk: int,
        *,
        upserts: Sequence[EntryData] = (),
        removals: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Mirror an accepted Differential update: entries to add or replace, and
        (id token, type) pairs to remove."""
        keys = [token_key(id_token, type) for id_token, type in removals]
        pair = tuple_(LocalListEntry.lookup_key, LocalListEntry.id_token_type)
        for start in range(0, len(keys), BATCH):
            await self._execute_dml(
                delete(LocalListEntry).where(
                    LocalListEntry.station_pk == station_pk,
                    pair.in_(keys[start : start + BATCH]),
                ),
                synchronize=False,
            )
        await self._upsert_entries(station_pk, upserts)

    async def clear(self, station_pk: int) -> None:
        await self.replace_entries(station_pk, [])

    async def _upsert_entries(self, station_pk: int, entries: Sequence[EntryData]) -> None:
        if not entries:
            return
        now = utc_now()
        rows = [
            {
                "station_pk": station_pk,
                "id_token": entry.id_token,
                "id_token_type": entry.id_token_type,
                "lookup_key": token_lookup_key(entry.id_token),
                "authorization_data": entry.authorization_data,
                "created_at": now,
                "updated_at": now,
            }
            for entry in entries
        ]
        key = ["station_pk", "lookup_key", "id_token_type"]
        await self._upsert_many(LocalListEntry, rows, key, (*key, "created_at"))
