"""REST bodies of the API key endpoints; the secret appears only in ``ApiKeyCreated``."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from citrine_data.models import ApiKey
from citrine_modules.rest import ApiModel, Scope


class ApiKeyIn(ApiModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@:-]+( [\w.@:-]+)*$")
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    tenant_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The key's tenant; default: the caller's (a platform operator's: default)",
    )
    platform: bool = Field(
        default=False,
        description="A platform operator's key, for every tenant (only platform admins)",
    )
    expires_at: AwareDatetime | None = None


class ApiKeyOut(ApiModel):
    id: int
    name: str
    tenant_id: str | None
    key_prefix: str = Field(description="The key's first characters, to tell keys apart")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyOut:
        return cls.model_validate(row)


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The whole key: shown now and never again")
