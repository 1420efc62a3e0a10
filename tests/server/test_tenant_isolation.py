"""A key of tenant A never sees nor commands tenant B's stations: 404, as if they did not
exist (not 403, which would confirm they do). B is the server's tenant ("default"), where the
stations connect; A is "acme". A key of B sees everything, proving the data is there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.live import LiveServer, live_server
from tests.modules.helpers import eventually
from tests.modules.transactions.helpers import answer, booted, event
from tests.server.api_keys import bearer, make_key

RESET = "/ocpp/2.0.1/configuration/reset"


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server(api_auth={"local_operator": False}, ocpp={"call_timeout": 2}) as running:
        yield running


async def _items(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[Any]:
    response = await http.get(path, params=params, headers=headers)
    assert response.status_code == 200, (path, response.text)
    body = response.json()
    items: list[Any] = body["items"] if isinstance(body, dict) else body
    return items


async def test_cross_tenant_reads_and_commands(server: LiveServer) -> None:
    owner = bearer(await make_key(server, tenant="default", scopes=["admin"]))
    intruder = bearer(await make_key(server, tenant="acme", scopes=["admin"]))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        token = await http.put(
            "/id-tokens/ISO14443/CARD-1", json={"status": "Accepted"}, headers=owner
        )
        assert token.status_code in (200, 201), token.text
        async with booted(server, "CS-B") as station:
            await answer(station, "TransactionEvent", event("Started", 0, "TX-B", evse=1, wh=0))

            # The owner sees its station, transaction, token and messages.
            assert (await http.get("/stations/CS-B", headers=owner)).status_code == 200
            assert (await http.get("/transactions/TX-B", headers=owner)).status_code == 200
            assert (await http.get("/id-tokens/ISO14443/CARD-1", headers=owner)).status_code == 200

            async def logged() -> list[Any]:  # the message log is written in batches
                return await _items(http, "/messages", owner, stationId="CS-B")

            await eventually(logged)

            not_found = [
                ("GET", "/stations/CS-B", {}),
                ("GET", "/stations/CS-B", {"tenantId": "default"}),
                ("PATCH", "/stations/CS-B", {}),
                ("DELETE", "/stations/CS-B", {}),
                ("GET", "/stations/CS-B/connectors", {}),
                ("GET", "/stations/CS-B/device-model", {}),
                ("GET", "/transactions/TX-B", {}),
                ("GET", "/transactions/TX-B", {"tenantId": "default"}),
                ("GET", "/transactions", {"tenantId": "default"}),
                ("GET", "/id-tokens/ISO14443/CARD-1", {}),
                ("DELETE", "/id-tokens/ISO14443/CARD-1", {}),
                ("GET", "/id-tokens", {"tenantId": "default"}),
                ("GET", "/messages", {"tenantId": "default"}),
                ("GET", "/stations", {"tenantId": "default"}),
            ]
            refused = {}
            for method, path, params in not_found:
                body = {} if method == "PATCH" else None
                response = await http.request(
                    method, path, params=params, json=body, headers=intruder
                )
                refused[(method, path, tuple(params))] = response.status_code
            assert set(refused.values()) == {404}, refused

            # Listings of its own tenant show nothing of the other's.
            assert await _items(http, "/stations", intruder) == []
            assert await _items(http, "/transactions", intruder) == []
            assert await _items(http, "/id-tokens", intruder) == []
            assert await _items(http, "/messages", intruder, stationId="CS-B") == []

            # A command to the other tenant's (online) station: 404, and nothing reaches it.
            command = await http.post(
                RESET,
                params={"identifier": "CS-B", "wait": 1},
                json={"type": "Immediate"},
                headers=intruder,
            )
            assert command.status_code == 404, command.text
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(station.recv(), 0.5)

            # The owner's command and its status: invisible to the intruder.
            sent = await http.post(
                RESET, params={"identifier": "CS-B"}, json={"type": "Immediate"}, headers=owner
            )
            assert sent.status_code in (200, 202), sent.text
            correlation = sent.json()[0]["correlationId"]
            frame = await station.recv()
            await station.send([3, frame[1], {"status": "Accepted"}])
            status = await http.get(f"/ocpp/requests/{correlation}", headers=intruder)
            assert status.status_code == 404
            assert (
                await http.get(f"/ocpp/requests/{correlation}", headers=owner)
            ).status_code == 200
        assert (await http.get("/stations/CS-B", headers=owner)).status_code == 200
