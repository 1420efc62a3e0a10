"""Asking someone else about a token the CSMS does not know: the roaming hook.

A charging network accepts the cards of partner eMSPs. Their tokens are either pushed here
(then they are ordinary rows) or authorized in real time: the CSMS asks the partner, through
an ``ExternalAuthorizer``. The HTTP one POSTs the question to a configured URL and reads an
OCPP ``IdTokenInfo`` back (``citrine_base.config.ExternalAuthorizerConfig``).

Answers are kept in the cache for a short while, so the Authorize and the TransactionEvent
that follows it ask once. A partner that is down, slow or answers nonsense costs at most its
timeout, is logged, and the token stays Unknown: a failure never turns into an acceptance.
KeyCode tokens (PINs) are never sent, and never logged (C04.FR.04).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
import orjson
import structlog
from pydantic import ValidationError

from citrine_base.config import ExternalAuthorizerConfig
from citrine_base.interfaces.cache import Cache, CacheError
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes
from citrine_data.models.authorization import token_lookup_key

log = structlog.get_logger(__name__)

UNKNOWN = "unknown"
"""What the cache holds for a token the partner does not know either."""


@dataclass(frozen=True, slots=True)
class ExternalQuery:
    station: StationKey
    id_token: datatypes.IdToken
    evse_id: int | None = None


class ExternalAuthorizer(Protocol):
    async def authorize(self, query: ExternalQuery) -> datatypes.IdTokenInfo | None:
        """The partner's IdTokenInfo for the token, None when nobody knows it."""
        ...

    async def aclose(self) -> None: ...


class HttpExternalAuthorizer:
    def __init__(
        self,
        config: ExternalAuthorizerConfig,
        cache: Cache,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._config = config
        self._cache = cache
        headers = {"content-type": "application/json"}
        if config.bearer_token:
            headers["authorization"] = f"Bearer {config.bearer_token}"
        self._client = client or httpx.AsyncClient(timeout=config.timeout, headers=headers)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def authorize(self, query: ExternalQuery) -> datatypes.IdTokenInfo | None:
        token = query.id_token
        if token.type.value not in self._config.token_types:
            return None
        lookup = token_lookup_key(token.id_token)
        key = f"evdriver:external:{query.station.tenant_id}:{token.type.value}:{lookup}"
        cached = await self._cached(key)
        if cached is not None:
            return None if cached == UNKNOWN else _parse(cached.encode())
        answer = await self._ask(query)
        if answer is None:
            return None
        text, info = answer
        await self._remember(key, text)
        return info

    async def _ask(self, query: ExternalQuery) -> tuple[str, datatypes.IdTokenInfo | None] | None:
        body: dict[str, object] = {
            "tenantId": query.station.tenant_id,
            "stationId": query.station.station_id,
            "idToken": query.id_token.to_wire(),
        }
        if query.evse_id is not None:
            body["evseId"] = query.evse_id
        try:
            response = await self._client.post(self._config.url, content=orjson.dumps(body))
        except httpx.HTTPError as exc:
            log.warning("authorizer.unreachable", url=self._config.url, error=type(exc).__name__)
            return None
        if response.status_code == 404:
            return UNKNOWN, None
        info = _parse(response.content) if response.status_code == 200 else None
        if info is None:
            log.warning("authorizer.bad_answer", url=self._config.url, status=response.status_code)
            return None
        return response.text, info

    async def _cached(self, key: str) -> str | None:
        if self._config.cache_seconds <= 0:
            return None
        try:
            return await self._cache.get(key)
        except CacheError:
            return None

    async def _remember(self, key: str, text: str) -> None:
        if self._config.cache_seconds <= 0:
            return
        try:
            await self._cache.set(key, text, self._config.cache_seconds)
        except CacheError:
            log.warning("authorizer.cache_failed")


def _parse(content: bytes) -> datatypes.IdTokenInfo | None:
    try:
        return datatypes.IdTokenInfo.model_validate_json(content)
    except ValidationError:
        return None
