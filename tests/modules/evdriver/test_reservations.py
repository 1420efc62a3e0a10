"""Reservations end to end: REST asks, the station answers and reports, the CSMS records."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Session
from citrine_modules.evdriver.reservations import reservation_service
from tests.live import LiveServer, RawStation
from tests.modules.evdriver.support import (
    answer_next,
    booted,
    eventually,
    in_db,
    put_token,
    start_transaction,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def expiry(minutes: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def reserve(
    client: httpx.AsyncClient, station: RawStation, body: dict[str, Any], answer: dict[str, Any]
) -> tuple[list[Any], httpx.Response]:
    """POST /reservations while the station answers the ReserveNow it gets."""
    reply = asyncio.create_task(client.post("/reservations", json=body))
    frame = await answer_next(station, answer, "ReserveNow")
    return frame, await reply


async def reservation(
    client: httpx.AsyncClient, station_id: str, reservation_id: int, status: str | None = None
) -> dict[str, Any] | None:
    response = await client.get(f"/reservations/{station_id}/{reservation_id}")
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    return body if status is None or body["status"] == status else None


async def test_reserve_a_specific_evse_TC_H_01_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "H01-TOKEN", "Central")
    async with booted(server, "H01") as station:
        body = {
            "stationId": "H01",
            "evseId": 1,
            "expiryDateTime": expiry(),
            "idToken": {"idToken": "H01-TOKEN", "type": "Central"},
        }
        frame, response = await reserve(client, station, body, {"status": "Accepted"})
    assert response.status_code == 200, response.text
    sent = frame[3]
    assert response.json() == {
        "stationId": "H01",
        "reservationId": sent["id"],
        "answer": {"status": "Accepted"},
    }
    assert sent["evseId"] == 1
    assert sent["idToken"] == {"idToken": "H01-TOKEN", "type": "Central"}
    assert "connectorType" not in sent
    assert "groupIdToken" not in sent
    stored = await eventually(lambda: reservation(client, "H01", sent["id"], "Accepted"))
    assert stored["holding"] is True
    assert stored["evseId"] == 1


async def test_unspecified_evse_and_connector_type_TC_H_08_CSMS_TC_H_15_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "H08-TOKEN", "Central")
    token = {"idToken": "H08-TOKEN", "type": "Central"}
    async with booted(server, "H08") as station:
        any_evse, _ = await reserve(
            client,
            station,
            {"stationId": "H08", "expiryDateTime": expiry(), "idToken": token},
            {"status": "Accepted"},
        )
        by_type, _ = await reserve(
            client,
            station,
            {
                "stationId": "H08",
                "expiryDateTime": expiry(),
                "idToken": token,
                "connectorType": "cType2",
            },
            {"status": "Accepted"},
        )
    assert "evseId" not in any_evse[3]
    assert by_type[3]["connectorType"] == "cType2"
    assert "evseId" not in by_type[3]
    # Ids chosen by the CSMS differ per reservation.
    assert any_evse[3]["id"] != by_type[3]["id"]
    stored = await eventually(lambda: reservation(client, "H08", by_type[3]["id"], "Accepted"))
    assert stored["connectorType"] == "cType2"


async def test_as_many_reservations_as_evses_TC_H_14_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """Two EVSEs: two reservations accepted; the third is answered Occupied."""
    await put_token(client, "H14-TOKEN", "Central")
    body = {
        "stationId": "H14",
        "expiryDateTime": expiry(),
        "idToken": {"idToken": "H14-TOKEN", "type": "Central"},
    }
    async with booted(server, "H14") as station:
        answers = [{"status": "Accepted"}, {"status": "Accepted"}, {"status": "Occupied"}]
        ids = [(await reserve(client, station, body, answer))[0][3]["id"] for answer in answers]
    assert len(set(ids)) == 3
    await eventually(lambda: reservation(client, "H14", ids[2], "Occupied"))
    listed = (
        await client.get("/reservations", params={"stationId": "H14", "holding": True})
    ).json()
    assert sorted(item["reservationId"] for item in listed["items"]) == sorted(ids[:2])


async def test_cancel_a_reservation_TC_H_17_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "H17-TOKEN", "Central")
    body = {
        "stationId": "H17",
        "id": 1700,
        "evseId": 1,
        "expiryDateTime": expiry(),
        "idToken": {"idToken": "H17-TOKEN", "type": "Central"},
    }
    async with booted(server, "H17") as station:
        await reserve(client, station, body, {"status": "Accepted"})
        await eventually(lambda: reservation(client, "H17", 1700, "Accepted"))
        reply = asyncio.create_task(client.post("/reservations/H17/1700/cancel"))
        frame = await answer_next(station, {"status": "Accepted"}, "CancelReservation")
        response = await reply
        assert frame[3] == {"reservationId": 1700}
        assert response.json()["answer"] == {"status": "Accepted"}
        cancelled = await eventually(lambda: reservation(client, "H17", 1700, "Cancelled"))
        assert cancelled["holding"] is False
        again = await client.post("/reservations/H17/1700/cancel")
        assert again.status_code == 409  # nothing left to cancel; the station is not asked
        unknown = await client.post("/reservations/H17/999/cancel")
        assert unknown.status_code == 404


async def test_group_token_goes_with_the_reservation_TC_H_19_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "H19-GROUP", "Central")
    await put_token(
        client, "H19-TOKEN", "Central", groupIdToken={"idToken": "H19-GROUP", "type": "Central"}
    )
    body = {
        "stationId": "H19",
        "evseId": 1,
        "expiryDateTime": expiry(),
        "idToken": {"idToken": "H19-TOKEN", "type": "Central"},
    }
    async with booted(server, "H19") as station:
        frame, _ = await reserve(client, station, body, {"status": "Accepted"})
    assert frame[3]["groupIdToken"] == {"idToken": "H19-GROUP", "type": "Central"}
    stored = await eventually(lambda: reservation(client, "H19", frame[3]["id"], "Accepted"))
    assert stored["groupIdToken"] == {"idToken": "H19-GROUP", "type": "Central"}


async def test_station_ends_reservations_TC_H_07_CSMS_TC_H_20_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """H07: the reservation expires unused; H20: the EVSE faulted and it was removed."""
    await put_token(client, "H07-TOKEN", "Central")
    token = {"idToken": "H07-TOKEN", "type": "Central"}
    async with booted(server, "H07") as station:
        for reservation_id in (701, 702):
            body = {
                "stationId": "H07",
                "id": reservation_id,
                "evseId": 1,
                "expiryDateTime": expiry(1),
                "idToken": token,
            }
            await reserve(client, station, body, {"status": "Accepted"})
        await eventually(lambda: reservation(client, "H07", 702, "Accepted"))
        for reservation_id, what in ((701, "Expired"), (702, "Removed")):
            reply = await station.call(
                "ReservationStatusUpdate",
                {"reservationId": reservation_id, "reservationUpdateStatus": what},
            )
            assert reply[0] == 3
            assert reply[2] == {}
        # An update about a reservation nobody knows is still acknowledged.
        unknown = await station.call(
            "ReservationStatusUpdate", {"reservationId": 7777, "reservationUpdateStatus": "Expired"}
        )
        assert unknown[0] == 3
    assert (await reservation(client, "H07", 701))["status"] == "Expired"  # type: ignore[index]
    assert (await reservation(client, "H07", 702))["status"] == "Removed"  # type: ignore[index]


async def test_refused_reservations_TC_H_22_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "H22-TOKEN", "Central")
    token = {"idToken": "H22-TOKEN", "type": "Central"}
    async with booted(server, "H22") as station:
        first = {
            "stationId": "H22",
            "id": 2200,
            "evseId": 1,
            "expiryDateTime": expiry(),
            "idToken": token,
        }
        _, response = await reserve(
            client, station, first, {"status": "Rejected", "statusInfo": {"reasonCode": "Disabled"}}
        )
        assert response.json()["answer"]["status"] == "Rejected"
        refused = await eventually(lambda: reservation(client, "H22", 2200, "Rejected"))
        assert refused["statusReason"] == "Disabled"
        assert refused["holding"] is False
        # A refused replacement leaves an accepted reservation in place (H01.FR.02).
        held = {**first, "id": 2201}
        await reserve(client, station, held, {"status": "Accepted"})
        await eventually(lambda: reservation(client, "H22", 2201, "Accepted"))
        await reserve(client, station, {**held, "evseId": 2}, {"status": "Occupied"})
        await asyncio.sleep(0.3)
        kept = await reservation(client, "H22", 2201)
    assert kept is not None
    assert (kept["status"], kept["evseId"]) == ("Accepted", 1)


async def test_what_is_refused_before_asking_the_station(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "BAD-BLOCKED", "Central", status="Blocked")
    token = {"idToken": "BAD-OK", "type": "Central"}
    await put_token(client, "BAD-OK", "Central")
    async with booted(server, "HBAD"):
        cases = [
            ({"stationId": "HBAD", "expiryDateTime": expiry(-1), "idToken": token}, 422),
            (
                {
                    "stationId": "HBAD",
                    "expiryDateTime": expiry(),
                    "idToken": {"idToken": "BAD-BLOCKED", "type": "Central"},
                },
                422,
            ),
            (
                {
                    "stationId": "HBAD",
                    "expiryDateTime": expiry(),
                    "idToken": {"idToken": "NOBODY", "type": "Central"},
                },
                422,
            ),
            ({"stationId": "HBAD", "expiryDateTime": expiry(), "idToken": token, "evseId": 0}, 422),
            ({"stationId": "HBAD", "expiryDateTime": "tomorrow", "idToken": token}, 422),
            ({"stationId": "NOSUCH", "expiryDateTime": expiry(), "idToken": token}, 404),
        ]
        for body, status in cases:
            response = await client.post("/reservations", json=body)
            assert response.status_code == status, (body, response.text)
    offline = await client.post(
        "/reservations", json={"stationId": "HBAD", "expiryDateTime": expiry(), "idToken": token}
    )
    assert offline.status_code == 404  # known station, not connected
    assert "not connected" in offline.json()["detail"]


async def test_a_transaction_consumes_its_reservation(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """What the Transactions module does when a TransactionEvent carries reservationId."""
    await put_token(client, "USE-TOKEN", "Central")
    body = {
        "stationId": "HUSE",
        "id": 5,
        "evseId": 1,
        "expiryDateTime": expiry(),
        "idToken": {"idToken": "USE-TOKEN", "type": "Central"},
    }
    async with booted(server, "HUSE") as station:
        await reserve(client, station, body, {"status": "Accepted"})
        await eventually(lambda: reservation(client, "HUSE", 5, "Accepted"))
        tx = await start_transaction(server, "HUSE", "tx-use", "USE-TOKEN", "Central")

    async def consume(session: Session) -> tuple[bool, bool]:
        key = StationKey("default", "HUSE")
        first = await reservation_service.consume(session, key, 5, tx)
        unknown = await reservation_service.consume(session, key, 6, tx)
        return first, unknown

    assert await in_db(server, consume) == (True, False)
    used = await reservation(client, "HUSE", 5)
    assert used is not None
    assert (used["status"], used["holding"]) == ("Used", False)


async def test_overdue_reservations_are_swept(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """A station that never reports the expiry: the periodic sweep marks it Expired."""
    await put_token(client, "SWEEP-TOKEN", "Central")
    token = {"idToken": "SWEEP-TOKEN", "type": "Central"}
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    body = {"stationId": "HSWEEP", "id": 9, "evseId": 1, "expiryDateTime": soon, "idToken": token}
    async with booted(server, "HSWEEP") as station:
        await reserve(client, station, body, {"status": "Accepted"})
        await eventually(lambda: reservation(client, "HSWEEP", 9, "Accepted"))
    await asyncio.sleep(1.2)
    [module] = [m for m in server.runtime.modules if m.name == "evdriver"]
    await module.expire_reservations()  # type: ignore[attr-defined]
    assert (await reservation(client, "HSWEEP", 9))["status"] == "Expired"  # type: ignore[index]
