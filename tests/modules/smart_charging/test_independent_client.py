"""ISO 15118 load leveling with an independent station implementation: mobilityhouse
``ocpp``'s v201 ChargePoint, which validates every frame against the official schemas on its
side, so the CSMS's own TxProfile is checked by someone else's reading of the schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result, datatypes, enums
from websockets.asyncio.client import connect

from tests.live import LiveServer
from tests.modules.smart_charging.helpers import start_transaction


class IsoStation(ChargePoint):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profiles: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @on("SetChargingProfile")  # type: ignore[misc]
    async def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **kwargs: object
    ) -> call_result.SetChargingProfile:
        await self.profiles.put({"evse_id": evse_id, **charging_profile})
        return call_result.SetChargingProfile(status="Accepted")


async def test_load_leveling_with_an_independent_client(server: LiveServer) -> None:
    """TC_K_53_CSMS."""
    async with connect(server.ws_url("MH-1"), subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        station = IsoStation("MH-1", ws)
        reader = asyncio.create_task(station.start())
        try:
            boot = await station.call(
                call.BootNotification(
                    charging_station=datatypes.ChargingStationType(vendor_name="Acme", model="Z1"),
                    reason=enums.BootReasonEnumType.power_up,
                )
            )
            assert boot.status == "Accepted"
            await start_transaction(server, "MH-1", "TX-MH")
            needs = await station.call(
                call.NotifyEVChargingNeeds(
                    evse_id=1,
                    max_schedule_tuples=5,
                    charging_needs=datatypes.ChargingNeedsType(
                        requested_energy_transfer=enums.EnergyTransferModeEnumType.ac_three_phase,
                        ac_charging_parameters=datatypes.ACChargingParametersType(
                            energy_amount=30000,
                            ev_min_current=6,
                            ev_max_current=24,
                            ev_max_voltage=230,
                        ),
                    ),
                )
            )
            assert needs.status == "Accepted"
            profile = await asyncio.wait_for(station.profiles.get(), 60)
            assert profile["evse_id"] == 1
            assert profile["charging_profile_purpose"] == "TxProfile"
            assert profile["transaction_id"] == "TX-MH"
            [schedule] = profile["charging_schedule"]
            assert schedule["charging_schedule_period"] == [{"start_period": 0, "limit": 24.0}]
            answer = await station.call(
                call.NotifyEVChargingSchedule(
                    time_base=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    evse_id=1,
                    charging_schedule=datatypes.ChargingScheduleType(
                        id=1,
                        charging_rate_unit=enums.ChargingRateUnitEnumType.amps,
                        charging_schedule_period=[
                            datatypes.ChargingSchedulePeriodType(start_period=0, limit=24.0)
                        ],
                    ),
                )
            )
            assert answer.status == "Accepted"
        finally:
            reader.cancel()
