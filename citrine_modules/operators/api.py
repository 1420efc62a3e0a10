"""REST: API keys, for admins. The key itself is in the answer to its creation only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from citrine_modules.operators.keys import keys
from citrine_modules.operators.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyOut
from citrine_modules.rest import Admin, Forbidden, Uow

router = APIRouter(tags=["api keys"])

KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(body: ApiKeyIn, principal: Admin, uow: Uow) -> ApiKeyCreated:
    """A new key; store the returned ``key`` now, it is not shown again."""
    if body.platform and body.tenant_id is not None:
        raise Forbidden("A platform key has no tenant")
    tenant = None if body.platform else principal.tenant_for(body.tenant_id)
    issued = await keys.create(
        uow.session,
        principal,
        tenant_id=tenant,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    out = ApiKeyOut.of(issued.row)
    return ApiKeyCreated(**out.model_dump(), key=issued.secret)


@router.get("/api-keys", response_model=list[ApiKeyOut])
async def list_api_keys(principal: Admin, uow: Uow) -> list[ApiKeyOut]:
    """The caller's tenant's keys (a platform operator: every key), without secrets."""
    return [ApiKeyOut.of(row) for row in await keys.list(uow.session, principal)]


@router.get("/api-keys/{key_id}", response_model=ApiKeyOut)
async def get_api_key(key_id: KeyId, principal: Admin, uow: Uow) -> ApiKeyOut:
    return ApiKeyOut.of(await keys.get_or_raise(uow.session, principal, key_id))


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
async def revoke_api_key(key_id: KeyId, principal: Admin, uow: Uow) -> ApiKeyOut:
    """Revoke a key: refused from the next request on (in every process)."""
    return ApiKeyOut.of(await keys.revoke(uow.session, principal, key_id))
