"""Boot settings over REST: create, read, replace, delete, with the errors a caller needs."""

from __future__ import annotations

from typing import Any

import httpx

from tests.live import live_server

ITEM = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
    "attributeValue": "120",
}


async def test_crud() -> None:
    async with live_server() as server, httpx.AsyncClient(base_url=server.base_url) as client:
        url = "/stations/CS1/boot-config"
        assert (await client.get(url)).status_code == 404  # no such station
        assert (await client.post(url, json={})).status_code == 404
        await client.post("/stations", json={"stationId": "CS1"})
        missing = await client.get(url)
        assert missing.status_code == 404
        assert "system default" in missing.json()["detail"]

        created = await client.post(
            url, json={"status": "Pending", "fetchBaseReport": True, "setVariables": [ITEM]}
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["status"], body["fetchBaseReport"], body["setVariables"]) == (
            "Pending",
            True,
            [ITEM],
        )
        assert (await client.post(url, json={})).status_code == 409

        replaced = await client.put(url, json={"status": "Rejected", "retryInterval": 0})
        assert replaced.status_code == 200
        assert (replaced.json()["status"], replaced.json()["retryInterval"]) == ("Rejected", 0)
        assert (await client.get(url)).json()["setVariables"] == []

        assert (await client.delete(url)).status_code == 204
        assert (await client.delete(url)).status_code == 404
        assert (await client.get(url)).status_code == 404


async def test_invalid_settings_are_refused() -> None:
    def body(**fields: Any) -> dict[str, Any]:
        return {"status": "Pending", **fields}

    cases = [
        body(status="Maybe"),
        body(heartbeatInterval=0),
        body(retryInterval=-1),
        body(statusInfo={"reasonCode": "x" * 21}),
        body(setVariables=[{**ITEM, "attributeValue": 120}]),  # OCPP: a string
        body(setVariables=[{**ITEM, "colour": "red"}]),  # OCPP: no such property
        body(setVariables=[ITEM, dict(ITEM, attributeValue="60")]),  # B05.FR.13
        body(
            setVariables=[
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                    "attributeValue": "a-new-password-1234",
                }
            ]
        ),
    ]
    async with live_server() as server, httpx.AsyncClient(base_url=server.base_url) as client:
        await client.post("/stations", json={"stationId": "CS1"})
        for case in cases:
            response = await client.put("/stations/CS1/boot-config", json=case)
            assert response.status_code == 422, (case, response.text)
        assert (await client.get("/stations/CS1/boot-config")).status_code == 404


async def test_tenant_scoping() -> None:
    async with live_server() as server, httpx.AsyncClient(base_url=server.base_url) as client:
        await client.post("/stations", json={"stationId": "CS1"})
        await client.put("/stations/CS1/boot-config", json={"status": "Pending"})
        await client.post("/tenants", json={"id": "acme", "name": "Acme"})
        other = await client.get("/stations/CS1/boot-config", params={"tenantId": "acme"})
        assert other.status_code == 404
