"""Station passwords and API keys; this layer stores hashes and never sees a secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

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
    async def create(
        self,
        tenant_id: str,
        *,
        name: str,
        key_prefix: str,
        key_hash: str,
        scopes: Sequence[str],
        expires_at: datetime | None = None,
    ) -> ApiKey:
        """``Conflict`` when the tenant already has a key of that name."""
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

    async def mark_used(self, api_key_pk: int, at: datetime) -> None:
        await self._execute_dml(
            update(ApiKey).where(ApiKey.id == api_key_pk).values(last_used_at=at),
            synchronize=False,
        )

    async def revoke(self, tenant_id: str, name: str, at: datetime) -> bool:
        statement = (
            update(ApiKey)
            .where(ApiKey.tenant_id == tenant_id, ApiKey.name == name, ApiKey.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return await self._execute_dml(statement) > 0

    async def list(self, tenant_id: str) -> list[ApiKey]:
        statement = select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.name)
        return await self._get_all(statement)
