"""The rules of API keys: who may create which, and the secret shown exactly once.

A caller may only hand out what it holds: scopes it has, for its own tenant. Only a platform
operator (a key without tenant) with the admin scope creates keys for other tenants or
platform keys (``tenant_id`` None). A tenant's admin sees and revokes its tenant's keys only;
any other key is "not found" (404), like every other resource of another tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from citrine_data import Session
from citrine_data.base import utc_now
from citrine_data.models import ApiKey
from citrine_data.repositories import ApiKeyRepository, TenantRepository
from citrine_modules.rest import Forbidden, NotFoundError, Principal, Scope, Unprocessable
from citrine_util.api_keys import generate_key


@dataclass(frozen=True, slots=True)
class IssuedKey:
    row: ApiKey
    secret: str  # the whole key: returned once, never stored


def _check_grant(creator: Principal, tenant_id: str | None, scopes: Iterable[Scope]) -> None:
    if creator.tenant_id is not None and tenant_id != creator.tenant_id:
        if tenant_id is None:
            raise Forbidden("Only a platform operator creates platform keys")
        raise NotFoundError(f"Unknown tenant {tenant_id}")
    missing = [scope.value for scope in scopes if not creator.allows(scope)]
    if missing:
        raise Forbidden(f"A key cannot be given scopes its creator lacks: {missing}")


class ApiKeyService:
    async def create(
        self,
        session: Session,
        creator: Principal,
        *,
        tenant_id: str | None,
        name: str,
        scopes: Iterable[Scope],
        expires_at: datetime | None = None,
    ) -> IssuedKey:
        granted = sorted(set(scopes), key=list(Scope).index)
        if not granted:
            raise Unprocessable("A key needs at least one scope")
        _check_grant(creator, tenant_id, granted)
        if expires_at is not None and expires_at <= utc_now():
            raise Unprocessable("expiresAt is in the past")
        if (
            tenant_id is not None
            and await TenantRepository.from_session(session).get(tenant_id) is None
        ):
            raise NotFoundError(f"Unknown tenant {tenant_id}")
        new = generate_key()
        row = await ApiKeyRepository.from_session(session).create(
            tenant_id,
            name=name,
            key_prefix=new.prefix,
            key_hash=new.hash,
            scopes=[scope.value for scope in granted],
            expires_at=expires_at,
        )
        return IssuedKey(row=row, secret=new.secret)

    async def list(self, session: Session, caller: Principal) -> Sequence[ApiKey]:
        repository = ApiKeyRepository.from_session(session)
        if caller.tenant_id is None:
            return await repository.list_all()
        return await repository.list(caller.tenant_id)

    async def get_or_raise(self, session: Session, caller: Principal, key_id: int) -> ApiKey:
        row = await ApiKeyRepository.from_session(session).get(key_id)
        if row is None or caller.tenant_id not in (None, row.tenant_id):
            raise NotFoundError(f"No API key {key_id}")
        return row

    async def revoke(self, session: Session, caller: Principal, key_id: int) -> ApiKey:
        row = await self.get_or_raise(session, caller, key_id)
        if row.revoked_at is None:
            await ApiKeyRepository.from_session(session).revoke_by_id(row.id, utc_now())
        return row


keys = ApiKeyService()
