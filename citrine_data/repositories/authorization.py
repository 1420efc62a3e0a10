"""Id tokens (tenant-scoped) and the local authorization list of each station."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from citrine_data.errors import IntegrityViolation
from citrine_data.models.authorization import IdToken, LocalListEntry, LocalListVersion
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenInfo:
    """IdTokenInfo as the CSMS keeps it for a token."""

    status: str = "Accepted"
    cache_expiry_at: datetime | None = None
    charging_priority: int | None = None
    language1: str | None = None
    language2: str | None = None
    personal_message: dict[str, Any] | None = None
    group_id_token_pk: int | None = None
    allowed_evse_ids: list[int] | None = None
    is_master_pass: bool = False
    additional_info: list[dict[str, Any]] | None = None


class IdTokenRepository(Repository):
    async def get(self, tenant_id: str, id_token: str, type: str) -> IdToken | None:
        statement = select(IdToken).where(
            IdToken.tenant_id == tenant_id, IdToken.id_token == id_token, IdToken.type == type
        )
        return await self._get_one_or_none(statement)

    async def get_with_group(self, tenant_id: str, id_token: str, type: str) -> IdToken | None:
        statement = (
            select(IdToken)
            .where(
                IdToken.tenant_id == tenant_id, IdToken.id_token == id_token, IdToken.type == type
            )
            .options(selectinload(IdToken.group))
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
        values = {"tenant_id": tenant_id, "id_token": id_token, "type": type, **asdict(info)}
        return await self._upsert(IdToken, values, key=["tenant_id", "id_token", "type"])

    async def delete(self, tenant_id: str, id_token: str, type: str) -> bool:
        statement = delete(IdToken).where(
            IdToken.tenant_id == tenant_id, IdToken.id_token == id_token, IdToken.type == type
        )
        return await self._execute_dml(statement) > 0

    async def list(
        self, tenant_id: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[IdToken]:
        statement = (
            select(IdToken)
            .where(IdToken.tenant_id == tenant_id)
            .order_by(IdToken.id_token, IdToken.type)
        )
        return await self._paginate(statement, limit=limit, offset=offset)


class LocalListRepository(Repository):
    async def get_version(self, station_pk: int) -> int | None:
        row = await self._get(LocalListVersion, station_pk)
        return None if row is None else row.version

    async def set_version(self, station_pk: int, version: int) -> None:
        await self._upsert(
            LocalListVersion, {"station_pk": station_pk, "version": version}, key=["station_pk"]
        )

    async def entries(self, station_pk: int) -> list[LocalListEntry]:
        statement = (
            select(LocalListEntry)
            .where(LocalListEntry.station_pk == station_pk)
            .order_by(LocalListEntry.id)
        )
        return await self._get_all(statement)

    async def apply_update(
        self,
        station_pk: int,
        *,
        upserts: Sequence[tuple[int, dict[str, Any]]] = (),
        removals: Sequence[int] = (),
        full: bool = False,
    ) -> None:
        """Mirror an accepted SendLocalList: (token pk, IdTokenInfo sent) pairs to add or
        update, token pks to remove; ``full`` replaces the whole list."""
        if full:
            await self._execute_dml(
                delete(LocalListEntry).where(LocalListEntry.station_pk == station_pk)
            )
        if removals:
            await self._execute_dml(
                delete(LocalListEntry).where(
                    LocalListEntry.station_pk == station_pk,
                    LocalListEntry.id_token_pk.in_(list(removals)),
                )
            )
        for token_pk, sent in upserts:
            values = {"station_pk": station_pk, "id_token_pk": token_pk, "id_token_info": sent}
            await self._upsert(LocalListEntry, values, key=["station_pk", "id_token_pk"])
