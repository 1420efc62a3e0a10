"""ClearChargingProfile, GetChargingProfiles and the paged ReportChargingProfiles, over a real
websocket: what the CSMS stores follows what the station has."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.modules.smart_charging.helpers import (
    CLEAR,
    GET,
    Station,
    command,
    eventually,
    install,
    profile,
)

PROFILES = "/smart-charging/stations/CS1/charging-profiles"


async def ids(client: httpx.AsyncClient, **params: Any) -> set[int]:
    items = (await client.get(PROFILES, params=params)).json()["items"]
    return {item["chargingProfile"]["id"] for item in items}


async def ids_become(client: httpx.AsyncClient, expected: set[int], **params: Any) -> set[int]:
    async def check() -> bool:
        return await ids(client, **params) == expected

    await eventually(check)
    return await ids(client, **params)


async def two_profiles(client: httpx.AsyncClient, station: Station) -> None:
    await install(client, station, 1, profile(1, stack_level=0))
    await install(client, station, 1, profile(2, stack_level=1, limit=10.0))
    assert await ids_become(client, {1, 2}) == {1, 2}


class TestClear:
    async def test_clear_by_id(self, client: httpx.AsyncClient, station: Station) -> None:
        """TC_K_05_CSMS."""
        await two_profiles(client, station)
        response, frame = await command(
            client, station, CLEAR, {"chargingProfileId": 2}, {"status": "Accepted"}
        )
        assert response.status_code == 200
        assert frame is not None
        assert frame[3] == {"chargingProfileId": 2}
        assert await ids_become(client, {1}) == {1}

    async def test_clear_by_stack_level_and_purpose(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_06_CSMS."""
        await two_profiles(client, station)
        criteria = {
            "chargingProfileCriteria": {
                "evseId": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "stackLevel": 0,
            }
        }
        response, _ = await command(client, station, CLEAR, criteria, {"status": "Accepted"})
        assert response.status_code == 200
        assert await ids_become(client, {2}) == {2}

    async def test_clear_without_a_profile_is_unknown(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_08_CSMS: the station answers Unknown; the operator sees the answer."""
        response, _ = await command(
            client, station, CLEAR, {"chargingProfileId": 99}, {"status": "Unknown"}
        )
        assert response.status_code == 200
        assert response.json()[0]["payload"] == {"status": "Unknown"}

    async def test_external_constraints_are_never_cleared(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """K10.FR.06."""
        body = {
            "chargingProfileCriteria": {
                "chargingProfilePurpose": "ChargingStationExternalConstraints"
            }
        }
        response, _ = await command(client, station, CLEAR, body)
        assert response.status_code == 422
        assert "K10.FR.06" in response.json()["detail"]
        empty, _ = await command(client, station, CLEAR, {})
        assert empty.status_code == 422
        assert await station.nothing_sent()

    async def test_a_reported_external_profile_is_not_cleared_by_id(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        await report(client, station, 5, [(0, external_profile(30))], source="EMS")
        response, _ = await command(client, station, CLEAR, {"chargingProfileId": 30})
        assert response.status_code == 422
        assert await station.nothing_sent()


def external_profile(profile_id: int) -> dict[str, Any]:
    return profile(
        profile_id,
        purpose="ChargingStationExternalConstraints",
        limit=20.0,
        start=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def report(
    client: httpx.AsyncClient,
    station: Station,
    request_id: int,
    parts: list[tuple[int, dict[str, Any]]],
    *,
    source: str = "CSO",
    criteria: dict[str, Any] | None = None,
    evse_id: int | None = None,
) -> httpx.Response:
    """GetChargingProfiles answered Accepted, then one ReportChargingProfiles per part."""
    body: dict[str, Any] = {"requestId": request_id, "chargingProfile": criteria or {}}
    if evse_id is not None:
        body["evseId"] = evse_id
    response, _frame = await command(client, station, GET, body, {"status": "Accepted"})
    assert response.status_code == 200, response.text
    for index, (evse, item) in enumerate(parts):
        payload = {
            "requestId": request_id,
            "chargingLimitSource": source,
            "evseId": evse,
            "chargingProfile": [item],
            "tbc": index + 1 < len(parts),
        }
        answer = await station.call("ReportChargingProfiles", payload)
        assert answer[0] == 3, answer
    return response


class TestReport:
    async def test_all_profiles_paged_are_stored_with_source_station(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_31_CSMS (no evseId), paged with tbc (K09.FR.02)."""
        parts = [
            (0, profile(11, purpose="ChargingStationMaxProfile")),
            (1, profile(12)),
            (2, profile(13)),
        ]
        await report(client, station, 1, parts)
        assert await ids_become(client, {11, 12, 13}, source="station") == {11, 12, 13}
        state = (await client.get("/smart-charging/stations/CS1/profile-reports/1")).json()
        assert (state["status"], state["partsReceived"]) == ("complete", 3)

    async def test_a_full_report_drops_profiles_the_station_no_longer_has(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        await two_profiles(client, station)
        await report(client, station, 2, [(1, profile(2, stack_level=1, limit=10.0))])
        assert await ids_become(client, {2}) == {2}

    async def test_by_evse_and_criteria(self, client: httpx.AsyncClient, station: Station) -> None:
        """K09: only the stored profiles matching the request's criteria are compared with
        the report (the cases TC_K_29-K_36 one by one: test_get_profiles.py)."""
        await install(client, station, 0, profile(1))
        await install(client, station, 1, profile(2, stack_level=1))
        await install(client, station, 1, profile(3, stack_level=2))
        await ids_become(client, {1, 2, 3})
        criteria = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2}
        response = await report(
            client, station, 3, [(1, profile(3, stack_level=2))], criteria=criteria, evse_id=1
        )
        assert response.status_code == 200
        await asyncio.sleep(0.2)
        assert await ids(client) == {1, 2, 3}  # 1 and 2 did not match the request
        by_id = {"chargingProfileId": [1]}
        _empty, frame = await command(
            client,
            station,
            GET,
            {"requestId": 4, "evseId": 0, "chargingProfile": by_id},
            {"status": "NoProfiles"},
        )
        assert frame is not None
        assert frame[3] == {
            "requestId": 4,
            "evseId": 0,
            "chargingProfile": {"chargingProfileId": [1]},
        }
        assert await ids_become(client, {2, 3}) == {2, 3}  # the station has no profile 1

    async def test_by_limit_source_with_external_constraints(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_34_CSMS and TC_K_52_CSMS: external constraints in the report are stored
        with their source; the CSMS never touches them."""
        criteria = {"chargingLimitSource": ["EMS"]}
        await report(
            client,
            station,
            5,
            [(0, external_profile(40))],
            source="EMS",
            criteria=criteria,
            evse_id=0,
        )
        [item] = (await client.get(PROFILES)).json()["items"]
        assert (item["source"], item["chargingLimitSource"]) == ("station", "EMS")

    async def test_a_reused_request_id_is_refused(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        await report(client, station, 6, [(1, profile(1))])
        again, _ = await command(client, station, GET, {"requestId": 6, "chargingProfile": {}})
        assert again.status_code == 409
        assert await station.nothing_sent()
