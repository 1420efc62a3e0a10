"""The Pending provisioning flow against an independent OCPP implementation: mobilityhouse
``ocpp``'s v201 ChargePoint, which checks every frame against the official schemas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result, datatypes, enums
from websockets.asyncio.client import connect

from tests.live import live_server
from tests.modules.stations import eventually

BOOT = {
    "charging_station": datatypes.ChargingStationType(vendor_name="Acme", model="Z1"),
}


class Station(ChargePoint):  # type: ignore[misc]
    """Reports a device model in two parts, accepts variables, boots again when triggered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_requests: list[list[dict[str, Any]]] = []
        self.boots: list[str] = []
        self.accepted = asyncio.Event()
        self._work: set[asyncio.Task[None]] = set()

    async def boot(self, reason: enums.BootReasonEnumType) -> str:
        answer = await self.call(call.BootNotification(reason=reason, **BOOT))
        self.boots.append(answer.status)
        if answer.status == "Accepted":
            self.accepted.set()
        return str(answer.status)

    def _later(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    @on("GetBaseReport")  # type: ignore[misc]
    async def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> Any:
        return call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")  # type: ignore[misc]
    async def send_report(self, request_id: int, report_base: str, **_: Any) -> None:
        self._later(self._report(request_id))

    async def _report(self, request_id: int) -> None:
        now = datetime.now(UTC).isoformat()
        limits = [
            {
                "component": {"name": "DeviceDataCtrlr"},
                "variable": {"name": "ItemsPerMessage", "instance": "SetVariables"},
                "variable_attribute": [{"type": "Actual", "value": "1", "mutability": "ReadOnly"}],
            }
        ]
        heartbeat = [
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "variable_attribute": [{"value": "300"}],
            }
        ]
        await self.call(call.NotifyReport(request_id, now, 0, limits, tbc=True))
        await self.call(call.NotifyReport(request_id, now, 1, heartbeat, tbc=False))

    @on("SetVariables")  # type: ignore[misc]
    async def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self.set_requests.append(set_variable_data)
        return call_result.SetVariables(
            set_variable_result=[
                {
                    "component": item["component"],
                    "variable": item["variable"],
                    "attribute_status": "Accepted",
                }
                for item in set_variable_data
            ]
        )

    @on("TriggerMessage")  # type: ignore[misc]
    async def on_trigger(self, requested_message: str, **_: Any) -> Any:
        return call_result.TriggerMessage(status="Accepted")

    @after("TriggerMessage")  # type: ignore[misc]
    async def booted_again(self, requested_message: str, **_: Any) -> None:
        if requested_message == "BootNotification":
            self._later(self.boot(enums.BootReasonEnumType.triggered))


async def test_pending_flow_with_an_independent_client() -> None:
    """TC_B_02_CSMS and TC_B_31_CSMS, the station played by mobilityhouse ocpp."""
    items = [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": name}, "attributeValue": v}
        for name, v in (("HeartbeatInterval", "60"), ("OfflineThreshold", "900"))
    ]
    async with live_server() as server:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            await client.post("/stations", json={"stationId": "MH-P"})
            await client.put(
                "/stations/MH-P/boot-config",
                json={"status": "Pending", "fetchBaseReport": True, "setVariables": items},
            )
        async with connect(server.ws_url("MH-P"), subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
            station = Station("MH-P", ws)
            reader = asyncio.create_task(station.start())
            try:
                assert await station.boot(enums.BootReasonEnumType.power_up) == "Pending"
                await asyncio.wait_for(station.accepted.wait(), 20)
            finally:
                reader.cancel()
        async with httpx.AsyncClient(base_url=server.base_url) as client:

            async def values() -> dict[str, str]:
                model = (await client.get("/stations/MH-P/device-model/OCPPCommCtrlr")).json()
                found = {
                    v["name"]: v["attributes"][0]["value"] for v in model["items"][0]["variables"]
                }
                # reported 300, then set to 60 while Pending (stored by a result handler)
                return found if found.get("HeartbeatInterval") == "60" and len(found) == 2 else {}

            stored = await eventually(values)
    assert station.boots == ["Pending", "Accepted"]
    # ItemsPerMessage[SetVariables] = 1 from the report: one item per SetVariables
    assert [len(request) for request in station.set_requests] == [1, 1]
    assert stored == {"HeartbeatInterval": "60", "OfflineThreshold": "900"}
