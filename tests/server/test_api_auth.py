"""REST API authentication: keys, the loopback default, the key endpoints, OpenAPI, CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from citrine_data import unit_of_work
from citrine_data.repositories import ApiKeyRepository
from citrine_util.api_keys import UsageRecorder, generate_key, hash_key, looks_like_key
from tests.live import LiveServer, live_server
from tests.modules.helpers import eventually
from tests.server.api_keys import bearer, make_key

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class TestKeyFormat:
    def test_generated_keys_are_distinct_and_hashed(self) -> None:
        first, second = generate_key(), generate_key()
        assert first.secret != second.secret
        assert first.secret.startswith(first.prefix + "_")
        assert first.hash == hash_key(first.secret) != second.hash
        assert first.secret not in first.hash
        assert looks_like_key(first.secret)

    @pytest.mark.parametrize("value", ["", "ck_123", "eyJhbGciOi.x.y", "ck_ZZZZZZZZ_" + "a" * 43])
    def test_other_strings_are_not_keys(self, value: str) -> None:
        assert not looks_like_key(value)


class TestUsageRecorder:
    async def test_one_write_per_key_per_interval(self) -> None:
        writes: list[dict[int, datetime]] = []

        async def write(used: dict[int, datetime]) -> None:
            writes.append(dict(used))

        recorder = UsageRecorder(write, interval=60)  # type: ignore[arg-type]
        for second in range(100):
            recorder.record(1, T0 + timedelta(seconds=second / 10))
        recorder.record(2, T0)
        await recorder.flush()
        assert writes == [{1: T0 + timedelta(seconds=9.9), 2: T0}]
        recorder.record(1, T0 + timedelta(seconds=30))  # within the interval: not again
        await recorder.flush()
        recorder.record(1, T0 + timedelta(seconds=80))
        await recorder.flush()
        assert writes[1:] == [{1: T0 + timedelta(seconds=80)}]

    async def test_a_failed_write_is_retried(self) -> None:
        calls: list[dict[int, datetime]] = []

        async def write(used: dict[int, datetime]) -> None:
            calls.append(dict(used))
            if len(calls) == 1:
                raise OSError("database down")

        recorder = UsageRecorder(write, interval=60)  # type: ignore[arg-type]
        recorder.record(7, T0)
        with pytest.raises(OSError, match="down"):
            await recorder.flush()
        await recorder.flush()
        assert calls == [{7: T0}, {7: T0}]


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server() as running:
        yield running


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        yield client


class TestLoopbackDefault:
    async def test_open_until_the_first_key_exists(self, http: httpx.AsyncClient) -> None:
        assert (await http.get("/stations")).status_code == 200
        created = await http.post("/api-keys", json={"name": "first", "scopes": ["read"]})
        assert created.status_code == 201, created.text

        async def closed() -> bool:
            return (await http.get("/stations")).status_code == 401

        await eventually(closed, timeout=5)
        assert (
            await http.get("/stations", headers=bearer(created.json()["key"]))
        ).status_code == 200

    async def test_a_bad_key_is_refused_even_on_loopback(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/stations", headers=bearer(generate_key().secret))
        assert response.status_code == 401
        assert "www-authenticate" in response.headers

    async def test_not_loopback_needs_credentials(self) -> None:
        async with live_server(api_auth={"local_operator": False}) as running:
            async with httpx.AsyncClient(base_url=running.base_url) as client:
                assert (await client.get("/stations")).status_code == 401
                assert (await client.get("/health")).status_code == 200


class TestKeys:
    async def test_bearer_and_header(self, server: LiveServer, http: httpx.AsyncClient) -> None:
        key = await make_key(server, scopes=["read"])
        assert (await http.get("/stations", headers=bearer(key))).status_code == 200
        assert (await http.get("/stations", headers={"X-API-Key": key})).status_code == 200
        assert (await http.get("/stations")).status_code == 401

    async def test_scopes(self, server: LiveServer, http: httpx.AsyncClient) -> None:
        reader = await make_key(server, scopes=["read"])
        operator = await make_key(server, scopes=["operate"])
        body = {"name": "Depot"}
        assert (await http.post("/locations", json=body, headers=bearer(reader))).status_code == 403
        assert (
            await http.post("/locations", json=body, headers=bearer(operator))
        ).status_code == 201
        assert (await http.get("/api-keys", headers=bearer(operator))).status_code == 403

    async def test_expired_and_revoked(self, server: LiveServer, http: httpx.AsyncClient) -> None:
        expired = await make_key(server, expires_at=datetime.now(UTC) - timedelta(seconds=1))
        assert (await http.get("/stations", headers=bearer(expired))).status_code == 401
        admin = await make_key(server)
        victim = (
            await http.post(
                "/api-keys", json={"name": "victim", "scopes": ["read"]}, headers=bearer(admin)
            )
        ).json()
        assert (await http.get("/stations", headers=bearer(victim["key"]))).status_code == 200
        revoked = await http.delete(f"/api-keys/{victim['id']}", headers=bearer(admin))
        assert revoked.status_code == 200
        assert revoked.json()["revokedAt"] is not None
        assert (await http.get("/stations", headers=bearer(victim["key"]))).status_code == 401

    async def test_last_use_is_written_in_batches(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        key = await make_key(server, scopes=["read"])
        for _ in range(5):
            assert (await http.get("/stations", headers=bearer(key))).status_code == 200
        usage = server.runtime.auth.keys.usage
        assert usage.pending == 1
        await usage.flush()
        async with unit_of_work(server.runtime.sessions) as uow:
            row = await ApiKeyRepository.from_session(uow.session).get_usable_by_hash(
                hash_key(key), at=datetime.now(UTC)
            )
        assert row is not None
        assert row.last_used_at is not None


class TestKeyEndpoints:
    async def test_the_secret_is_shown_once(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        admin = bearer(await make_key(server))
        created = await http.post(
            "/api-keys", json={"name": "ops", "scopes": ["read", "operate"]}, headers=admin
        )
        assert created.status_code == 201
        body = created.json()
        assert body["key"].startswith(body["keyPrefix"])
        assert body["tenantId"] == "default"
        listed = (await http.get("/api-keys", headers=admin)).json()
        assert [item["name"] for item in listed if item["id"] == body["id"]] == ["ops"]
        assert all("key" not in item for item in listed)
        again = await http.post(
            "/api-keys", json={"name": "ops", "scopes": ["read"]}, headers=admin
        )
        assert again.status_code == 409

    async def test_a_tenant_admin_stays_in_its_tenant(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        acme = bearer(await make_key(server, tenant="acme"))
        other = (
            await http.post(
                "/api-keys",
                json={"name": "theirs", "scopes": ["read"]},
                headers=bearer(await make_key(server, tenant=None)),
            )
        ).json()
        assert other["tenantId"] == "default"
        attempts = [
            ({"name": "p", "scopes": ["read"], "platform": True}, 403),
            ({"name": "b", "scopes": ["read"], "tenantId": "default"}, 404),
            ({"name": "mine", "scopes": ["read"]}, 201),
        ]
        for body, status in attempts:
            assert (await http.post("/api-keys", json=body, headers=acme)).status_code == status
        assert (await http.get(f"/api-keys/{other['id']}", headers=acme)).status_code == 404
        assert (await http.delete(f"/api-keys/{other['id']}", headers=acme)).status_code == 404
        listed = (await http.get("/api-keys", headers=acme)).json()
        assert {item["tenantId"] for item in listed} == {"acme"}

    async def test_platform_admin_creates_for_a_tenant(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        # An admin holds every scope; a platform key for a tenant it names is fine.
        platform = bearer(await make_key(server, tenant=None))
        created = await http.post(
            "/api-keys",
            json={"name": "acme-ops", "scopes": ["operate"], "tenantId": "default"},
            headers=platform,
        )
        assert created.status_code == 201
        past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        expired = await http.post(
            "/api-keys",
            json={"name": "old", "scopes": ["read"], "expiresAt": past},
            headers=platform,
        )
        assert expired.status_code == 422


class TestOpenApiAndCors:
    async def test_security_schemes(self, http: httpx.AsyncClient) -> None:
        document = (await http.get("/openapi.json")).json()
        assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey"}
        assert document["paths"]["/stations"]["get"]["security"]
        assert "security" not in document["paths"]["/health"]["get"]

    async def test_cors_off_by_default(self, http: httpx.AsyncClient) -> None:
        preflight = {"Origin": "https://ui.example", "Access-Control-Request-Method": "GET"}
        response = await http.options("/stations", headers=preflight)
        assert "access-control-allow-origin" not in response.headers

    async def test_cors_when_configured(self) -> None:
        async with live_server(cors={"origins": ["https://ui.example"]}) as running:
            async with httpx.AsyncClient(base_url=running.base_url) as client:
                response = await client.options(
                    "/stations",
                    headers={
                        "Origin": "https://ui.example",
                        "Access-Control-Request-Method": "GET",
                        "Access-Control-Request-Headers": "x-api-key",
                    },
                )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://ui.example"
