"""Reset, ChangeAvailability, TriggerMessage, SetNetworkProfile and DataTransfer over REST,
and DataTransfer from stations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from citrine_base.ocpp.v201 import enums, messages
from citrine_util.handler_runner import HandlerContext
from tests.live import LiveServer, live_server
from tests.modules.stations import ScriptedStation, configuration, eventually, scripted_station


@asynccontextmanager
async def booted(server: LiveServer, station_id: str = "CS1") -> AsyncIterator[ScriptedStation]:
    async with scripted_station(server, station_id) as station:
        assert (await station.boot())["status"] == "Accepted"
        yield station


async def command(
    server: LiveServer,
    station: ScriptedStation,
    action: str,
    body: dict[str, Any],
    answer: dict[str, Any] | None,
) -> tuple[dict[str, Any], httpx.Response]:
    """Send ``action`` over REST and answer it as the station; what the station got, and the
    REST response."""
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        name = action[:1].lower() + action[1:]
        sent = asyncio.ensure_future(
            client.post(
                f"/ocpp/2.0.1/configuration/{name}",
                params={"identifier": "CS1", "wait": 5},
                json=body,
            )
        )
        frame = await station.expect(action)
        if answer is not None:
            await station.raw.send([3, frame[1], answer])
        return frame[3], await sent


RESETS = [
    ("TC_B_20_CSMS", {"type": "OnIdle"}, "Accepted"),
    ("TC_B_21_CSMS", {"type": "OnIdle"}, "Scheduled"),
    ("TC_B_22_CSMS", {"type": "Immediate"}, "Accepted"),
    ("TC_B_25_CSMS", {"type": "Immediate", "evseId": 1}, "Accepted"),
    ("TC_B_26_CSMS", {"type": "OnIdle", "evseId": 1}, "Scheduled"),
    ("TC_B_27_CSMS", {"type": "Immediate", "evseId": 2}, "Rejected"),
]


@pytest.mark.parametrize(("case", "body", "status"), RESETS, ids=[r[0] for r in RESETS])
async def test_reset(case: str, body: dict[str, Any], status: str) -> None:
    """The station gets exactly the Reset asked for; its answer is the REST answer."""
    async with live_server() as server, booted(server) as station:
        received, response = await command(server, station, "Reset", body, {"status": status})
    assert received == body
    assert response.status_code == 200
    [record] = response.json()
    assert (record["outcome"], record["payload"]) == ("result", {"status": status})


AVAILABILITY = [
    ("TC_G_03_CSMS", {"operationalStatus": "Inoperative", "evse": {"id": 1}}, "Accepted"),
    ("TC_G_04_CSMS", {"operationalStatus": "Operative", "evse": {"id": 1}}, "Accepted"),
    ("TC_G_05_CSMS", {"operationalStatus": "Inoperative"}, "Accepted"),
    ("TC_G_06_CSMS", {"operationalStatus": "Operative"}, "Accepted"),
    (
        "TC_G_07_CSMS",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        "Accepted",
    ),
    (
        "TC_G_08_CSMS",
        {"operationalStatus": "Operative", "evse": {"id": 1, "connectorId": 1}},
        "Accepted",
    ),
    ("TC_G_11_CSMS", {"operationalStatus": "Inoperative", "evse": {"id": 1}}, "Scheduled"),
    ("TC_G_14_CSMS", {"operationalStatus": "Inoperative"}, "Scheduled"),
    (
        "TC_G_17_CSMS",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        "Scheduled",
    ),
]


@pytest.mark.parametrize(("case", "body", "status"), AVAILABILITY, ids=[a[0] for a in AVAILABILITY])
async def test_change_availability(case: str, body: dict[str, Any], status: str) -> None:
    async with live_server() as server, booted(server) as station:
        received, response = await command(
            server, station, "ChangeAvailability", body, {"status": status}
        )
    assert received == body
    assert response.json()[0]["payload"] == {"status": status}


TRIGGERS = [
    ("TC_F_11_CSMS", {"requestedMessage": "MeterValues", "evse": {"id": 1}}),
    ("TC_F_12_CSMS", {"requestedMessage": "MeterValues"}),
    ("TC_F_13_CSMS", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}}),
    ("TC_F_14_CSMS", {"requestedMessage": "TransactionEvent"}),
    ("TC_F_15_CSMS", {"requestedMessage": "LogStatusNotification"}),
    ("TC_F_18_CSMS", {"requestedMessage": "FirmwareStatusNotification"}),
    ("TC_F_20_CSMS", {"requestedMessage": "Heartbeat"}),
    (
        "TC_F_23_CSMS",
        {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
    ),
]


@pytest.mark.parametrize(("case", "body"), TRIGGERS, ids=[t[0] for t in TRIGGERS])
async def test_trigger_message(case: str, body: dict[str, Any]) -> None:
    async with live_server() as server, booted(server) as station:
        received, response = await command(
            server, station, "TriggerMessage", body, {"status": "Accepted"}
        )
        assert received == body
        assert response.json()[0]["payload"] == {"status": "Accepted"}
        if body["requestedMessage"] == "Heartbeat":  # and the triggered message is answered
            assert (await station.call("Heartbeat", {}))[0] == 3


async def test_trigger_not_implemented() -> None:
    """TC_F_27_CSMS: NotImplemented, as a status or as a CALLERROR, is reported cleanly."""
    body = {"requestedMessage": "SignV2GCertificate"}
    async with live_server() as server, booted(server) as station:
        _, as_status = await command(
            server, station, "TriggerMessage", body, {"status": "NotImplemented"}
        )
        assert as_status.status_code == 200
        assert as_status.json()[0]["payload"] == {"status": "NotImplemented"}
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            sent = asyncio.ensure_future(
                client.post(
                    "/ocpp/2.0.1/configuration/triggerMessage",
                    params={"identifier": "CS1", "wait": 5},
                    json=body,
                )
            )
            frame = await station.expect("TriggerMessage")
            await station.raw.send([4, frame[1], "NotImplemented", "no triggers here", {}])
            as_error = await sent
        assert as_error.status_code == 502
        assert as_error.json()[0]["error"]["code"] == "NotImplemented"
        assert (await station.call("Heartbeat", {}))[0] == 3  # the connection is fine


PROFILE = {
    "configurationSlot": 2,
    "connectionData": {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": "wss://csms.example.com/ocpp",
        "messageTimeout": 30,
        "securityProfile": 2,
        "ocppInterface": "Wireless0",
        "apn": {
            "apn": "internet.example",
            "apnUserName": "user",
            "apnPassword": "apn-secret",
            "apnAuthentication": "AUTO",
        },
    },
}


async def test_network_profile_accepted_is_kept_per_slot() -> None:
    """TC_B_42_CSMS: an accepted profile is kept for its slot, without its secrets."""
    async with live_server() as server, booted(server) as station:
        received, response = await command(
            server, station, "SetNetworkProfile", PROFILE, {"status": "Accepted"}
        )
        assert received == PROFILE  # the station gets the secrets; the CSMS does not keep them
        assert response.json()[0]["payload"] == {"status": "Accepted"}

        async def stored() -> list[dict[str, Any]]:
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                profiles: list[dict[str, Any]] = (
                    await client.get("/stations/CS1/network-profiles")
                ).json()
                return profiles

        [profile] = await eventually(stored)
    assert profile["configurationSlot"] == 2
    assert profile["ocppCsmsUrl"] == "wss://csms.example.com/ocpp"
    assert profile["securityProfile"] == 2
    assert "apnPassword" not in profile["connectionData"]["apn"]
    assert profile["connectionData"]["apn"]["apn"] == "internet.example"


async def test_network_profile_failed_is_not_kept() -> None:
    """TC_B_44_CSMS: a Failed answer is reported and changes nothing."""
    async with live_server() as server, booted(server) as station:
        _, response = await command(
            server, station, "SetNetworkProfile", PROFILE, {"status": "Failed"}
        )
        assert response.json()[0]["payload"] == {"status": "Failed"}
        await asyncio.sleep(0.3)  # the result handler ran (or would have)
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            assert (await client.get("/stations/CS1/network-profiles")).json() == []


async def test_data_transfer_to_the_station_reports_its_answer() -> None:
    body = {"vendorId": "com.acme", "messageId": "Ping", "data": {"n": 1}}
    answer = {"status": "Accepted", "data": {"pong": True}}
    async with live_server() as server, booted(server) as station:
        received, response = await command(server, station, "DataTransfer", body, answer)
    assert received == body
    assert response.json()[0]["payload"] == answer


async def test_display_and_firmware_actions_are_not_offered_here() -> None:
    async with live_server() as server, httpx.AsyncClient(base_url=server.base_url) as client:
        for name in ("setDisplayMessage", "updateFirmware", "publishFirmware"):
            response = await client.post(
                f"/ocpp/2.0.1/configuration/{name}", params={"identifier": "CS1"}, json={}
            )
            assert response.status_code in (404, 405), name


class TestDataTransferFromStations:
    async def test_unknown_vendor_and_unknown_message(self) -> None:
        """TC_P_02_CSMS: UnknownVendorId, then UnknownMessageId for a known vendor."""

        async def echo(
            ctx: HandlerContext, request: messages.DataTransferRequest
        ) -> messages.DataTransferResponse:
            return messages.DataTransferResponse(
                status=enums.DataTransferStatusEnum.ACCEPTED, data=request.data
            )

        async with live_server() as server:
            configuration(server).data_transfers.register("com.acme", "Echo", echo)
            async with booted(server) as station:
                unknown = await station.call("DataTransfer", {"vendorId": "org.other"})
                assert unknown[2] == {"status": "UnknownVendorId"}
                no_message = await station.call(
                    "DataTransfer", {"vendorId": "com.acme", "messageId": "Nope"}
                )
                assert no_message[2] == {"status": "UnknownMessageId"}
                echoed = await station.call(
                    "DataTransfer", {"vendorId": "com.acme", "messageId": "Echo", "data": [1, None]}
                )
                assert echoed[2] == {"status": "Accepted", "data": [1, None]}

    async def test_unknown_custom_data_is_accepted(self) -> None:
        """TC_P_03_CSMS: customData with properties nobody here knows is accepted."""
        custom = {"vendorId": "com.acme", "mood": "happy", "nested": {"x": [1, 2]}}
        async with live_server() as server, booted(server) as station:
            heartbeat = await station.call("Heartbeat", {"customData": custom})
            assert heartbeat[0] == 3
            transfer = await station.call(
                "DataTransfer", {"vendorId": "org.other", "customData": custom}
            )
            assert transfer[2] == {"status": "UnknownVendorId"}
