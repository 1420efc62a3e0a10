"""A01 password rotation end to end: REST -> SetVariables on the station -> hash stored only
once Accepted; the old password keeps working until the station uses the new one. Also the
mobilityhouse ``ocpp`` client connecting with Basic auth, and unknown-station registration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from ocpp.v201 import ChargePoint, call, datatypes, enums
from websockets.asyncio.client import connect

from tests.live import LiveServer, RawStation, live_server, raw_station
from tests.security.helpers import PASSWORD, basic, provision, refused_status

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server() -> AsyncIterator[LiveServer]:
    security = {
        "plain_security_profile": 1,
        "failures_before_backoff": 1000,
        "accept_without_password": True,
    }
    async with live_server(station_security=security) as live:
        yield live


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        for station_id in ("ROT-1", "ROT-2", "MH-BASIC"):
            await provision(client, station_id, PASSWORD)
        yield client


async def answer_set_variables(station: RawStation, status: str) -> str:
    """Answer the CSMS's SetVariables with ``status``; the password it carried."""
    frame = await station.recv()
    assert frame[:3] == [2, frame[1], "SetVariables"], frame
    (item,) = frame[3]["setVariableData"]
    assert (item["component"]["name"], item["variable"]["name"]) == (
        "SecurityCtrlr",
        "BasicAuthPassword",
    )
    result = {**{k: item[k] for k in ("component", "variable")}, "attributeStatus": status}
    await station.send([3, frame[1], {"setVariableResult": [result]}])
    value: str = item["attributeValue"]
    return value


async def rotate(
    http: httpx.AsyncClient, station: RawStation, station_id: str, status: str, **body: Any
) -> tuple[dict[str, Any], str]:
    request = asyncio.create_task(
        http.post(f"/stations/{station_id}/credentials/rotate", json=body)
    )
    sent = await answer_set_variables(station, status)
    answer = await request
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result, sent


async def connects(server: LiveServer, station_id: str, password: str) -> bool:
    try:
        async with raw_station(server, station_id, additional_headers=basic(station_id, password)):
            return True
    except Exception:
        return False


async def test_rotation_accepted(server: LiveServer, http: httpx.AsyncClient) -> None:
    """TC_A_09_CSMS: the station accepts the new password."""
    headers = basic("ROT-1", PASSWORD)
    async with raw_station(server, "ROT-1", additional_headers=headers) as station:
        assert (await station.boot())[2]["status"] == "Accepted"
        result, new_password = await rotate(http, station, "ROT-1", "Accepted")
    assert result["attributeStatus"] == "Accepted"
    assert result["stored"] is True
    assert result["credentials"]["previousPasswordAccepted"] is True
    assert 16 <= len(new_password) <= 64
    # The station may still come back with the old one before it applied the change...
    assert await connects(server, "ROT-1", PASSWORD)
    # ...and once it uses the new one, the old one is gone.
    assert await connects(server, "ROT-1", new_password)
    refused = await refused_status(server, "ROT-1", additional_headers=headers)
    assert refused.response.status_code == 401
    shown = (await http.get("/stations/ROT-1/credentials")).json()
    assert shown["previousPasswordAccepted"] is False
    # The password never reached the message log.
    await asyncio.sleep(server.config.message_log.flush_interval * 3)
    logged = await http.get("/messages", params={"stationId": "ROT-1", "limit": 500})
    assert "SetVariables" in logged.text
    assert new_password not in logged.text


async def test_rotation_rejected_keeps_the_password(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_A_10_CSMS: the station rejects it: the current password stays the only one."""
    chosen = "operator-chosen-password-1"
    async with raw_station(server, "ROT-2", additional_headers=basic("ROT-2", PASSWORD)) as station:
        await station.boot()
        result, sent = await rotate(http, station, "ROT-2", "Rejected", password=chosen)
    assert sent == chosen
    assert (result["attributeStatus"], result["stored"]) == ("Rejected", False)
    assert result["credentials"]["previousPasswordAccepted"] is False
    assert not await connects(server, "ROT-2", chosen)
    assert await connects(server, "ROT-2", PASSWORD)


async def test_rotation_of_an_offline_station_is_404(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    answer = await http.post("/stations/ROT-2/credentials/rotate", json={})
    assert answer.status_code == 404


async def test_independent_client_with_basic_auth(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_A_01_CSMS with mobilityhouse ``ocpp`` as the station, Basic auth in the handshake."""
    async with connect(
        server.ws_url("MH-BASIC"),
        subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
        additional_headers=basic("MH-BASIC", PASSWORD),
    ) as ws:
        station = ChargePoint("MH-BASIC", ws)
        reader = asyncio.create_task(station.start())
        try:
            boot = await station.call(
                call.BootNotification(
                    charging_station=datatypes.ChargingStationType(
                        vendor_name="Acme", model="Z1", serial_number="42"
                    ),
                    reason=enums.BootReasonEnumType.power_up,
                )
            )
        finally:
            reader.cancel()
    assert boot.status == "Accepted"


async def test_unknown_station_registers_when_allowed(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """``accept_without_password``: the unknown policy (accept) applies; once a password is
    set, it is checked."""
    async with raw_station(server, "NEW-1", additional_headers=basic("NEW-1", PASSWORD)) as station:
        assert (await station.boot())[2]["status"] == "Accepted"
    assert (await http.get("/stations/NEW-1")).status_code == 200
    assert await connects(server, "NEW-1", "anything-goes-here-0")  # still no password
    await http.put("/stations/NEW-1/credentials", json={"password": PASSWORD})
    assert not await connects(server, "NEW-1", "anything-goes-here-0")
    assert await connects(server, "NEW-1", PASSWORD)
