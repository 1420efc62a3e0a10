"""OpenID Connect bearer tokens, against a JWKS served by a tiny HTTP server in the test with
keys generated here: signature, issuer, audience, expiry, key rotation, claims mapping."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from citrine_base.config import OidcConfig
from citrine_util.oidc import InvalidToken, TokenVerifier
from tests.live import LiveServer, live_server

ISSUER = "https://idp.test/realms/citrine"
AUDIENCE = "citrine-api"


class Provider:
    """Signing keys and the JWKS document that publishes them."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: list[dict[str, Any]] = []
        self.fetches = 0
        self.down = False

    def add_rsa(self, kid: str, *, publish: bool = True) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = key
        if publish:
            self.publish(kid)

    def add_ec(self, kid: str) -> None:
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        self.publish(kid)

    def publish(self, kid: str) -> None:
        key = self.keys[kid]
        if isinstance(key, rsa.RSAPrivateKey):
            jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwk["alg"] = "RS256"
        else:
            jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwk["alg"] = "ES256"
        self.published.append({**jwk, "kid": kid, "use": "sig"})

    def token(self, kid: str = "k1", *, lifetime: float = 300, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + lifetime}
        body.update(claims)
        key = self.keys[kid]
        algorithm = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    idp = Provider()
    idp.add_rsa("k1")

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            idp.fetches += 1
            if idp.down:
                self.send_error(503)
                return
            body = json.dumps({"keys": idp.published}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp, f"http://127.0.0.1:{http.server_address[1]}/certs"
    finally:
        http.shutdown()
        http.server_close()


def settings(jwks_url: str, **extra: Any) -> dict[str, Any]:
    return {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_url, **extra}


class TestVerifier:
    async def test_a_valid_token(self, provider: tuple[Provider, str]) -> None:
        idp, url = provider
        verifier = TokenVerifier(OidcConfig(**settings(url)))
        claims = await verifier.verify(idp.token(scope="citrine:read"))
        assert claims["sub"] == "alice"
        await verifier.verify(idp.token())
        assert idp.fetches == 1  # cached

    # Times are made when the test runs, not when it is collected: a long suite would
    # otherwise reach a "not yet valid" time before the test does.
    @pytest.mark.parametrize(
        "claims",
        [
            lambda: {"iss": "https://evil.test"},
            lambda: {"aud": "another-api"},
            lambda: {"exp": int(time.time()) - 120},
            lambda: {"nbf": int(time.time()) + 600},
        ],
        ids=["issuer", "audience", "expired", "not-yet-valid"],
    )
    async def test_refused_claims(
        self, provider: tuple[Provider, str], claims: Callable[[], dict[str, Any]]
    ) -> None:
        idp, url = provider
        verifier = TokenVerifier(OidcConfig(**settings(url)))
        with pytest.raises(InvalidToken):
            await verifier.verify(idp.token(**claims()))

    async def test_forged_and_unsigned_tokens(self, provider: tuple[Provider, str]) -> None:
        idp, url = provider
        verifier = TokenVerifier(OidcConfig(**settings(url)))
        idp.add_rsa("k1-forged", publish=False)
        forged = jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60},
            idp.keys["k1-forged"],
            algorithm="RS256",
            headers={"kid": "k1"},  # claims to be the provider's key
        )
        unsigned = jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE}, None, algorithm="none", headers={"kid": "k1"}
        )
        hmac = jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE}, "k" * 32, algorithm="HS256", headers={"kid": "k1"}
        )
        for token in (forged, unsigned, hmac, "not-a-jwt"):
            with pytest.raises(InvalidToken):
                await verifier.verify(token)

    async def test_rotation_and_unknown_key_ids(self, provider: tuple[Provider, str]) -> None:
        idp, url = provider
        verifier = TokenVerifier(OidcConfig(**settings(url, jwks_min_refresh_seconds=0.3)))
        await verifier.verify(idp.token())
        idp.add_ec("k2")  # the provider rotates: a new key appears
        await asyncio.sleep(0.35)
        assert (await verifier.verify(idp.token("k2")))["sub"] == "alice"
        assert idp.fetches == 2
        # Made-up key ids refetch at most once per jwks_min_refresh_seconds.
        for n in range(20):
            with pytest.raises(InvalidToken, match="unknown signing key"):
                await verifier.verify(
                    jwt.encode({"iss": ISSUER}, idp.keys["k1"], "RS256", {"kid": f"x{n}"})
                )
        assert idp.fetches <= 3

    async def test_a_provider_down_keeps_the_keys_held(
        self, provider: tuple[Provider, str]
    ) -> None:
        idp, url = provider
        config = OidcConfig(**settings(url, jwks_cache_seconds=0.2, jwks_min_refresh_seconds=0))
        verifier = TokenVerifier(config)
        await verifier.verify(idp.token())
        idp.down = True
        await asyncio.sleep(0.25)  # stale: the refetch fails, the old key still verifies
        assert (await verifier.verify(idp.token()))["sub"] == "alice"
        assert idp.fetches == 2
        fresh = TokenVerifier(config)  # nothing held: refused
        with pytest.raises(InvalidToken, match="cannot fetch"):
            await fresh.verify(idp.token())

    def test_hmac_algorithms_cannot_be_configured(self) -> None:
        with pytest.raises(ValueError, match="asymmetric"):
            OidcConfig(**settings("http://x", algorithms=["HS256"]))


@pytest.fixture
async def server(provider: tuple[Provider, str]) -> AsyncIterator[LiveServer]:
    _, url = provider
    oidc = settings(url, platform_tenant="*", scope_claim="realm_access.roles")
    async with live_server(api_auth={"oidc": oidc}) as running:
        yield running


class TestOverRest:
    async def test_scopes_and_tenant_from_claims(
        self, server: LiveServer, provider: tuple[Provider, str]
    ) -> None:
        idp, _ = provider

        def as_user(roles: list[str], tenant: str | None = "default") -> dict[str, str]:
            claims: dict[str, Any] = {"realm_access": {"roles": roles}}
            if tenant is not None:
                claims["tenant_id"] = tenant
            return {"Authorization": f"Bearer {idp.token(**claims)}"}

        async with httpx.AsyncClient(base_url=server.base_url) as http:
            assert (await http.get("/stations")).status_code == 401  # loopback, but OIDC is on
            reader = as_user(["citrine:read", "offline_access"])
            assert (await http.get("/stations", headers=reader)).status_code == 200
            assert (
                await http.post("/locations", json={"name": "x"}, headers=reader)
            ).status_code == 403
            acme = as_user(["citrine:admin"], tenant="acme")
            assert (
                await http.get("/stations", params={"tenantId": "default"}, headers=acme)
            ).status_code == 404
            platform = as_user(["citrine:admin"], tenant="*")
            assert (
                await http.get("/stations", params={"tenantId": "default"}, headers=platform)
            ).status_code == 200
            assert (
                await http.get("/stations", headers=as_user(["citrine:admin"], None))
            ).status_code == 401
            expired = {"Authorization": f"Bearer {idp.token(lifetime=-120, tenant_id='default')}"}
            assert (await http.get("/stations", headers=expired)).status_code == 401
