"""Get/SetVariables of any length over REST, split to the station's ItemsPerMessage and
BytesPerMessage, answers gathered into one and stored in the device model (B05, B06)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes
from citrine_base.rpc.validation import validate_payload
from citrine_modules.reporting.variables import set_variables
from tests.live import LiveServer, live_server
from tests.modules.stations import ScriptedStation, eventually, limits_report, scripted_station


@asynccontextmanager
async def online(
    server: LiveServer, items: int | None = None, bytes_: int = 65000
) -> AsyncIterator[tuple[ScriptedStation, httpx.AsyncClient]]:
    """A booted station; with ``items``, its device model says how many items per message."""
    async with (
        scripted_station(server, "CS1") as station,
        httpx.AsyncClient(base_url=server.base_url) as client,
    ):
        assert (await station.boot())["status"] == "Accepted"
        if items is not None:
            await station.notify_report(limits_report(900, items=items, bytes_=bytes_))
        yield station, client


def get_item(name: str) -> dict[str, Any]:
    return {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": name}}


def set_item(name: str, value: str) -> dict[str, Any]:
    return {**get_item(name), "attributeValue": value}


async def serve_gets(station: ScriptedStation, calls: int) -> list[int]:
    """Answer ``calls`` GetVariables, each value being the variable's name length."""
    sizes = []
    for _ in range(calls):
        frame = await station.expect("GetVariables")
        items = frame[3]["getVariableData"]
        sizes.append(len(items))
        results = [
            {
                **item,
                "attributeStatus": "Accepted",
                "attributeValue": str(len(item["variable"]["name"])),
            }
            for item in items
        ]
        await station.raw.send([3, frame[1], {"getVariableResult": results}])
    return sizes


async def serve_sets(station: ScriptedStation, status_of: dict[str, str]) -> list[int]:
    sizes = []
    while sum(sizes) < len(status_of):
        frame = await station.expect("SetVariables")
        items = frame[3]["setVariableData"]
        sizes.append(len(items))
        results = [
            {
                "component": item["component"],
                "variable": item["variable"],
                "attributeStatus": status_of[item["variable"]["name"]],
            }
            for item in items
        ]
        await station.raw.send([3, frame[1], {"setVariableResult": results}])
    return sizes


NAMES = ["HeartbeatInterval", "OfflineThreshold", "MessageTimeout", "RetryBackOffWaitMinimum", "Q"]


async def test_get_variables_split_to_items_per_message() -> None:
    """TC_B_06_CSMS, TC_B_07_CSMS, TC_B_08_CSMS: five items, ItemsPerMessage 2: the station
    sees three CALLs; the REST caller one answer with five results, stored."""
    async with live_server() as server, online(server, items=2) as (station, client):
        body = {"getVariableData": [get_item(name) for name in NAMES]}
        sent = asyncio.ensure_future(client.post("/stations/CS1/variables/get", json=body))
        sizes = await serve_gets(station, 3)
        response = await sent
        assert sizes == [2, 2, 1]
        answer = response.json()
        assert response.status_code == 200
        assert (answer["complete"], answer["calls"], answer["failures"]) == (True, 3, [])
        assert [r["variable"]["name"] for r in answer["results"]] == NAMES

        async def stored() -> Any:
            # The results are stored by a result handler after the REST answer: until the
            # first one is, the component is unknown (404).
            response = await client.get("/stations/CS1/device-model/OCPPCommCtrlr")
            if response.status_code == 404:
                return False
            model = response.json()
            variables = model["items"][0]["variables"] if model.get("items") else []
            return len(variables) == 5 and variables

        variables = await eventually(stored)
    values = {v["name"]: v["attributes"][0] for v in variables}
    assert values["MessageTimeout"]["value"] == "14"
    assert values["MessageTimeout"]["lastStatus"] == "Accepted"
    assert values["MessageTimeout"]["lastStatusAction"] == "GetVariables"


async def test_default_items_per_message_when_unknown() -> None:
    async with live_server(device_model={"items_per_message": 3}) as server:
        async with online(server) as (station, client):
            body = {"getVariableData": [get_item(name) for name in NAMES]}
            sent = asyncio.ensure_future(client.post("/stations/CS1/variables/get", json=body))
            assert await serve_gets(station, 2) == [3, 2]
            assert (await sent).json()["complete"] is True


async def test_split_to_bytes_per_message() -> None:
    """Each CALL frame the station gets fits its BytesPerMessage[SetVariables]."""
    limit = 600
    items = [set_item(f"Var{index}", "v" * 100) for index in range(6)]
    async with live_server() as server, online(server, items=50, bytes_=limit) as (station, client):
        sent = asyncio.ensure_future(
            client.post("/stations/CS1/variables/set", json={"setVariableData": items})
        )
        frames = []
        received = 0
        while received < len(items):
            frame = await station.expect("SetVariables")
            frames.append(frame)
            part = frame[3]["setVariableData"]
            received += len(part)
            results = [
                {
                    "component": i["component"],
                    "variable": i["variable"],
                    "attributeStatus": "Accepted",
                }
                for i in part
            ]
            await station.raw.send([3, frame[1], {"setVariableResult": results}])
        answer = (await sent).json()
    assert len(frames) > 1
    assert all(len(orjson.dumps(frame)) <= limit for frame in frames)
    assert (answer["complete"], len(answer["results"])) == (True, 6)


async def test_set_variables_results_and_storage() -> None:
    """TC_B_09_CSMS, TC_B_10_CSMS: the results of all parts in one answer; accepted values
    stored, refusals noted."""
    statuses = {
        "HeartbeatInterval": "Accepted",
        "OfflineThreshold": "Rejected",
        "MessageTimeout": "RebootRequired",
        "Nope": "UnknownVariable",
    }
    body = {"setVariableData": [set_item(name, "77") for name in statuses]}
    async with live_server() as server, online(server, items=3) as (station, client):
        sent = asyncio.ensure_future(client.post("/stations/CS1/variables/set", json=body))
        assert await serve_sets(station, statuses) == [3, 1]
        answer = (await sent).json()
        assert {r["variable"]["name"]: r["attributeStatus"] for r in answer["results"]} == statuses

        async def stored() -> Any:
            # The results are stored by a result handler after the REST answer: until the
            # first one is, the component is unknown (404).
            response = await client.get("/stations/CS1/device-model/OCPPCommCtrlr")
            if response.status_code == 404:
                return False
            model = response.json()
            variables = {v["name"]: v["attributes"][0] for v in model["items"][0]["variables"]}
            return len(variables) == 3 and variables

        variables = await eventually(stored)
    assert variables["HeartbeatInterval"]["value"] == "77"
    assert variables["OfflineThreshold"]["value"] is None
    assert variables["OfflineThreshold"]["lastStatus"] == "Rejected"
    assert variables["MessageTimeout"]["lastStatus"] == "RebootRequired"
    assert "Nope" not in variables  # the station has no such variable


async def test_refused_requests() -> None:
    async with live_server() as server, online(server) as (_, client):
        duplicate = {"setVariableData": [set_item("HeartbeatInterval", "1")] * 2}
        assert (await client.post("/stations/CS1/variables/set", json=duplicate)).status_code == 422
        password = {
            "setVariableData": [
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                    "attributeValue": "a-new-password-1234",
                }
            ]
        }
        refused = await client.post("/stations/CS1/variables/set", json=password)
        assert refused.status_code == 422
        assert "password endpoint" in refused.json()["detail"]
        empty = await client.post("/stations/CS1/variables/get", json={"getVariableData": []})
        assert empty.status_code == 422
        unknown = await client.post(
            "/stations/NOPE/variables/get", json={"getVariableData": [get_item("X")]}
        )
        assert unknown.status_code == 404


async def test_a_part_without_answer_stops_the_rest() -> None:
    async with live_server(ocpp={"call_timeout": 1.0}) as server:
        async with online(server, items=2) as (station, client):
            body = {"getVariableData": [get_item(name) for name in NAMES]}
            sent = asyncio.ensure_future(client.post("/stations/CS1/variables/get", json=body))
            await serve_gets(station, 1)
            await station.expect("GetVariables")  # never answered
            response = await sent
            await station.no_call(0.5)
    answer = response.json()
    assert response.status_code == 200  # some results came
    assert (answer["complete"], answer["calls"], len(answer["results"])) == (False, 2, 2)
    assert [f["code"] for f in answer["failures"]] == ["local:timeout"] * 2 + ["local:not_sent"]


async def test_offline_station() -> None:
    async with live_server() as server, httpx.AsyncClient(base_url=server.base_url) as client:
        await client.post("/stations", json={"stationId": "CS1"})
        response = await client.post(
            "/stations/CS1/variables/get", json={"getVariableData": [get_item("X")]}
        )
    assert response.status_code == 404
    assert response.json()["failures"][0]["code"] == "local:offline"


async def test_service_for_other_modules_never_stores_a_password() -> None:
    """The plain service function (as the security module rotates BasicAuthPassword)."""
    item = validate_payload(
        datatypes.SetVariableData,
        b'{"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"},'
        b' "attributeValue": "rotated-password-123"}',
    )
    async with live_server() as server, online(server) as (station, client):
        deps = server.runtime.deps
        outcome = asyncio.ensure_future(set_variables(deps, StationKey("default", "CS1"), [item]))
        request = await station.expect("SetVariables")
        assert request[3]["setVariableData"][0]["attributeValue"] == "rotated-password-123"
        result = {
            "component": {"name": "SecurityCtrlr"},
            "variable": {"name": "BasicAuthPassword"},
            "attributeStatus": "Accepted",
        }
        await station.raw.send([3, request[1], {"setVariableResult": [result]}])
        assert (await outcome).complete

        async def stored() -> Any:
            found = await client.get("/stations/CS1/device-model/SecurityCtrlr")
            return found.status_code == 200 and found.json()

        model = await eventually(stored)
    [attribute] = model["items"][0]["variables"][0]["attributes"]
    assert (attribute["value"], attribute["lastStatus"]) == (None, "Accepted")
