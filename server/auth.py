"""Who may use the REST API: the composition of ``citrine_modules.operators``' authenticators.

* A request with credentials (``Authorization: Bearer``, ``X-API-Key``) is judged by them,
  wherever the server is bound: a bad key is a 401 even on loopback.
* A request without credentials is refused (401), except on a server bound to loopback that
  has neither an API key in its database nor OIDC configured: that is the embedded default,
  a local tool, and whoever can reach 127.0.0.1 is its operator (as with a local database).
  Creating the first API key (``citrine api-key create``) closes that door: from then on,
  within ``LOCAL_RECHECK_SECONDS``, loopback callers need a key too. Configuring OIDC, or
  ``api_auth.local_operator = false``, closes it from the start.
"""

from __future__ import annotations

import ipaddress
import time

from citrine_base.config import SystemConfig
from citrine_data import SessionFactory, unit_of_work
from citrine_data.repositories import ApiKeyRepository
from citrine_modules.operators import ApiKeyAuthenticator, CredentialAuthenticator
from citrine_modules.operators.authenticators import OidcAuthenticator
from citrine_modules.rest import Principal, Scope

LOCAL_OPERATOR = Principal(name="local", tenant_id=None, scopes=frozenset({Scope.ADMIN}))
LOCAL_RECHECK_SECONDS = 2.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalAccess:
    """The local operator for requests without credentials, while no API key exists.

    Whether one exists is asked at most every ``recheck`` seconds; once one exists the
    answer never changes back (revoking every key does not reopen the API).
    """

    def __init__(self, sessions: SessionFactory, recheck: float = LOCAL_RECHECK_SECONDS) -> None:
        self._sessions = sessions
        self._recheck = recheck
        self._checked_at: float | None = None
        self._closed = False

    async def __call__(self) -> Principal | None:
        if self._closed:
            return None
        now = time.monotonic()
        if self._checked_at is None or now - self._checked_at >= self._recheck:
            async with unit_of_work(self._sessions) as uow:
                self._closed = await ApiKeyRepository.from_session(uow.session).any_exists()
            self._checked_at = now
        return None if self._closed else LOCAL_OPERATOR


def build_authenticator(config: SystemConfig, sessions: SessionFactory) -> CredentialAuthenticator:
    settings = config.api_auth
    keys = ApiKeyAuthenticator(sessions, settings.key_usage_flush_seconds)
    oidc = OidcAuthenticator(settings.oidc) if settings.oidc is not None else None
    local_allowed = settings.local_operator and oidc is None and is_loopback(config.host)
    return CredentialAuthenticator(keys, oidc, LocalAccess(sessions) if local_allowed else None)
