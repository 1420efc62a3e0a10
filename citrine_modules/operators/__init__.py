"""Who operates the CSMS over REST: API keys, OIDC bearer tokens, and the key endpoints."""

from citrine_modules.operators.authenticators import (
    ApiKeyAuthenticator,
    CredentialAuthenticator,
    OidcAuthenticator,
    presented_credential,
)
from citrine_modules.operators.keys import IssuedKey, keys

__all__ = [
    "ApiKeyAuthenticator",
    "CredentialAuthenticator",
    "IssuedKey",
    "OidcAuthenticator",
    "keys",
    "presented_credential",
]
