"""Keys for tests, made straight in a live server's database (any scopes, any expiry)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from citrine_data import unit_of_work
from citrine_data.repositories import ApiKeyRepository, TenantRepository
from citrine_util.api_keys import generate_key
from tests.live import LiveServer


async def make_key(
    server: LiveServer,
    *,
    tenant: str | None = "default",
    scopes: Sequence[str] = ("admin",),
    expires_at: datetime | None = None,
) -> str:
    new = generate_key()
    async with unit_of_work(server.runtime.sessions) as uow:
        if tenant is not None:
            await TenantRepository.from_session(uow.session).ensure(tenant, tenant.capitalize())
        await ApiKeyRepository.from_session(uow.session).create(
            tenant,
            name=new.prefix,
            key_prefix=new.prefix,
            key_hash=new.hash,
            scopes=list(scopes),
            expires_at=expires_at,
        )
    return new.secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
