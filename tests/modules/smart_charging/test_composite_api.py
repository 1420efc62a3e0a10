"""GetCompositeSchedule sent to the station, and the composite schedule the CSMS computes
itself from the profiles it stored, both over REST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.live import LiveServer
from tests.modules.smart_charging.helpers import (
    COMPOSITE,
    Station,
    command,
    eventually,
    install,
    profile,
    smart_charging_ctrlr,
    start_transaction,
)

COMPUTED = "/smart-charging/stations/CS1/composite-schedule"
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)


async def computed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    params.setdefault("start", T0.isoformat())
    response = await client.get(COMPUTED, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def periods(body: dict[str, Any]) -> list[tuple[int, float]]:
    return [(p["startPeriod"], p["limit"]) for p in body["schedule"]["chargingSchedulePeriod"]]


class TestAskingTheStation:
    async def test_composite_schedule_of_an_evse(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_43_CSMS."""
        answer = {
            "status": "Accepted",
            "schedule": {
                "evseId": 1,
                "duration": 300,
                "scheduleStart": "2026-06-01T08:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            },
        }
        body = {"duration": 300, "evseId": 1, "chargingRateUnit": "A"}
        response, frame = await command(client, station, COMPOSITE, body, answer)
        assert response.status_code == 200
        assert frame is not None
        assert frame[3] == body
        assert response.json()[0]["payload"] == answer

    async def test_composite_schedule_of_the_station(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_44_CSMS."""
        response, frame = await command(
            client, station, COMPOSITE, {"duration": 600, "evseId": 0}, {"status": "Rejected"}
        )
        assert response.status_code == 200
        assert frame is not None
        assert frame[3]["evseId"] == 0

    async def test_checked_before_sending(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        await smart_charging_ctrlr(server, "CS1", RateUnit="A")
        for body in (
            {"duration": 0, "evseId": 1},
            {"duration": 60, "evseId": 1, "chargingRateUnit": "W"},
            {"duration": 60, "evseId": -1},
        ):
            response, _ = await command(client, station, COMPOSITE, body)
            assert response.status_code == 422, body
        assert await station.nothing_sent()


class TestComputedByTheCsms:
    async def test_the_composite_schedule_of_two_stacked_profiles_is_right(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """A TxDefaultProfile at stack level 0 and a shorter one at level 1 above it, under a
        ChargingStationMaxProfile: the operator sees the result without asking the station."""
        base = profile(1, start=T0, periods=[{"startPeriod": 0, "limit": 16.0}])
        boost = profile(
            2,
            stack_level=1,
            start=T0,
            periods=[{"startPeriod": 0, "limit": 24.0}, {"startPeriod": 900, "limit": 10.0}],
            schedule={"duration": 1800},
        )
        station_max = profile(
            3,
            purpose="ChargingStationMaxProfile",
            start=T0,
            periods=[{"startPeriod": 0, "limit": 20.0}],
        )
        for evse_id, body in ((1, base), (1, boost), (0, station_max)):
            await install(client, station, evse_id, body)

        async def all_stored() -> bool:
            listing = await client.get("/smart-charging/stations/CS1/charging-profiles")
            return len(listing.json()["items"]) == 3

        await eventually(all_stored)
        body = await computed(client, evseId=1, duration=3600)
        assert periods(body) == [(0, 20.0), (900, 10.0), (1800, 16.0)]
        schedule = body["schedule"]
        assert (schedule["evseId"], schedule["duration"], schedule["chargingRateUnit"]) == (
            1,
            3600,
            "A",
        )
        assert schedule["scheduleStart"] == T0.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert body["unlimitedPeriods"] == []
        assert any("230 V" in note for note in body["assumptions"])

        in_watts = await computed(client, evseId=1, duration=3600, chargingRateUnit="W")
        assert periods(in_watts) == [(0, 13800.0), (900, 6900.0), (1800, 11040.0)]
        station_wide = await computed(client, evseId=0, duration=3600)
        assert periods(station_wide) == [(0, 20.0)]

    async def test_a_tx_profile_counts_for_its_running_transaction(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        await start_transaction(server, "CS1", "TX-1", evse_id=1)
        await install(client, station, 1, profile(1, start=T0, limit=16.0))
        tx = profile(2, purpose="TxProfile", transactionId="TX-1", start=T0, limit=28.0)
        await install(client, station, 1, tx)

        async def tx_counts() -> bool:
            return periods(await computed(client, evseId=1, duration=600)) == [(0, 28.0)]

        assert await eventually(tx_counts)
        other_evse = await computed(client, evseId=2, duration=600)
        assert other_evse["unlimitedPeriods"] == [0]  # both profiles were for EVSE 1 only

    async def test_no_stored_profile(self, client: httpx.AsyncClient, station: Station) -> None:
        body = await computed(client, evseId=1, duration=600)
        assert body["unlimitedPeriods"] == [0]
        assert any("no limit known" in note for note in body["assumptions"])

    async def test_bad_queries(self, client: httpx.AsyncClient, station: Station) -> None:
        assert (await client.get(COMPUTED, params={"evseId": 1, "duration": 0})).status_code == 422
        assert (await client.get(COMPUTED, params={"duration": 60})).status_code == 422
        unknown = "/smart-charging/stations/NOBODY/composite-schedule"
        assert (await client.get(unknown, params={"evseId": 1})).status_code == 404
