"""Monitors over real websockets: set, clear (split to the station's limits), base, level."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.live import RawStation, live_server
from tests.modules.helpers import (
    answer,
    booted,
    call_ok,
    client,
    eventually,
    limits,
    no_limits,
    now,
)

MONITORS = "/monitoring/stations/CS1/monitors"
POWER = {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}}


def accept_all(first_id: int) -> Any:
    def give(request: dict[str, Any]) -> dict[str, Any]:
        return {
            "setMonitoringResult": [
                {
                    "id": item.get("id", first_id + index),
                    "status": "Accepted",
                    "type": item["type"],
                    "severity": item["severity"],
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for index, item in enumerate(request["setMonitoringData"])
            ]
        }

    return give


async def listed(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await http.get(MONITORS, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def set_monitors(
    station: RawStation, http: httpx.AsyncClient, items: list[dict[str, Any]], first_id: int
) -> httpx.Response:
    reply = asyncio.create_task(http.post(MONITORS, json={"setMonitoringData": items}))
    await answer(station, "GetVariables", no_limits)
    await answer(station, "SetVariableMonitoring", accept_all(first_id))
    return await reply


async def report_monitors(station: RawStation, request_id: int, ids: list[int]) -> None:
    monitors = [
        {"id": i, "transaction": False, "value": 100.0 + i, "type": "Delta", "severity": 7}
        for i in ids
    ]
    await call_ok(
        station,
        "NotifyMonitoringReport",
        {
            "requestId": request_id,
            "seqNo": 0,
            "generatedAt": now(),
            "monitor": [{**POWER, "variableMonitoring": monitors}],
        },
    )


class TestSetVariableMonitoring:
    async def test_one_element_is_stored_with_the_station_id(self) -> None:
        """TC_N_08_CSMS: one SetMonitoringData, the station's id and status kept."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            item = {"value": 7000, "type": "UpperThreshold", "severity": 5, **POWER}
            response = await set_monitors(station, http, [item], first_id=7)
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["complete"]
            assert body["requests"] == 1
            assert body["results"][0]["status"] == "Accepted"
            [monitor] = await eventually(lambda: listed(http))
        assert monitor["monitorId"] == 7
        assert (monitor["value"], monitor["type"], monitor["severity"]) == (
            7000,
            "UpperThreshold",
            5,
        )
        assert monitor["component"] == {
            "name": "EVSE",
            "instance": None,
            "evseId": 1,
            "connectorId": None,
        }
        assert monitor["variable"]["name"] == "Power"
        assert (monitor["status"], monitor["source"]) == ("Accepted", "set")

    async def test_several_variables_and_a_refusal(self) -> None:
        """TC_N_09_CSMS (different components and variables) and TC_N_24_CSMS (Periodic):
        the accepted ones become monitors, the refused one is kept with its reason."""
        items = [
            {"value": 60, "type": "Periodic", "severity": 8, **POWER},
            {
                "value": 1,
                "type": "Delta",
                "severity": 6,
                "component": {"name": "ChargingStation"},
                "variable": {"name": "AvailabilityState"},
            },
            {
                "value": 80,
                "type": "UpperThreshold",
                "severity": 4,
                "component": {"name": "TempSensor", "instance": "inlet"},
                "variable": {"name": "Nope"},
            },
        ]

        def answer_set(request: dict[str, Any]) -> dict[str, Any]:
            results = accept_all(20)(request)["setMonitoringResult"]
            results[2] = {**results[2], "status": "UnknownVariable"}
            del results[2]["id"]
            return {"setMonitoringResult": list(reversed(results))}  # order is not promised

        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(http.post(MONITORS, json={"setMonitoringData": items}))
            await answer(station, "GetVariables", no_limits)
            sent = await answer(station, "SetVariableMonitoring", answer_set)
            assert len(sent["setMonitoringData"]) == 3
            assert (await reply).status_code == 200
            monitors = await eventually(lambda: listed(http))
            refused = await eventually(lambda: listed(http, refused="true"))
        assert sorted((m["monitorId"], m["type"], m["value"]) for m in monitors) == [
            (20, "Periodic", 60),
            (21, "Delta", 1),
        ]
        assert [(r["status"], r["variable"]["name"]) for r in refused] == [
            ("UnknownVariable", "Nope")
        ]

    async def test_split_to_the_items_per_message(self) -> None:
        """N04.FR.09: at most ItemsPerMessage[SetVariableMonitoring] items per CALL."""
        items = [{"value": v, "type": "Delta", "severity": 5, **POWER} for v in range(5)]
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(http.post(MONITORS, json={"setMonitoringData": items}))
            await answer(station, "GetVariables", limits(items=2))
            sizes = []
            for first in (1, 3, 5):
                sent = await answer(station, "SetVariableMonitoring", accept_all(first))
                sizes.append(len(sent["setMonitoringData"]))
            body = (await reply).json()
        assert sizes == [2, 2, 1]
        assert (body["requests"], len(body["results"]), body["complete"]) == (3, 5, True)

    async def test_invalid_ocpp_is_refused_before_the_station(self) -> None:
        async with live_server() as server, booted(server, "CS1"), client(server) as http:
            bad = {"value": "high", "type": "Delta", "severity": 5, **POWER}
            response = await http.post(MONITORS, json={"setMonitoringData": [bad]})
            unknown = await http.post(
                "/monitoring/stations/NOPE/monitors",
                json={"setMonitoringData": [{**bad, "value": 1}]},
            )
        assert response.status_code == 422
        assert "value" in response.text
        assert unknown.status_code == 404

    async def test_offline_station(self) -> None:
        async with live_server() as server, client(server) as http:
            async with booted(server, "CS1"):
                pass
            item = {"value": 1, "type": "Delta", "severity": 5, **POWER}
            response = await http.post(MONITORS, json={"setMonitoringData": [item]})
        assert response.status_code == 404


class TestClearVariableMonitoring:
    async def test_too_many_elements_are_split(self) -> None:
        """TC_N_18_CSMS: more ids than ItemsPerMessage[ClearVariableMonitoring] are sent in
        several CALLs, none larger than the limit; the cleared monitors are gone."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await report_monitors(station, 900, [1, 2, 3, 4, 5])
            await eventually(lambda: listed(http))
            reply = asyncio.create_task(
                http.post(f"{MONITORS}/clear", json={"ids": [1, 2, 3, 4, 5]})
            )
            await answer(station, "GetVariables", limits(items=2))
            batches = []
            for _ in range(3):
                sent = await answer(
                    station,
                    "ClearVariableMonitoring",
                    lambda r: {
                        "clearMonitoringResult": [{"id": i, "status": "Accepted"} for i in r["id"]]
                    },
                )
                batches.append(sent["id"])
            body = (await reply).json()
            remaining = await eventually(lambda: _empty(listed(http)))
        assert batches == [[1, 2], [3, 4], [5]]
        assert body["requests"] == 3
        assert body["complete"]
        assert remaining == "empty"

    async def test_rejected_monitor_stays(self) -> None:
        """TC_N_44_CSMS: a Rejected clear (a hard-wired monitor) leaves the monitor; NotFound
        ones are forgotten."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await report_monitors(station, 901, [1, 2])
            await eventually(lambda: listed(http))
            reply = asyncio.create_task(http.post(f"{MONITORS}/clear", json={"ids": [1, 2]}))
            await answer(station, "GetVariables", limits(items=10, size=1000))
            await answer(
                station,
                "ClearVariableMonitoring",
                {
                    "clearMonitoringResult": [
                        {"id": 1, "status": "Rejected"},
                        {"id": 2, "status": "NotFound"},
                    ]
                },
            )
            body = (await reply).json()
            left = await eventually(lambda: _only(listed(http), 1))
        assert [r["status"] for r in body["results"]] == ["Rejected", "NotFound"]
        assert left == [1]

    async def test_a_later_part_failing_is_reported(self) -> None:
        async with (
            live_server(ocpp={"call_timeout": 0.5}) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(http.post(f"{MONITORS}/clear", json={"ids": [1, 2, 3]}))
            await answer(station, "GetVariables", limits(items=2))
            await answer(
                station,
                "ClearVariableMonitoring",
                {
                    "clearMonitoringResult": [
                        {"id": 1, "status": "Accepted"},
                        {"id": 2, "status": "Accepted"},
                    ]
                },
            )
            await station.recv()  # the second part, never answered
            body = (await reply).json()
        assert (body["complete"], body["requests"], len(body["results"])) == (False, 1, 2)
        assert body["error"]["status"] == 504


async def _empty(pending: Any) -> str | None:
    return "empty" if not await pending else None


async def _only(pending: Any, *ids: int) -> list[int] | None:
    found = [m["monitorId"] for m in await pending]
    return found if found == list(ids) else None


class TestMonitoringBaseAndLevel:
    async def test_factory_default_removes_the_monitors_we_set(self) -> None:
        """TC_N_05_CSMS: SetMonitoringBase; FactoryDefault removes custom monitors."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            item = {"value": 5, "type": "Delta", "severity": 5, **POWER}
            await set_monitors(station, http, [item], first_id=3)
            await report_monitors(station, 902, [40])
            await eventually(lambda: _count(listed(http), 2))
            reply = asyncio.create_task(
                http.put(
                    "/monitoring/stations/CS1/monitoringBase",
                    json={"monitoringBase": "FactoryDefault"},
                )
            )
            sent = await answer(station, "SetMonitoringBase", {"status": "Accepted"})
            response = await reply
            left = await eventually(lambda: _only(listed(http), 40))
        assert sent == {"monitoringBase": "FactoryDefault"}
        assert response.json()["status"] == "Accepted"
        assert left == [40]

    async def test_level_accepted_and_out_of_range(self) -> None:
        """TC_N_16_CSMS and TC_N_17_CSMS: an out-of-range severity is sent as asked and the
        station's Rejected is reported."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            path = "/monitoring/stations/CS1/monitoringLevel"
            reply = asyncio.create_task(http.put(path, json={"severity": 4}))
            assert await answer(station, "SetMonitoringLevel", {"status": "Accepted"}) == {
                "severity": 4
            }
            assert (await reply).json()["status"] == "Accepted"
            reply = asyncio.create_task(http.put(path, json={"severity": 10}))
            assert await answer(
                station,
                "SetMonitoringLevel",
                {"status": "Rejected", "statusInfo": {"reasonCode": "OutOfRange"}},
            ) == {"severity": 10}
            rejected = (await reply).json()
        assert (rejected["status"], rejected["reasonCode"]) == ("Rejected", "OutOfRange")


async def _count(pending: Any, count: int) -> list[Any] | None:
    found: list[Any] = await pending
    return found if len(found) == count else None
