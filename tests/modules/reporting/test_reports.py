"""Reports: requested over REST with a CSMS-chosen requestId, parts stored into the device
model, completion tracked (B07, B08)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.live import LiveServer, live_server
from tests.modules.stations import (
    NOW,
    ScriptedStation,
    limits_report,
    report_data,
    scripted_station,
)


@asynccontextmanager
async def online(server: LiveServer) -> AsyncIterator[tuple[ScriptedStation, httpx.AsyncClient]]:
    async with (
        scripted_station(server, "CS1") as station,
        httpx.AsyncClient(base_url=server.base_url) as client,
    ):
        assert (await station.boot())["status"] == "Accepted"
        yield station, client


def page(request_id: int, seq_no: int, tbc: bool, data: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "requestId": request_id,
        "generatedAt": NOW,
        "seqNo": seq_no,
        "tbc": tbc,
    }
    if data:  # reportData has at least one item when present
        payload["reportData"] = data
    return payload


def evse_variables(evse: int, count: int) -> list[dict[str, Any]]:
    return [report_data("EVSE", f"Var{index}", str(index), evse=evse) for index in range(count)]


async def request_base_report(
    station: ScriptedStation, client: httpx.AsyncClient, report_base: str, status: str = "Accepted"
) -> tuple[dict[str, Any], httpx.Response]:
    sent = asyncio.ensure_future(
        client.post("/stations/CS1/reports/base", json={"reportBase": report_base})
    )
    request = await station.answer("GetBaseReport", {"status": status})
    return request, await sent


BASES = [
    ("TC_B_12_CSMS", "ConfigurationInventory"),
    ("TC_B_13_CSMS", "FullInventory"),
    ("TC_B_14_CSMS", "SummaryInventory"),
]


@pytest.mark.parametrize(("case", "report_base"), BASES, ids=[b[0] for b in BASES])
async def test_base_report_in_three_parts(case: str, report_base: str) -> None:
    """A three-part NotifyReport lands in the device model; the report is complete."""
    async with live_server() as server, online(server) as (station, client):
        request, response = await request_base_report(station, client, report_base)
        assert request["reportBase"] == report_base
        request_id = request["requestId"]
        started = response.json()
        assert response.status_code == 200
        assert (started["requestId"], started["status"], started["complete"]) == (
            request_id,
            "Accepted",
            False,
        )
        for seq_no, evse in enumerate((1, 2, 3)):
            await station.notify_report(page(request_id, seq_no, evse < 3, evse_variables(evse, 4)))
        report = (await client.get(f"/stations/CS1/reports/{request_id}")).json()
        model = (await client.get("/stations/CS1/device-model", params={"limit": 10})).json()
    assert (report["complete"], report["partsReceived"], report["itemsReceived"]) == (True, 3, 12)
    assert model["total"] == 3
    assert [c["evseId"] for c in model["items"]] == [1, 2, 3]
    first = model["items"][0]["variables"][0]
    assert first["name"] == "Var0"
    assert first["attributes"][0]["value"] == "0"
    assert first["characteristics"]["dataType"] == "integer"


async def test_request_ids_are_per_station_and_new_each_time() -> None:
    async with live_server() as server, online(server) as (station, client):
        first, _ = await request_base_report(station, client, "FullInventory", "EmptyResultSet")
        second, _ = await request_base_report(station, client, "SummaryInventory", "Rejected")
        listed = (await client.get("/stations/CS1/reports")).json()
    assert second["requestId"] == first["requestId"] + 1
    assert [(r["requestId"], r["status"]) for r in listed["items"]] == [
        (second["requestId"], "Rejected"),
        (first["requestId"], "EmptyResultSet"),
    ]


async def test_custom_report() -> None:
    """TC_B_18_CSMS: GetReport with componentCriteria and componentVariable."""
    body = {
        "componentCriteria": ["Available", "Problem"],
        "componentVariable": [
            {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}},
            {"component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}},
        ],
    }
    async with live_server() as server, online(server) as (station, client):
        sent = asyncio.ensure_future(client.post("/stations/CS1/reports/custom", json=body))
        request = await station.answer("GetReport", {"status": "Accepted"})
        response = await sent
        assert request == {**body, "requestId": request["requestId"]}
        assert response.json()["reportBase"] is None
        await station.notify_report(
            page(request["requestId"], 0, False, [report_data("EVSE", "Power", "7000", evse=1)])
        )
        power = await client.get("/stations/CS1/device-model/EVSE/Power", params={"evseId": 1})
        assert power.json()["items"][0]["variables"][0]["attributes"][0]["value"] == "7000"
        chosen = await client.post("/stations/CS1/reports/custom", json={**body, "requestId": 3})
        assert chosen.status_code == 422  # the CSMS picks the requestId
        await station.notify_report(limits_report(500, items=2))
        too_many = {"componentVariable": body["componentVariable"] * 2}
        refused = await client.post("/stations/CS1/reports/custom", json=too_many)
        assert refused.status_code == 422  # ItemsPerMessage[GetReport] is 2
        assert "ItemsPerMessage" in refused.json()["detail"]
        wrong = await client.post(
            "/stations/CS1/reports/custom", json={"componentCriteria": ["Shiny"]}
        )
        assert wrong.status_code == 422


async def test_repeated_and_unsolicited_parts() -> None:
    async with live_server() as server, online(server) as (station, client):
        part = page(77, 0, True, evse_variables(1, 2))
        await station.notify_report(part)
        await station.notify_report(part)  # the station retried: counted once
        report = (await client.get("/stations/CS1/reports/77")).json()
        assert (report["status"], report["partsReceived"], report["complete"]) == (
            "unsolicited",
            1,
            False,
        )
        await station.notify_report(page(77, 1, False, []))
        assert (await client.get("/stations/CS1/reports/77")).json()["complete"] is True


async def test_write_only_value_never_stored() -> None:
    secret = report_data(
        "SecurityCtrlr", "BasicAuthPassword", "factory-password-123", mutability="WriteOnly"
    )
    plain_but_secret = report_data("SecurityCtrlr", "BasicAuthPassword", "x" * 16)
    async with live_server() as server, online(server) as (station, client):
        await station.notify_report(page(5, 0, False, [secret]))
        await station.notify_report(page(6, 0, False, [plain_but_secret]))
        found = (await client.get("/stations/CS1/device-model/SecurityCtrlr")).json()
    [attribute] = found["items"][0]["variables"][0]["attributes"]
    assert attribute["value"] is None


async def test_errors() -> None:
    async with live_server() as server, httpx.AsyncClient(base_url=server.base_url) as client:
        unknown = await client.post(
            "/stations/NOPE/reports/base", json={"reportBase": "FullInventory"}
        )
        assert unknown.status_code == 404
        await client.post("/stations", json={"stationId": "CS1"})
        offline = await client.post(
            "/stations/CS1/reports/base", json={"reportBase": "FullInventory"}
        )
        assert offline.status_code == 404
        assert offline.json()["status"] == "failed"
        assert offline.json()["error"]["code"] == "local:offline"
        bad = await client.post("/stations/CS1/reports/base", json={"reportBase": "Everything"})
        assert bad.status_code == 422
        assert (await client.get("/stations/CS1/reports/999")).status_code == 404
        assert (await client.get("/stations/CS1/device-model/EVSE")).status_code == 404
        empty = await client.get("/stations/CS1/device-model")
        assert empty.json()["total"] == 0
