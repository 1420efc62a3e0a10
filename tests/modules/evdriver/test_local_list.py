"""Local authorization lists end to end: the CSMS builds them from the token table, picks
versions, splits, resends in full when the station refuses, and records what it accepted.

Every test limits its tokens to its own station, so the lists of the tests do not mix."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from citrine_data import Session
from citrine_data.repositories import DeviceModelRepository
from citrine_data.repositories.device_model import CharacteristicsData, ComponentKey, VariableKey
from tests.live import LiveServer, RawStation
from tests.modules.evdriver.support import (
    answer_next,
    booted,
    eventually,
    in_db,
    put_token,
    set_variable,
    station_row,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACCEPTED = {"status": "Accepted"}


async def listed(client: httpx.AsyncClient, station: str, name: str, **fields: Any) -> None:
    await put_token(client, name, inLocalList=True, allowedStationIds=[station], **fields)


async def push(
    client: httpx.AsyncClient,
    station: RawStation,
    station_id: str,
    update: str,
    answers: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """POST a push; answer the SendLocalLists it sends, in order. (requests, report)"""
    reply = asyncio.create_task(
        client.post(f"/stations/{station_id}/local-list", json={"updateType": update})
    )
    sent = [(await answer_next(station, answer, "SendLocalList"))[3] for answer in answers]
    response = await reply
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return sent, report


async def state(client: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/stations/{station_id}/local-list")).json()
    return body


def tokens_of(request: dict[str, Any]) -> list[str]:
    return [item["idToken"]["idToken"] for item in request.get("localAuthorizationList", [])]


async def test_full_differential_remove_and_empty_TC_D_01_to_TC_D_04_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """TC_D_01_CSMS (Full), TC_D_02_CSMS (Differential Update), TC_D_03_CSMS (Differential
    Remove), TC_D_04_CSMS (Full with an empty list)."""
    await put_token(client, "D-FLEET", "Central")
    await listed(client, "D01", "D-A", groupIdToken={"idToken": "D-FLEET", "type": "Central"})
    await listed(client, "D01", "D-B", status="Blocked")
    await put_token(client, "D-NOT-LISTED", allowedStationIds=["D01"])
    async with booted(server, "D01") as station:
        # TC_D_01: a Full list, every entry with its idTokenInfo, a version > 0.
        [full], report = await push(client, station, "D01", "Full", [ACCEPTED])
        assert full["updateType"] == "Full"
        assert full["versionNumber"] == 1
        assert full["localAuthorizationList"] == [
            {
                "idToken": {"idToken": "D-A", "type": "ISO14443"},
                "idTokenInfo": {
                    "status": "Accepted",
                    "groupIdToken": {"idToken": "D-FLEET", "type": "Central"},
                },
            },
            {
                "idToken": {"idToken": "D-B", "type": "ISO14443"},
                "idTokenInfo": {"status": "Blocked"},
            },
        ]
        assert report == {
            "stationId": "D01",
            "status": "Accepted",
            "updateType": "Full",
            "version": 1,
            "messages": 1,
            "entries": 2,
            "fullResent": False,
        }
        # Nothing changed: nothing is sent.
        unchanged = await client.post("/stations/D01/local-list", json={})
        assert unchanged.json()["status"] == "Unchanged"
        assert unchanged.json()["messages"] == 0

        # TC_D_02: a differential update carries only what changed, with its info.
        await listed(client, "D01", "D-B")
        await listed(client, "D01", "D-C")
        [update], report = await push(client, station, "D01", "Differential", [ACCEPTED])
        assert (update["updateType"], update["versionNumber"]) == ("Differential", 2)
        assert tokens_of(update) == ["D-B", "D-C"]
        assert all("idTokenInfo" in item for item in update["localAuthorizationList"])
        assert report["entries"] == 3

        # TC_D_03: a removed token goes without idTokenInfo.
        await client.delete("/id-tokens/ISO14443/D-A")
        await put_token(client, "D-C", allowedStationIds=["D01"])  # no longer listed
        [removal], report = await push(client, station, "D01", "Differential", [ACCEPTED])
        assert removal["versionNumber"] == 3
        assert removal["localAuthorizationList"] == [
            {"idToken": {"idToken": "D-A", "type": "ISO14443"}},
            {"idToken": {"idToken": "D-C", "type": "ISO14443"}},
        ]
        assert report["entries"] == 1

        # TC_D_04: a Full list with no entries empties the station's list.
        await put_token(client, "D-B", allowedStationIds=["D01"])
        [empty], report = await push(client, station, "D01", "Full", [ACCEPTED])
        assert empty == {"versionNumber": 4, "updateType": "Full"}
        assert (report["entries"], report["version"]) == (0, 4)
    final = await state(client, "D01")
    assert (final["version"], final["needsFull"], final["entries"]) == (4, False, 0)
    assert final["syncedAt"] is not None


async def test_a_large_list_goes_as_one_full_and_differentials(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    for number in range(5):
        await listed(client, "DSPLIT", f"SPLIT-{number}")
    async with booted(server, "DSPLIT") as station:
        await set_variable(server, "DSPLIT", "LocalAuthListCtrlr", "ItemsPerMessage", "2")
        sent, report = await push(client, station, "DSPLIT", "Full", [ACCEPTED] * 3)
    assert [(r["updateType"], r["versionNumber"], len(tokens_of(r))) for r in sent] == [
        ("Full", 1, 2),
        ("Differential", 2, 2),
        ("Differential", 3, 1),
    ]
    assert [name for r in sent for name in tokens_of(r)] == [f"SPLIT-{n}" for n in range(5)]
    assert (report["status"], report["version"], report["messages"], report["entries"]) == (
        "Accepted",
        3,
        3,
        5,
    )
    offline = await client.post("/stations/DSPLIT/local-list", json={"updateType": "Full"})
    assert offline.status_code == 404
    assert (await state(client, "DSPLIT"))["needsFull"] is False  # nothing reached it
    entries = (await client.get("/stations/DSPLIT/local-list/entries", params={"limit": 2})).json()
    assert entries["total"] == 5
    assert [item["idToken"] for item in entries["items"]] == ["SPLIT-0", "SPLIT-1"]


async def test_a_refused_differential_is_followed_by_the_full_list(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await listed(client, "DMISS", "MISS-A")
    async with booted(server, "DMISS") as station:
        await push(client, station, "DMISS", "Full", [ACCEPTED])
        await listed(client, "DMISS", "MISS-B")
        sent, report = await push(
            client, station, "DMISS", "Differential", [{"status": "VersionMismatch"}, ACCEPTED]
        )
        assert [(r["updateType"], tokens_of(r)) for r in sent] == [
            ("Differential", ["MISS-B"]),
            ("Full", ["MISS-A", "MISS-B"]),
        ]
        assert sent[1]["versionNumber"] == 2  # the refused version was never taken
        assert (report["status"], report["fullResent"], report["messages"]) == ("Accepted", True, 2)

        # A station that fails the full list too: the CSMS says so and trusts nothing.
        await listed(client, "DMISS", "MISS-C")
        sent, report = await push(
            client, station, "DMISS", "Differential", [{"status": "Failed"}, {"status": "Failed"}]
        )
        assert [r["updateType"] for r in sent] == ["Differential", "Full"]
        assert report["status"] == "Failed"
        assert (await state(client, "DMISS"))["needsFull"] is True
        # So the next push is a full one, whatever was asked.
        sent, _ = await push(client, station, "DMISS", "Differential", [ACCEPTED])
        assert sent[0]["updateType"] == "Full"


async def test_list_versions_reported_by_the_station_TC_D_08_CSMS_TC_D_09_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await listed(client, "D08", "VER-A")

    async def ask_version(station: RawStation, version: int) -> None:
        reply = asyncio.create_task(
            client.post(
                "/ocpp/2.0.1/evdriver/getLocalListVersion",
                params={"identifier": "D08", "wait": 10},
                json={},
            )
        )
        frame = await answer_next(station, {"versionNumber": version}, "GetLocalListVersion")
        assert frame[3] == {}
        assert (await reply).json()[0]["payload"] == {"versionNumber": version}

    async with booted(server, "D08") as station:
        await ask_version(station, 7)
        seen = await eventually(
            lambda: _when(state(client, "D08"), lambda body: body["reportedVersion"] == 7)
        )
        assert (seen["version"], seen["needsFull"]) == (7, True)
        # The next version is above what the station holds, and the list is sent in full.
        [sent], _ = await push(client, station, "D08", "Differential", [ACCEPTED])
        assert (sent["updateType"], sent["versionNumber"]) == ("Full", 8)
        # TC_D_09: no list installed.
        await ask_version(station, 0)
        cleared = await eventually(
            lambda: _when(state(client, "D08"), lambda body: body["reportedVersion"] == 0)
        )
        assert (cleared["version"], cleared["entries"], cleared["needsFull"]) == (0, 0, False)


async def test_a_list_sent_through_the_generic_endpoint_is_recorded(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    body = {
        "versionNumber": 12,
        "updateType": "Full",
        "localAuthorizationList": [
            {
                "idToken": {"idToken": "RAW-1", "type": "Central"},
                "idTokenInfo": {"status": "Accepted"},
            }
        ],
    }
    async with booted(server, "DRAW") as station:
        reply = asyncio.create_task(
            client.post(
                "/ocpp/2.0.1/evdriver/sendLocalList",
                params={"identifier": "DRAW", "wait": 10},
                json=body,
            )
        )
        await answer_next(station, ACCEPTED, "SendLocalList")
        await reply
    recorded = await eventually(lambda: _when(state(client, "DRAW"), lambda s: s["version"] == 12))
    assert (recorded["entries"], recorded["needsFull"]) == (1, False)


async def test_what_is_refused_before_asking_the_station(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    for number in range(3):
        await listed(client, "DLIM", f"LIM-{number}")
    async with booted(server, "DLIM"):

        async def entries_limit(session: Session) -> None:
            station = await station_row(session, "DLIM")
            repository = DeviceModelRepository.from_session(session)
            component = await repository.upsert_component(
                station.id, ComponentKey("LocalAuthListCtrlr")
            )
            variable = await repository.upsert_variable(component.id, VariableKey("Entries"))
            await repository.set_characteristics(
                variable.id,
                CharacteristicsData(data_type="integer", supports_monitoring=False, max_limit=2),
            )

        await in_db(server, entries_limit)
        too_many = await client.post("/stations/DLIM/local-list", json={"updateType": "Full"})
        assert too_many.status_code == 422
        assert "at most 2" in too_many.json()["detail"]
        await set_variable(server, "DLIM", "LocalAuthListCtrlr", "Enabled", "false")
        disabled = await client.post("/stations/DLIM/local-list", json={"updateType": "Full"})
        assert disabled.status_code == 409
    unknown = await client.post("/stations/NOSUCH/local-list", json={})
    assert unknown.status_code == 404
    bad = await client.post("/stations/DLIM/local-list", json={"updateType": "Partial"})
    assert bad.status_code == 422


async def test_a_station_that_does_not_answer(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await listed(client, "DSIL", "SIL-A")
    async with booted(server, "DSIL") as station:
        reply = asyncio.create_task(
            client.post("/stations/DSIL/local-list", json={"updateType": "Full"})
        )
        assert (await station.recv())[2] == "SendLocalList"  # never answered
        response = await reply
    assert response.status_code == 504
    assert (await state(client, "DSIL"))["needsFull"] is True


async def _when(fetch: Any, condition: Any) -> dict[str, Any] | None:
    body = await fetch
    return body if condition(body) else None
