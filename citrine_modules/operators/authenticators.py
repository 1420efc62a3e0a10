"""From a request's credentials to a ``Principal``: API keys and OIDC bearer tokens.

A credential is ``Authorization: Bearer <key or JWT>`` or ``X-API-Key: <key>``. A bearer value
with our key's shape (``ck_...``) is an API key; any other bearer value is a JWT, accepted only
when OIDC is configured. Every failure is the same 401 to the caller (the reason is logged):
an unknown, revoked and expired key are indistinguishable from outside.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

import structlog
from fastapi import Request

from citrine_base.config import OidcConfig
from citrine_data import SessionFactory, unit_of_work
from citrine_data.base import utc_now
from citrine_data.models import ApiKey
from citrine_data.repositories import ApiKeyRepository
from citrine_modules.rest import Principal, Scope, Unauthorized
from citrine_util.api_keys import UsageRecorder, hash_key, looks_like_key
from citrine_util.oidc import InvalidToken, TokenVerifier, claim_at, claim_values

log = structlog.get_logger(__name__)

API_KEY_HEADER = "x-api-key"
BAD_CREDENTIALS = "Invalid or expired credentials"


def presented_credential(request: Request) -> str | None:
    """The key or token the caller presented, if any."""
    key = request.headers.get(API_KEY_HEADER)
    if key:
        return key.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _scopes(values: Iterable[str]) -> frozenset[Scope]:
    known = {scope.value: scope for scope in Scope}
    return frozenset(known[value] for value in values if value in known)


class ApiKeyAuthenticator:
    """Finds the key by its hash; its use is recorded in memory and written in batches."""

    def __init__(self, sessions: SessionFactory, usage_interval: float) -> None:
        self._sessions = sessions
        self.usage = UsageRecorder(self._write_usage, usage_interval)

    async def principal_for(self, key: str) -> Principal:
        if not looks_like_key(key):
            raise Unauthorized(BAD_CREDENTIALS)
        digest = hash_key(key)
        now = utc_now()
        async with unit_of_work(self._sessions) as uow:
            row = await ApiKeyRepository.from_session(uow.session).get_usable_by_hash(
                digest, at=now
            )
        # The database matched on the hash already; compared again in constant time so the
        # decision never rests on a collation or a case-insensitive index.
        if row is None or not hmac.compare_digest(row.key_hash, digest):
            log.info("rest.auth_refused", reason="unknown, revoked or expired key")
            raise Unauthorized(BAD_CREDENTIALS)
        self.usage.record(row.id, now)
        return self._principal(row)

    @staticmethod
    def _principal(row: ApiKey) -> Principal:
        return Principal(
            name=f"api-key:{row.key_prefix}:{row.name}",
            tenant_id=row.tenant_id,
            scopes=_scopes(row.scopes),
        )

    async def _write_usage(self, used: Mapping[int, datetime]) -> None:
        async with unit_of_work(self._sessions) as uow:
            await ApiKeyRepository.from_session(uow.session).mark_many_used(used)


class OidcAuthenticator:
    """A verified JWT's scopes and tenant, read from the configured claims."""

    def __init__(self, config: OidcConfig, verifier: TokenVerifier | None = None) -> None:
        self.config = config
        self.verifier = verifier or TokenVerifier(config)

    async def principal_for(self, token: str) -> Principal:
        try:
            claims = await self.verifier.verify(token)
        except InvalidToken as exc:
            log.info("rest.auth_refused", reason=str(exc))
            raise Unauthorized(BAD_CREDENTIALS) from exc
        tenant = claim_at(claims, self.config.tenant_claim)
        if not isinstance(tenant, str) or not tenant:
            log.info("rest.auth_refused", reason="token without tenant claim")
            raise Unauthorized(BAD_CREDENTIALS)
        mapped = [
            self.config.scope_map[value]
            for value in claim_values(claim_at(claims, self.config.scope_claim))
            if value in self.config.scope_map
        ]
        platform = self.config.platform_tenant is not None and tenant == self.config.platform_tenant
        return Principal(
            name=f"oidc:{claims.get('sub', '?')}",
            tenant_id=None if platform else tenant,
            scopes=_scopes(mapped),
        )


class CredentialAuthenticator:
    """The ``Authenticator`` of a server with credentials: keys, OIDC tokens, and for a
    request without any, ``anonymous`` (the local operator, when allowed) or a 401."""

    def __init__(
        self,
        keys: ApiKeyAuthenticator,
        oidc: OidcAuthenticator | None = None,
        anonymous: Callable[[], Awaitable[Principal | None]] | None = None,
    ) -> None:
        self.keys = keys
        self.oidc = oidc
        self._anonymous = anonymous

    async def aclose(self) -> None:
        if self.oidc is not None:
            await self.oidc.verifier.jwks.aclose()

    async def authenticate(self, request: Request) -> Principal:
        credential = presented_credential(request)
        if credential is None:
            local = await self._anonymous() if self._anonymous is not None else None
            if local is None:
                raise Unauthorized("Credentials needed: an API key or a bearer token")
            return local
        if looks_like_key(credential) or self.oidc is None:
            return await self.keys.principal_for(credential)
        return await self.oidc.principal_for(credential)
