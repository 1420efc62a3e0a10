"""External charging limits (K11-K13) and ISO 15118 charging needs and schedules (K15-K17)
over a real websocket."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.live import LiveServer
from tests.modules.smart_charging.helpers import (
    SET,
    Station,
    command,
    eventually,
    profile,
    start_transaction,
)

LIMITS = "/smart-charging/stations/CS1/charging-limits"
NEEDS = "/smart-charging/stations/CS1/ev-charging-needs"
AC_NEEDS = {
    "requestedEnergyTransfer": "AC_three_phase",
    "acChargingParameters": {
        "energyAmount": 50000,
        "evMinCurrent": 6,
        "evMaxCurrent": 20,
        "evMaxVoltage": 230,
    },
}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TestExternalLimits:
    async def test_a_limit_is_answered_and_stored(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_48_CSMS."""
        answer = await station.call(
            "NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "EMS"}}
        )
        assert answer == [3, answer[1], {}]
        schedule = {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
        }
        await station.call(
            "NotifyChargingLimit",
            {
                "chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True},
                "evseId": 1,
                "chargingSchedule": [schedule],
            },
        )
        limits = (await client.get(LIMITS)).json()
        assert [(item["evseId"], item["source"], item["isGridCritical"]) for item in limits] == [
            (0, "EMS", None),
            (1, "SO", True),
        ]
        assert limits[1]["schedules"] == [schedule]

    async def test_a_released_limit_is_forgotten(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_50_CSMS and TC_K_51_CSMS (with a transaction running)."""
        await start_transaction(server, "CS1", "TX-51")
        await station.call("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "EMS"}})
        answer = await station.call("ClearedChargingLimit", {"chargingLimitSource": "EMS"})
        assert answer[2] == {}
        assert (await client.get(LIMITS)).json() == []


async def needs(station: Station, charging_needs: dict[str, Any], **extra: Any) -> str:
    answer = await station.call(
        "NotifyEVChargingNeeds", {"evseId": 1, "chargingNeeds": charging_needs, **extra}
    )
    assert answer[0] == 3, answer
    status: str = answer[2]["status"]
    return status


async def tx_profile(station: Station, transaction_id: str) -> dict[str, Any]:
    """The CSMS's TxProfile (within K15's 60 s), answered Accepted."""
    frame = await station.next_call("SetChargingProfile", timeout=60)
    await station.reply(frame, {"status": "Accepted"})
    assert frame[3]["evseId"] == 1
    sent: dict[str, Any] = frame[3]["chargingProfile"]
    assert sent["chargingProfilePurpose"] == "TxProfile"
    assert sent["transactionId"] == transaction_id
    return sent


async def ev_schedule(station: Station, schedule: dict[str, Any]) -> str:
    answer = await station.call(
        "NotifyEVChargingSchedule", {"timeBase": now(), "evseId": 1, "chargingSchedule": schedule}
    )
    assert answer[0] == 3, answer
    status: str = answer[2]["status"]
    return status


class TestChargingNeeds:
    async def test_load_leveling_success(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_53_CSMS: Accepted, a TxProfile fitted to the EV (20 A), the EV's schedule
        within it Accepted, and no further profile without cause."""
        await start_transaction(server, "CS1", "TX-53")
        assert await needs(station, AC_NEEDS, maxScheduleTuples=10) == "Accepted"
        sent = await tx_profile(station, "TX-53")
        schedule = sent["chargingSchedule"][0]
        assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 20.0}]
        assert schedule["chargingRateUnit"] == "A"
        assert schedule["minChargingRate"] == 6.0
        ev = {k: v for k, v in schedule.items() if k != "startSchedule"}
        assert await ev_schedule(station, ev) == "Accepted"
        assert await station.nothing_sent(2)
        [stored] = (await client.get(NEEDS)).json()
        assert (stored["transactionId"], stored["status"], stored["evScheduleStatus"]) == (
            "TX-53",
            "Accepted",
            "Accepted",
        )

    async def test_an_ev_schedule_above_the_limits_is_renegotiated(
        self, server: LiveServer, station: Station
    ) -> None:
        """TC_K_55_CSMS: needs without parameters still get a TxProfile; an EV schedule
        asking for twice its limit is Rejected and the CSMS sends the TxProfile again."""
        await start_transaction(server, "CS1", "TX-55")
        assert await needs(station, {"requestedEnergyTransfer": "AC_three_phase"}) == "Accepted"
        first = (await tx_profile(station, "TX-55"))["chargingSchedule"][0]
        doubled = {
            "id": first["id"],
            "chargingRateUnit": first["chargingRateUnit"],
            "chargingSchedulePeriod": [
                {"startPeriod": p["startPeriod"], "limit": p["limit"] * 2}
                for p in first["chargingSchedulePeriod"]
            ],
        }
        assert await ev_schedule(station, doubled) == "Rejected"
        second = (await tx_profile(station, "TX-55"))["chargingSchedule"][0]
        again = {k: v for k, v in second.items() if k != "startSchedule"}
        assert await ev_schedule(station, again) == "Accepted"

    async def test_the_ev_renegotiates(self, server: LiveServer, station: Station) -> None:
        """TC_K_57_CSMS: new needs from the EV get a new TxProfile for the same transaction."""
        await start_transaction(server, "CS1", "TX-57")
        assert await needs(station, AC_NEEDS) == "Accepted"
        first = await tx_profile(station, "TX-57")
        smaller = {
            **AC_NEEDS,
            "acChargingParameters": {**AC_NEEDS["acChargingParameters"], "evMaxCurrent": 10},
        }  # type: ignore[dict-item]
        assert await needs(station, smaller) == "Accepted"
        second = await tx_profile(station, "TX-57")
        assert second["id"] == first["id"]
        assert second["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 10.0

    async def test_the_csms_renegotiates(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_58_CSMS and TC_K_59_CSMS: an operator's TxProfile for the transaction is
        sent; the CSMS's own profile then folds its lower limit in; the EV's schedule within
        it is Accepted; needs sent again get a profile again."""
        await start_transaction(server, "CS1", "TX-58")
        assert await needs(station, AC_NEEDS) == "Accepted"
        managed = await tx_profile(station, "TX-58")
        operator = profile(5, purpose="TxProfile", transactionId="TX-58", limit=12.0)
        operator["stackLevel"] = managed["stackLevel"] + 1
        response, _frame = await command(
            client, station, SET, {"evseId": 1, "chargingProfile": operator}, {"status": "Accepted"}
        )
        assert response.status_code == 200
        refit = await tx_profile(station, "TX-58")
        assert refit["id"] == managed["id"]
        assert refit["stackLevel"] > operator["stackLevel"]
        assert refit["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 12.0
        within = {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11.0}],
        }
        assert await ev_schedule(station, within) == "Accepted"
        assert await needs(station, AC_NEEDS) == "Accepted"
        await tx_profile(station, "TX-58")

    async def test_needs_before_the_transaction_is_known(
        self, server: LiveServer, station: Station
    ) -> None:
        """Processing (K15.FR.05): the TxProfile follows once the transaction is stored."""
        assert await needs(station, AC_NEEDS) == "Processing"
        await start_transaction(server, "CS1", "TX-LATE")
        await tx_profile(station, "TX-LATE")

    async def test_contradicting_needs_are_rejected(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        await start_transaction(server, "CS1", "TX-X")
        dc_only = {
            "requestedEnergyTransfer": "AC_single_phase",
            "dcChargingParameters": {"evMaxCurrent": 100, "evMaxVoltage": 400},
        }
        assert await needs(station, dc_only) == "Rejected"
        assert await station.nothing_sent(1)

        async def stored() -> list[dict[str, Any]]:
            return list((await client.get(NEEDS)).json())

        assert (await eventually(stored))[0]["status"] == "Rejected"

    async def test_dc_needs_get_a_power_profile(self, server: LiveServer, station: Station) -> None:
        await start_transaction(server, "CS1", "TX-DC")
        dc = {
            "requestedEnergyTransfer": "DC",
            "dcChargingParameters": {"evMaxCurrent": 125, "evMaxVoltage": 400, "evMaxPower": 40000},
        }
        assert await needs(station, dc) == "Accepted"
        schedule = (await tx_profile(station, "TX-DC"))["chargingSchedule"][0]
        assert schedule["chargingRateUnit"] == "W"
        assert schedule["chargingSchedulePeriod"][0]["limit"] == 40000.0
