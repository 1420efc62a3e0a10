"""Station passwords and API keys; this layer stores hashes and never sees a secret."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update

from citrine_base.interfaces.envelope import StationKey
from citrine_data.errors import translate_errors
from citrine_data.models.credentials import ApiKey, StationCredential
from citrine_data.models.station import ChargingStation
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class StationAuthRecord:
    """What the handshake needs to authenticate a known station."""

    station_pk: int
    minimum_security_profile: int
    password_hash: str | None
    previous_hash: str | None


class StationCredentialRepository(Repository):
    async def get(self, station_pk: int) -> StationCredential | None:
        return await self._get(StationCredential, station_pk)

    async def auth_record(self, key: StationKey) -> StationAuthRecord | None:
        """The station's minimum profile and password hashes; None for an unknown station."""
        statement = (
            select(
                ChargingStation.id,
                ChargingStation.minimum_security_profile,
                StationCredential.password_hash,
                StationCredential.previous_hash,
            )
            .outerjoin(StationCredential, StationCredential.station_pk == ChargingStation.id)
            .where(
                ChargingStation.tenant_id == key.tenant_id,
                ChargingStation.station_id == key.station_id,
            )
        )
        with translate_errors():
            row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else StationAuthRecord(*row)

    async def raise_minimum_profile(self, station_pk: int, profile: int) -> bool:
        """Raise the station's minimum security profile to ``profile``, never lower it; True
        when it was raised."""
        statement = (
            update(ChargingStation)
            .where(
                ChargingStation.id == station_pk,
                ChargingStation.minimum_security_profile < profile,
            )
            .values(minimum_security_profile=profile)
        )
        return await self._execute_dml(statement) > 0

    async def replace_password_hash(self, station_pk: int, password_hash: str) -> None:
        """Set the hash and drop any previous one (an operator set the password on both sides)."""
        values = {"station_pk": station_pk, "password_hash": password_hash, "previous_hash": None}
        await self._upsert(StationCredential, values, key=["station_pk"])

    async def set_password_hash(self, station_pk: int, password_hash: str) -> StationCredential:
        """Set a new hash; the current one stays valid as ``previous_hash`` until
        ``forget_previous`` (the station may still use it until the change is confirmed)."""
        current = await self.get(station_pk)
        previous = None if current is None else current.password_hash
        values = {
            "station_pk": station_pk,
            "password_hash": password_hash,
            "previous_hash": previous,
        }
        return await self._upsert(StationCredential, values, key=["station_pk"])

    async def forget_previous(self, station_pk: int) -> None:
        await self._execute_dml(
            update(StationCredential)
            .where(StationCredential.station_pk == station_pk)
            .values(previous_hash=None)
        )


class ApiKeyRepository(Repository):
    """Keys are found by the hash of the whole key (the hash is unique and indexed), so a
    lookup never compares secrets; ``tenant_id`` None is a platform operator's key."""

    async def create(
        self,
        tenant_id: str | None,
        *,
        name: str,
        key_prefix: str,
        key_hash: str,
        scopes: Sequence[str],
        expires_at: datetime | None = None,
    ) -> ApiKey:
        """``Conflict`` when the tenant (or the platform) already has a key of that name."""
        api_key = ApiKey(
            tenant_id=tenant_id,
            name=name,
            key_prefix=key_prefix,
            key_hash=key_hash,
            scopes=list(scopes),
            expires_at=expires_at,
        )
        return await self._add(api_key)

    async def get_usable_by_hash(self, key_hash: str, *, at: datetime) -> ApiKey | None:
        """The key with this hash if it is neither revoked nor expired at ``at``."""
        statement = select(ApiKey).where(
            ApiKey.key_hash == key_hash,
            ApiKey.revoked_at.is_(None),
            (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > at),
        )
        return await self._get_one_or_none(statement)

    async def get(self, api_key_pk: int) -> ApiKey | None:
        return await self._get(ApiKey, api_key_pk)

    async def any_exists(self) -> bool:
        """Whether any key was ever created (revoked ones count: the API stays closed)."""
        return await self._get_one_or_none(select(ApiKey).limit(1)) is not None

    async def mark_used(self, api_key_pk: int, at: datetime) -> None:
        await self._execute_dml(
            update(ApiKey).where(ApiKey.id == api_key_pk).values(last_used_at=at),
            synchronize=False,
        )

    async def mark_many_used(self, used: Mapping[int, datetime]) -> None:
        """Batched ``last_used_at`` writes: one UPDATE per key, in the caller's transaction."""
        for api_key_pk, at in sorted(used.items()):
            await self.mark_used(api_key_pk, at)

    async def revoke(self, tenant_id: str | None, name: str, at: datetime) -> bool:
        statement = (
            update(ApiKey)
            .where(_owned_by(tenant_id), ApiKey.name == name, ApiKey.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return await self._execute_dml(statement) > 0

    async def revoke_by_id(self, api_key_pk: int, at: datetime) -> bool:
        statement = (
            update(ApiKey)
            .where(ApiKey.id == api_key_pk, ApiKey.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return await self._execute_dml(statement) > 0

    async def list(self, tenant_id: str | None) -> list[ApiKey]:
        """The keys of one tenant, or the platform's own keys for None."""
        statement = select(ApiKey).where(_owned_by(tenant_id)).order_by(ApiKey.name)
        return await self._get_all(statement)

    async def list_all(self) -> Sequence[ApiKey]:
        statement = select(ApiKey).order_by(ApiKey.tenant_id, ApiKey.name)
        return await self._get_all(statement)


def _owned_by(tenant_id: str | None) -> ColumnElement[bool]:
    if tenant_id is None:
        return ApiKey.tenant_id.is_(None)
    return ApiKey.tenant_id == tenant_id
