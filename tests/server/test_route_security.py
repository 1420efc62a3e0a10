"""Every route of the app refuses a caller without credentials (401) and one without the
scope it needs (403): a new endpoint that forgets its ``Reader``/``Operator``/``Admin``
dependency fails here. Routes come from the app's own OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.live import LiveServer, live_server
from tests.server.api_keys import bearer, make_key

# Reached without operator credentials, on purpose: health for load balancers, and the file
# endpoints stations use, authorised by the unguessable token in their URL.
PUBLIC = re.compile(r"^(/health|/files/logs/\{token\}.*|/files/firmware/\{token\}/.*)$")

# Methods that are reads even though they are not GETs (none today).
READ_ONLY_POSTS: frozenset[tuple[str, str]] = frozenset()


def _filled(path: str) -> str:
    """A concrete URL for a templated path: ``1`` fits integer and string parameters."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server(api_auth={"local_operator": False}) as running:
        yield running


async def _statuses(
    client: httpx.AsyncClient, operations: list[tuple[str, str]], headers: dict[str, str]
) -> dict[tuple[str, str], int]:
    found = {}
    for method, path in operations:
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        response = await client.request(method, _filled(path), json=body, headers=headers)
        found[(method, path)] = response.status_code
    return found


async def test_every_route_needs_credentials_and_scope(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
        operations = _operations(document)
        guarded = [op for op in operations if not PUBLIC.match(op[1])]
        assert len(guarded) > 100, "the walk must see the whole API"

        anonymous = await _statuses(client, guarded, {})
        assert {op: s for op, s in anonymous.items() if s != 401} == {}

        forged = await _statuses(client, guarded, bearer("ck_00000000_" + "A" * 43))
        assert {op: s for op, s in forged.items() if s != 401} == {}

        nothing = bearer(await make_key(server, scopes=[]))
        assert {
            op: s for op, s in (await _statuses(client, guarded, nothing)).items() if s != 403
        } == {}

        writes = [op for op in guarded if op[0] != "GET" and op not in READ_ONLY_POSTS]
        reader = bearer(await make_key(server, scopes=["read"]))
        assert {
            op: s for op, s in (await _statuses(client, writes, reader)).items() if s != 403
        } == {}


async def test_every_guarded_route_declares_security(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        document = (await client.get("/openapi.json")).json()
    undocumented = [
        (method, path)
        for method, path in _operations(document)
        if not PUBLIC.match(path) and not document["paths"][path][method.lower()].get("security")
    ]
    assert undocumented == []
