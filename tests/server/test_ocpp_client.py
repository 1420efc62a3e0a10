"""Boot and heartbeat driven by an independent OCPP implementation: mobilityhouse ``ocpp``'s
v201 ChargePoint, which validates every frame against the official schemas on its side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result, datatypes, enums
from websockets.asyncio.client import connect

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, messages
from tests.live import LiveServer, live_server


class Station(ChargePoint):  # type: ignore[misc]
    """A station that also answers the CSMS's Reset, to exercise the other direction."""

    @on("Reset")  # type: ignore[misc]
    async def on_reset(self, type: str, **kwargs: object) -> call_result.Reset:
        return call_result.Reset(status="Accepted")


@asynccontextmanager
async def ocpp_station(server: LiveServer, station_id: str) -> AsyncIterator[Station]:
    async with connect(server.ws_url(station_id), subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        station = Station(station_id, ws)
        reader = asyncio.create_task(station.start())
        try:
            yield station
        finally:
            reader.cancel()


async def test_boot_and_heartbeat_with_an_independent_client() -> None:
    """TC_B_01_CSMS with mobilityhouse ocpp as the charging station."""
    async with live_server() as server, ocpp_station(server, "MH-1") as station:
        boot = await station.call(
            call.BootNotification(
                charging_station=datatypes.ChargingStationType(
                    vendor_name="Acme", model="Z1", serial_number="42"
                ),
                reason=enums.BootReasonEnumType.power_up,
            )
        )
        assert boot.status == "Accepted"
        assert boot.interval == server.config.ocpp.heartbeat_interval
        heartbeat = await station.call(call.Heartbeat())
        current = datetime.fromisoformat(heartbeat.current_time.replace("Z", "+00:00"))
        assert abs(current - datetime.now(UTC)) < timedelta(seconds=5)


async def test_csms_call_answered_by_an_independent_client() -> None:
    async with live_server() as server, ocpp_station(server, "MH-2") as station:
        await station.call(
            call.BootNotification(
                charging_station=datatypes.ChargingStationType(vendor_name="Acme", model="Z1"),
                reason=enums.BootReasonEnumType.power_up,
            )
        )
        request = messages.ResetRequest.model_validate_json('{"type": "Immediate"}')
        response = await server.runtime.deps.commands.call(
            StationKey("default", "MH-2"), Action.RESET, request
        )
        assert isinstance(response, messages.ResetResponse)
        assert response.status.value == "Accepted"
