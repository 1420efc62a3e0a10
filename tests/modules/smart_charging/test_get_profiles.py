"""GetChargingProfiles (K09) per conformance case: the operator's evseId and criteria reach
the station unchanged, and the profiles it reports are what the operator then sees."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.modules.smart_charging.helpers import Station, eventually, profile
from tests.modules.smart_charging.test_clear_and_report import PROFILES, report

MAX = "ChargingStationMaxProfile"
DEFAULT = "TxDefaultProfile"

CASES: list[tuple[int | None, dict[str, Any], list[tuple[int, dict[str, Any]]]]] = [
    # TC_K_29_CSMS: evseId 0.
    (0, {}, [(0, profile(21, purpose=MAX)), (0, profile(22, stack_level=1))]),
    # TC_K_30_CSMS: evseId > 0.
    (1, {}, [(1, profile(23)), (1, profile(24, stack_level=2))]),
    # TC_K_32_CSMS: by chargingProfileId.
    (None, {"chargingProfileId": [25]}, [(2, profile(25, stack_level=3))]),
    # TC_K_33_CSMS: evseId > 0 and stackLevel.
    (1, {"stackLevel": 4}, [(1, profile(26, stack_level=4))]),
    # TC_K_35_CSMS: evseId > 0 and chargingProfilePurpose.
    (1, {"chargingProfilePurpose": DEFAULT}, [(1, profile(27)), (1, profile(28, stack_level=1))]),
    # TC_K_36_CSMS: evseId > 0, chargingProfilePurpose and stackLevel.
    (1, {"chargingProfilePurpose": DEFAULT, "stackLevel": 5}, [(1, profile(29, stack_level=5))]),
]


@pytest.mark.parametrize(
    ("evse_id", "criteria", "parts"),
    CASES,
    ids=[
        "TC_K_29_CSMS",
        "TC_K_30_CSMS",
        "TC_K_32_CSMS",
        "TC_K_33_CSMS",
        "TC_K_35_CSMS",
        "TC_K_36_CSMS",
    ],
)
async def test_get_charging_profiles(
    client: httpx.AsyncClient,
    station: Station,
    evse_id: int | None,
    criteria: dict[str, Any],
    parts: list[tuple[int, dict[str, Any]]],
) -> None:
    """TC_K_29_CSMS (evseId 0), TC_K_30_CSMS (evseId > 0), TC_K_32_CSMS (chargingProfileId),
    TC_K_33_CSMS (evseId > 0 + stackLevel), TC_K_35_CSMS (evseId > 0 + purpose),
    TC_K_36_CSMS (evseId > 0 + purpose + stackLevel): GetChargingProfiles carries exactly the
    operator's request; every ReportChargingProfiles part is answered; the reported profiles
    are listed, from the station, on the EVSE it named, and the report is complete."""
    await report(client, station, 7, parts, criteria=criteria, evse_id=evse_id)
    [sent] = [frame for frame in station.received if frame[2] == "GetChargingProfiles"]
    expected: dict[str, Any] = {"requestId": 7, "chargingProfile": criteria}
    if evse_id is not None:
        expected["evseId"] = evse_id

    wanted = sorted((item["id"], evse) for evse, item in parts)

    async def listed_as_reported() -> bool:
        items = (await client.get(PROFILES, params={"source": "station"})).json()["items"]
        return sorted((item["chargingProfile"]["id"], item["evseId"]) for item in items) == wanted

    assert await eventually(listed_as_reported) is True
    state = (await client.get("/smart-charging/stations/CS1/profile-reports/7")).json()
    assert sent[3] == expected
    assert (state["status"], state["partsReceived"]) == ("complete", len(parts))
