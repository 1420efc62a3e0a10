"""OpenID Connect access tokens: JWTs verified against the provider's published keys.

``JwksCache`` fetches the provider's JWKS with httpx and keeps it for ``cache_seconds``; a
token naming a key id it does not hold triggers a refetch (the provider rotated its keys), at
most once per ``min_refresh_seconds`` so that tokens with made-up key ids cannot make us hammer
the provider. ``TokenVerifier`` checks signature, issuer, audience, expiry and not-before, and
returns the claims; it raises ``InvalidToken`` for anything else, with a reason for the logs.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

from citrine_base.config import OidcConfig


class InvalidToken(Exception):
    """The bearer token is not one we accept."""


class JwksCache:
    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        min_refresh_seconds: float,
        timeout: float,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def aclose(self) -> None:
        await self._client.aclose()

    async def key(self, kid: str) -> PyJWK:
        if self._stale():
            await self._refresh(force=True)
        found = self._keys.get(kid)
        if found is None and await self._refresh(force=False):
            found = self._keys.get(kid)
        if found is None:
            raise InvalidToken(f"unknown signing key {kid!r}")
        return found

    def _stale(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at > self.cache_seconds

    async def _refresh(self, *, force: bool) -> bool:
        """Fetch the JWKS; False when an unforced refetch happened too recently. A failed
        fetch keeps the keys held so far (the provider may be down for a moment)."""
        async with self._lock:
            if force and not self._stale():
                return True  # another request refreshed while this one waited
            recent = self._fetched_at is not None and (
                time.monotonic() - self._fetched_at < self.min_refresh_seconds
            )
            if not force and recent:
                return False
            now = time.monotonic()
            try:
                self._keys = await self._fetch()
            except InvalidToken:
                if not self._keys:
                    raise
                # Keep the old keys; try again after min_refresh_seconds, not a whole cache time.
                self._fetched_at = now - self.cache_seconds + self.min_refresh_seconds
                return True
            self._fetched_at = now
            return True

    async def _fetch(self) -> dict[str, PyJWK]:
        self.fetches += 1
        try:
            response = await self._client.get(self.url)
            response.raise_for_status()
            jwks = PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            raise InvalidToken(f"cannot fetch the provider's keys: {exc}") from exc
        return {key.key_id: key for key in jwks.keys if key.key_id}


class TokenVerifier:
    def __init__(self, config: OidcConfig, jwks: JwksCache | None = None) -> None:
        self.config = config
        self.jwks = jwks or JwksCache(
            config.jwks_url,
            cache_seconds=config.jwks_cache_seconds,
            min_refresh_seconds=config.jwks_min_refresh_seconds,
            timeout=config.timeout,
        )

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"not a JWT: {exc}") from exc
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self.config.algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} not accepted")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key id")
        key = await self.jwks.key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return claims


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """A claim by dotted path (``realm_access.roles``); None when absent."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def claim_values(value: Any) -> list[str]:
    """A space-separated string (OAuth ``scope``) or a list of strings, as a list."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
