"""Who may use the REST API.

The embedded default (bound to a loopback address) is a local tool: whoever can reach
127.0.0.1 is its operator, as with any local database or broker. Bound to any other address the
API is closed until credentials are configured.
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from citrine_base.config import SystemConfig
from citrine_modules.rest import Authenticator, Principal, Scope, Unauthorized

LOCAL_OPERATOR = Principal(name="local", tenant_id=None, scopes=frozenset({Scope.ADMIN}))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalAuthenticator:
    """Every caller is the local operator: only for a server bound to loopback."""

    async def authenticate(self, request: Request) -> Principal:
        return LOCAL_OPERATOR


class ClosedAuthenticator:
    """No way to authenticate is configured: every request is refused."""

    async def authenticate(self, request: Request) -> Principal:
        raise Unauthorized("The REST API needs credentials, and none are configured")


def build_authenticator(config: SystemConfig) -> Authenticator:
    if is_loopback(config.host):
        return LocalAuthenticator()
    return ClosedAuthenticator()
