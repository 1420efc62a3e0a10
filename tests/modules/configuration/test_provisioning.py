"""The Pending provisioning flow: base report, SetVariables, then Accepted (B02, TC_B_31)."""

from __future__ import annotations

from typing import Any

import httpx

from citrine_base.interfaces.envelope import StationKey
from citrine_modules.configuration.provisioning import Provisioned, lock_key
from tests.live import LiveServer, live_server
from tests.modules.stations import (
    NOW,
    configuration,
    eventually,
    limits_report,
    report_data,
    scripted_station,
)

SET_ITEMS = [
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": name},
        "attributeValue": value,
    }
    for name, value in (
        ("HeartbeatInterval", "120"),
        ("OfflineThreshold", "600"),
        ("MessageTimeout", "45"),
    )
]


async def setup_station(server: LiveServer, station_id: str, **boot: Any) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        created = await client.post("/stations", json={"stationId": station_id})
        assert created.status_code == 201, created.text
        response = await client.put(f"/stations/{station_id}/boot-config", json=boot)
        assert response.status_code == 200, response.text


async def get(server: LiveServer, path: str) -> Any:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        return response.json()


def set_result(item: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "component": item["component"],
        "variable": item["variable"],
        "attributeStatus": status,
    }


class TestPendingFlow:
    async def test_base_report_and_variables_before_accepted(self) -> None:
        """TC_B_02_CSMS + TC_B_31_CSMS: while Pending the CSMS fetches the base report (three
        parts), sets the configured variables in parts of the station's ItemsPerMessage,
        records what was refused, then accepts and triggers a new boot."""
        async with live_server() as server:
            await setup_station(
                server, "CS1", status="Pending", fetchBaseReport=True, setVariables=SET_ITEMS
            )
            async with scripted_station(server, "CS1") as station:
                assert (await station.boot())["status"] == "Pending"
                request = await station.answer("GetBaseReport", {"status": "Accepted"})
                assert request["reportBase"] == "FullInventory"
                request_id = request["requestId"]
                part0 = limits_report(request_id, items=2) | {"tbc": True}
                await station.notify_report(part0)
                await station.no_call(0.3)  # the report is not complete yet
                part1 = {
                    "requestId": request_id,
                    "generatedAt": NOW,
                    "seqNo": 1,
                    "tbc": True,
                    "reportData": [report_data("OCPPCommCtrlr", "HeartbeatInterval", "300")],
                }
                await station.notify_report(part1)
                part2 = {"requestId": request_id, "generatedAt": NOW, "seqNo": 2, "tbc": False}
                await station.notify_report(part2)
                first = await station.expect("SetVariables")
                assert len(first[3]["setVariableData"]) == 2  # ItemsPerMessage[SetVariables]
                await station.raw.send(
                    [
                        3,
                        first[1],
                        {
                            "setVariableResult": [
                                set_result(i, "Accepted") for i in first[3]["setVariableData"]
                            ]
                        },
                    ]
                )
                second = await station.expect("SetVariables")
                [last] = second[3]["setVariableData"]
                await station.raw.send(
                    [3, second[1], {"setVariableResult": [set_result(last, "Rejected")]}]
                )
                trigger = await station.answer("TriggerMessage", {"status": "Accepted"})
                assert trigger == {"requestedMessage": "BootNotification"}
                assert (await station.boot("Triggered"))["status"] == "Accepted"
            settings = await get(server, "/stations/CS1/boot-config")
            report = await get(server, f"/stations/CS1/reports/{request_id}")
        assert settings["status"] == "Accepted"
        [refused] = settings["variablesRejectedOnLastBoot"]
        assert refused["variable"] == {"name": "MessageTimeout"}
        assert refused["attributeStatus"] == "Rejected"
        assert (report["complete"], report["partsReceived"], report["status"]) == (
            True,
            3,
            "Accepted",
        )

    async def test_refused_variables_reject_when_not_allowed(self) -> None:
        async with live_server() as server:
            await setup_station(
                server,
                "CS1",
                status="Pending",
                setVariables=SET_ITEMS[:1],
                acceptWithRejectedVariables=False,
            )
            async with scripted_station(server, "CS1") as station:
                assert (await station.boot())["status"] == "Pending"
                request = await station.expect("SetVariables")
                [item] = request[3]["setVariableData"]
                await station.raw.send(
                    [3, request[1], {"setVariableResult": [set_result(item, "UnknownVariable")]}]
                )
                await station.answer("TriggerMessage", {"status": "Accepted"})
                answer = await station.boot("Triggered")
        assert answer["status"] == "Rejected"
        assert answer["statusInfo"] == {"reasonCode": "VariablesRejected"}

    async def test_station_that_cannot_be_triggered_is_accepted_at_its_next_boot(self) -> None:
        """TC_F_27_CSMS in the flow: TriggerMessage answered NotImplemented is no failure."""
        async with live_server() as server:
            await setup_station(server, "CS1", status="Pending", setVariables=SET_ITEMS[:1])
            async with scripted_station(server, "CS1") as station:
                await station.boot()
                request = await station.expect("SetVariables")
                [item] = request[3]["setVariableData"]
                await station.raw.send(
                    [3, request[1], {"setVariableResult": [set_result(item, "Accepted")]}]
                )
                await station.answer("TriggerMessage", {"status": "NotImplemented"})
                assert (await station.boot())["status"] == "Accepted"


class TestRobustness:
    async def test_disconnect_mid_flow_then_start_over(self) -> None:
        async with live_server() as server:
            await setup_station(server, "CS1", status="Pending", fetchBaseReport=True)
            key = StationKey("default", "CS1")
            async with scripted_station(server, "CS1") as station:
                await station.boot()
                first = await station.answer("GetBaseReport", {"status": "Accepted"})
            # the flow notices the station is gone and lets go of the station
            await eventually(lambda: _lock_free(server, key), timeout=15)
            async with scripted_station(server, "CS1") as station:
                await station.boot()
                second = await station.answer("GetBaseReport", {"status": "Accepted"})
                assert second["requestId"] == first["requestId"] + 1
                await station.notify_report(limits_report(second["requestId"], items=5))
                await station.answer("TriggerMessage", {"status": "Accepted"})
                assert (await station.boot("Triggered"))["status"] == "Accepted"

    async def test_repeated_boot_while_provisioning_runs_one_flow(self) -> None:
        async with live_server() as server:
            await setup_station(server, "CS1", status="Pending", fetchBaseReport=True)
            async with scripted_station(server, "CS1") as station:
                await station.boot()
                report_call = await station.expect("GetBaseReport")
                assert (await station.boot())["status"] == "Pending"  # booted again meanwhile
                await station.raw.send([3, report_call[1], {"status": "Accepted"}])
                await station.notify_report(limits_report(report_call[3]["requestId"], items=5))
                await station.answer("TriggerMessage", {"status": "Accepted"})
                await station.no_call(1.0)  # no second GetBaseReport, no second trigger

    async def test_report_that_never_completes_leaves_the_station_pending(self) -> None:
        async with live_server(boot={"report_timeout": 1.0}) as server:
            await setup_station(server, "CS1", status="Pending", fetchBaseReport=True)
            async with scripted_station(server, "CS1") as station:
                await station.boot()
                request = await station.answer("GetBaseReport", {"status": "Accepted"})
                part = limits_report(request["requestId"], items=5) | {"tbc": True}
                await station.notify_report(part)  # ...and the rest never comes
                await station.no_call(2.5)
                settings = await get(server, "/stations/CS1/boot-config")
                assert settings["status"] == "Pending"
                report = await get(server, f"/stations/CS1/reports/{request['requestId']}")
                assert (report["complete"], report["partsReceived"]) == (False, 1)

    async def test_one_flow_per_station_across_processes(self) -> None:
        """Another process holding the station's lock keeps this one out."""
        async with live_server() as server:
            await setup_station(server, "CS1", status="Pending", fetchBaseReport=True)
            key = StationKey("default", "CS1")
            await server.runtime.cache.set(lock_key(key), "other-instance", 30)
            result = await configuration(server).provisioning.provision(key)
            assert result is Provisioned.BUSY
            assert await server.runtime.cache.get(lock_key(key)) == "other-instance"

    async def test_base_report_refused_does_not_block_acceptance(self) -> None:
        async with live_server() as server:
            await setup_station(server, "CS1", status="Pending", fetchBaseReport=True)
            async with scripted_station(server, "CS1") as station:
                await station.boot()
                await station.answer("GetBaseReport", {"status": "NotSupported"})
                await station.answer("TriggerMessage", {"status": "Accepted"})
                assert (await station.boot("Triggered"))["status"] == "Accepted"


async def _lock_free(server: LiveServer, key: StationKey) -> bool:
    return await server.runtime.cache.get(lock_key(key)) is None
