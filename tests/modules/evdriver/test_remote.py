"""Remote control end to end: remote start and stop, unlock, clear cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result, datatypes, enums
from websockets.asyncio.client import connect

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Session
from citrine_data.models import RemoteStart
from citrine_modules.evdriver.remote import remote_starts
from tests.live import LiveServer, RawStation, live_server
from tests.modules.evdriver.support import (
    answer_next,
    authorize,
    booted,
    eventually,
    in_db,
    put_token,
    start_transaction,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def start(
    client: httpx.AsyncClient, station: RawStation, body: dict[str, Any], answer: dict[str, Any]
) -> tuple[list[Any], httpx.Response]:
    reply = asyncio.create_task(client.post("/remote-starts", json=body))
    frame = await answer_next(station, answer, "RequestStartTransaction")
    return frame, await reply


async def find(server: LiveServer, station_id: str, remote_start_id: int) -> RemoteStart | None:
    async def work(session: Session) -> RemoteStart | None:
        return await remote_starts.find(session, StationKey("default", station_id), remote_start_id)

    return await in_db(server, work)


async def answered(
    client: httpx.AsyncClient, station_id: str, remote_start_id: int
) -> dict[str, Any] | None:
    response = await client.get(f"/remote-starts/{station_id}/{remote_start_id}")
    body: dict[str, Any] = response.json()
    return body if response.status_code == 200 and body["status"] != "requested" else None


async def test_remote_start_first_TC_F_02_CSMS_TC_F_03_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """The CSMS picks remoteStartId and records the request before the station answers, so
    the TransactionEvent that carries the id can be linked to it (F02.FR.01)."""
    await put_token(client, "F02-TOKEN")
    body = {
        "stationId": "F02",
        "evseId": 1,
        "idToken": {"idToken": "F02-TOKEN", "type": "ISO14443"},
    }
    async with booted(server, "F02") as station:
        frame, response = await start(client, station, body, {"status": "Accepted"})
        sent = frame[3]
        remote_start_id = sent["remoteStartId"]
        assert response.status_code == 200, response.text
        assert response.json() == {
            "stationId": "F02",
            "remoteStartId": remote_start_id,
            "answer": {"status": "Accepted"},
        }
        assert sent == {
            "idToken": {"idToken": "F02-TOKEN", "type": "ISO14443"},
            "remoteStartId": remote_start_id,
            "evseId": 1,
        }
        # AuthorizeRemoteStart true: the station authorizes like a local start (F02).
        assert (await authorize(station, "F02-TOKEN"))["idTokenInfo"]["status"] == "Accepted"
        recorded = await find(server, "F02", remote_start_id)
        assert recorded is not None
        assert (recorded.id_token, recorded.evse_id) == ("F02-TOKEN", 1)
        done = await eventually(lambda: answered(client, "F02", remote_start_id))
        assert done["status"] == "Accepted"
        # The next one gets another id.
        second, _ = await start(client, station, body, {"status": "Accepted"})
    assert second[3]["remoteStartId"] != remote_start_id


async def test_cable_plugged_in_first_TC_F_01_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """The transaction already runs: the answer names it, and the request records it."""
    await put_token(client, "F01-TOKEN")
    body = {"stationId": "F01", "idToken": {"idToken": "F01-TOKEN", "type": "ISO14443"}}
    async with booted(server, "F01") as station:
        frame, _ = await start(
            client, station, body, {"status": "Accepted", "transactionId": "tx-f01"}
        )
    done = await eventually(lambda: answered(client, "F01", frame[3]["remoteStartId"]))
    assert (done["status"], done["transactionId"]) == ("Accepted", "tx-f01")


async def test_linking_the_transaction_and_a_rejected_start_TC_F_04_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """F04: the EV never came; the request stays Accepted and unlinked. Another start is
    rejected by the station, which the record says."""
    await put_token(client, "F04-TOKEN")
    body = {"stationId": "F04", "idToken": {"idToken": "F04-TOKEN", "type": "ISO14443"}}
    async with booted(server, "F04") as station:
        timed_out, _ = await start(client, station, body, {"status": "Accepted"})
        rejected, response = await start(
            client, station, body, {"status": "Rejected", "statusInfo": {"reasonCode": "Busy"}}
        )
        linked, _ = await start(client, station, body, {"status": "Accepted"})
        tx = await start_transaction(server, "F04", "tx-f04", "F04-TOKEN")
    assert response.json()["answer"]["status"] == "Rejected"
    refused = await eventually(lambda: answered(client, "F04", rejected[3]["remoteStartId"]))
    assert (refused["status"], refused["statusReason"]) == ("Rejected", "Busy")

    async def link(session: Session) -> bool:
        key = StationKey("default", "F04")
        return await remote_starts.link(session, key, linked[3]["remoteStartId"], tx, "tx-f04")

    assert await in_db(server, link)
    found = await find(server, "F04", linked[3]["remoteStartId"])
    assert found is not None
    assert (found.transaction_pk, found.transaction_id) == (tx, "tx-f04")
    never = await find(server, "F04", timed_out[3]["remoteStartId"])
    assert never is not None
    assert never.transaction_pk is None


async def test_what_is_refused_before_asking_the_station(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "FBAD-BLOCKED", status="Blocked")
    await put_token(client, "FBAD-OK")
    await put_token(client, "FBAD-MASTER", isMasterPass=True)
    ok = {"idToken": "FBAD-OK", "type": "ISO14443"}
    profile = {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    }
    async with booted(server, "FBAD") as station:
        taken, _ = await start(
            client,
            station,
            {"stationId": "FBAD", "idToken": ok, "remoteStartId": 77},
            {"status": "Accepted"},
        )
        cases = [
            ({"idToken": {"idToken": "FBAD-BLOCKED", "type": "ISO14443"}}, 422),
            ({"idToken": {"idToken": "FBAD-MASTER", "type": "ISO14443"}}, 422),  # never starts
            ({"idToken": ok, "evseId": 0}, 422),
            ({"idToken": ok, "chargingProfile": profile}, 422),
            ({"idToken": ok, "chargingProfile": {"id": "x"}}, 422),
            ({"idToken": ok, "remoteStartId": 77}, 409),
        ]
        for extra, status in cases:
            response = await client.post("/remote-starts", json={"stationId": "FBAD", **extra})
            assert response.status_code == status, (extra, response.text)
    assert taken[3]["remoteStartId"] == 77


async def test_a_tx_profile_goes_with_the_start(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "FPRO-TOKEN")
    profile = {
        "id": 9,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    }
    body = {
        "stationId": "FPRO",
        "evseId": 1,
        "idToken": {"idToken": "FPRO-TOKEN", "type": "ISO14443"},
        "chargingProfile": profile,
    }
    async with booted(server, "FPRO") as station:
        frame, _ = await start(client, station, body, {"status": "Accepted"})
    assert frame[3]["chargingProfile"] == profile


async def test_remote_stop(server: LiveServer, client: httpx.AsyncClient) -> None:
    await put_token(client, "STOP-TOKEN")
    async with booted(server, "FSTOP") as station:
        await start_transaction(server, "FSTOP", "tx-stop", "STOP-TOKEN")
        reply = asyncio.create_task(
            client.post("/remote-stops", json={"stationId": "FSTOP", "transactionId": "tx-stop"})
        )
        frame = await answer_next(station, {"status": "Accepted"}, "RequestStopTransaction")
        response = await reply
        unknown = await client.post(
            "/remote-stops", json={"stationId": "FSTOP", "transactionId": "tx-none"}
        )
    assert frame[3] == {"transactionId": "tx-stop"}
    assert response.json() == {"stationId": "FSTOP", "answer": {"status": "Accepted"}}
    assert unknown.status_code == 404


async def generic(
    client: httpx.AsyncClient,
    station: tuple[str, RawStation],
    action: str,
    body: dict[str, Any],
    answer: dict[str, Any],
) -> tuple[list[Any], httpx.Response]:
    """The generic message endpoint, ``POST /ocpp/2.0.1/evdriver/{action}``."""
    identifier, station_socket = station
    path = f"/ocpp/2.0.1/evdriver/{action[0].lower()}{action[1:]}"
    params = {"identifier": identifier, "wait": 10}
    reply = asyncio.create_task(client.post(path, params=params, json=body))
    frame = await answer_next(station_socket, answer, action)
    return frame, await reply


async def test_unlock_and_clear_cache_TC_F_06_CSMS_TC_C_37_CSMS_TC_C_38_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    async with booted(server, "F06") as socket:
        station = ("F06", socket)
        unlock, response = await generic(
            client,
            station,
            "UnlockConnector",
            {"evseId": 1, "connectorId": 1},
            {"status": "Unlocked"},
        )
        assert unlock[3] == {"evseId": 1, "connectorId": 1}
        assert response.json()[0]["payload"] == {"status": "Unlocked"}
        for answer in ("Accepted", "Rejected"):
            clear, response = await generic(client, station, "ClearCache", {}, {"status": answer})
            assert clear[3] == {}
            assert response.json()[0]["payload"] == {"status": answer}


async def test_generic_request_start_is_recorded_too(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    body = {"idToken": {"idToken": "ANY", "type": "Central"}, "remoteStartId": 4242, "evseId": 2}
    async with booted(server, "FGEN") as station:
        await generic(
            client, ("FGEN", station), "RequestStartTransaction", body, {"status": "Accepted"}
        )
    done = await eventually(lambda: answered(client, "FGEN", 4242))
    assert (done["status"], done["evseId"], done["idToken"]["idToken"]) == ("Accepted", 2, "ANY")


async def test_a_silent_station_leaves_the_start_failed() -> None:
    async with (
        live_server(ocpp={"call_timeout": 0.5}) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as client,
    ):
        await put_token(client, "SILENT-TOKEN")
        async with booted(server, "FSILENT") as station:
            body = {
                "stationId": "FSILENT",
                "idToken": {"idToken": "SILENT-TOKEN", "type": "ISO14443"},
            }
            response = await client.post("/remote-starts", json=body)
            frame = await station.recv()
        assert response.status_code == 504
        failed = await eventually(lambda: answered(client, "FSILENT", frame[3]["remoteStartId"]))
        assert failed["status"] == "failed"


class MobilityHouseStation(ChargePoint):  # type: ignore[misc]
    """An independent station: accepts remote starts and authorizes the token first."""

    started: asyncio.Queue[int]

    @on("RequestStartTransaction")  # type: ignore[misc]
    async def on_start(self, id_token: dict[str, Any], remote_start_id: int, **kwargs: Any) -> Any:
        self.started.put_nowait(remote_start_id)
        return call_result.RequestStartTransaction(status="Accepted")


@asynccontextmanager
async def mobility_house(
    server: LiveServer, station_id: str
) -> AsyncIterator[MobilityHouseStation]:
    async with connect(server.ws_url(station_id), subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        station = MobilityHouseStation(station_id, ws)
        station.started = asyncio.Queue()
        reader = asyncio.create_task(station.start())
        try:
            yield station
        finally:
            reader.cancel()


async def test_remote_start_with_an_independent_client_TC_F_02_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "MH-GROUP", "Central")
    await put_token(client, "MH-TOKEN", groupIdToken={"idToken": "MH-GROUP", "type": "Central"})
    async with mobility_house(server, "MH-F02") as station:
        boot = await station.call(
            call.BootNotification(
                charging_station=datatypes.ChargingStationType(vendor_name="Acme", model="Z1"),
                reason=enums.BootReasonEnumType.power_up,
            )
        )
        assert boot.status == "Accepted"
        body = {
            "stationId": "MH-F02",
            "evseId": 1,
            "idToken": {"idToken": "MH-TOKEN", "type": "ISO14443"},
        }
        response = await client.post("/remote-starts", json=body)
        assert response.status_code == 200, response.text
        remote_start_id = await asyncio.wait_for(station.started.get(), 10)
        assert response.json()["remoteStartId"] == remote_start_id
        checked = await station.call(
            call.Authorize(id_token=datatypes.IdTokenType(id_token="MH-TOKEN", type="ISO14443"))
        )
    assert checked.id_token_info["status"] == "Accepted"
    assert checked.id_token_info["group_id_token"] == {"id_token": "MH-GROUP", "type": "Central"}
    done = await eventually(lambda: answered(client, "MH-F02", remote_start_id))
    # The CSMS filled in the token's group (RequestStartTransaction.groupIdToken).
    assert done["groupIdToken"] == {"idToken": "MH-GROUP", "type": "Central"}
