"""Block L conformance cases beyond the happy path: scheduled downloads and installs, the
station's refusals and failures, an update during a transaction, and a Local Controller's
failed publications and refused unpublishing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.live import RawStation, live_server, raw_station
from tests.modules.firmware.test_firmware import send_update, signing_material, status
from tests.modules.helpers import call_ok, now
from tests.modules.transactions.helpers import event

LOCATION = "https://fw.example.com/fw-3.1.bin"
CHECKSUM = "0123456789abcdef0123456789abcdef"
REBOOTED: dict[str, Any] = {
    "reason": "FirmwareUpdate",
    "chargingStation": {"model": "Model-X", "vendorName": "Vendor-Y", "firmwareVersion": "3.1"},
}


def update_body(**extra: Any) -> dict[str, Any]:
    _, certificate = signing_material()
    return {"location": LOCATION, "signingCertificate": certificate, **extra}


def later(hours: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parsed(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def updates(client: httpx.AsyncClient) -> dict[int, dict[str, Any]]:
    items = (await client.get("/stations/CS1/firmware-updates")).json()["items"]
    return {item["requestId"]: item for item in items}


def history(update: dict[str, Any]) -> list[str]:
    return [entry["status"] for entry in update["statusHistory"]]


@pytest.mark.parametrize(
    ("field", "statuses"),
    [
        (  # TC_L_02_CSMS
            "installDateTime",
            ["Downloading", "Downloaded", "SignatureVerified", "InstallScheduled", "Installing"],
        ),
        (  # TC_L_03_CSMS
            "retrieveDateTime",
            ["DownloadScheduled", "Downloading", "Downloaded", "SignatureVerified", "Installing"],
        ),
    ],
    ids=["TC_L_02_CSMS", "TC_L_03_CSMS"],
)
async def test_scheduled_download_or_install(field: str, statuses: list[str]) -> None:
    """TC_L_02_CSMS (InstallScheduled), TC_L_03_CSMS (DownloadScheduled): the operator's
    install or retrieve time reaches the station; the station reboots into the new firmware,
    reports Installed and FirmwareUpdated, and every status is tracked in order."""
    when = later(2)
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            call, _ = await send_update(station, client, "Accepted", update_body(**{field: when}))
            assert parsed(call[3]["firmware"][field]) == parsed(when)
            request_id = call[3]["requestId"]
            for value in [*statuses, "InstallRebooting"]:
                await status(station, value, request_id)
        async with raw_station(server, "CS1") as rebooted:
            answer = await rebooted.call("BootNotification", REBOOTED)
            assert answer[2]["status"] == "Accepted"
            await status(rebooted, "Installed", request_id)
            await call_ok(
                rebooted,
                "SecurityEventNotification",
                {"type": "FirmwareUpdated", "timestamp": now()},
            )
            async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
                tracked = (await updates(client))[request_id]
                events = (await client.get("/monitoring/stations/CS1/securityEvents")).json()
                shown = (await client.get("/stations/CS1")).json()
    assert tracked["status"] == "Installed"
    assert shown["firmwareVersion"] == "3.1"
    assert history(tracked) == ["Accepted", *statuses, "InstallRebooting", "Installed"]
    assert [event["type"] for event in events["items"]] == ["FirmwareUpdated"]


@pytest.mark.parametrize(
    ("answer", "security_event"),
    [
        ("RevokedCertificate", "InvalidFirmwareSigningCertificate"),  # TC_L_04_CSMS
        ("InvalidCertificate", "InvalidFirmwareSigningCertificate"),  # TC_L_05_CSMS
    ],
    ids=["TC_L_04_CSMS", "TC_L_05_CSMS"],
)
async def test_station_refuses_the_signing_certificate(answer: str, security_event: str) -> None:
    """TC_L_04_CSMS (RevokedCertificate), TC_L_05_CSMS (InvalidCertificate): the station
    refuses the update and raises a security event; the operator sees both."""
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            call, body = await send_update(station, client, answer, update_body())
            await call_ok(
                station, "SecurityEventNotification", {"type": security_event, "timestamp": now()}
            )
            tracked = (await updates(client))[call[3]["requestId"]]
            events = (await client.get("/monitoring/stations/CS1/securityEvents")).json()
    assert body["answer"] == {"status": answer}
    assert tracked["status"] == answer
    assert [event["type"] for event in events["items"]] == [security_event]


@pytest.mark.parametrize(
    "statuses",
    [
        ["Downloading", "Downloaded", "InvalidSignature"],  # TC_L_06_CSMS
        ["Downloading", "DownloadFailed"],  # TC_L_07_CSMS
        ["Downloading", "Downloaded", "SignatureVerified", "InstallVerificationFailed"],  # L_08
        ["Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallationFailed"],
    ],
    ids=["TC_L_06_CSMS", "TC_L_07_CSMS", "TC_L_08_CSMS", "TC_L_09_CSMS"],
)
async def test_update_fails_at_the_station(statuses: list[str]) -> None:
    """TC_L_06_CSMS (InvalidSignature), TC_L_07_CSMS (DownloadFailed), TC_L_08_CSMS
    (InstallVerificationFailed), TC_L_09_CSMS (InstallationFailed): every notification is
    answered and the update ends in the failure the station reported."""
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            call, _ = await send_update(station, client, "Accepted", update_body())
            for value in statuses:
                await status(station, value, call[3]["requestId"])
            if statuses[-1] == "InvalidSignature":
                await call_ok(
                    station,
                    "SecurityEventNotification",
                    {"type": "InvalidFirmwareSignature", "timestamp": now()},
                )
            tracked = (await updates(client))[call[3]["requestId"]]
    assert tracked["status"] == statuses[-1]
    assert history(tracked) == ["Accepted", *statuses]


async def test_station_unable_to_cancel() -> None:
    """TC_L_11_CSMS: a second UpdateFirmware while one installs is Rejected; the first one
    is not marked canceled and runs on to Installed."""
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            first, _ = await send_update(station, client, "Accepted", update_body())
            running = first[3]["requestId"]
            for value in ("Downloading", "Downloaded", "SignatureVerified", "Installing"):
                await status(station, value, running)
            second, answer = await send_update(station, client, "Rejected", update_body())
            await status(station, "Installed", running)
            tracked = await updates(client)
    assert answer["answer"] == {"status": "Rejected"}
    assert second[3]["requestId"] != running
    assert tracked[second[3]["requestId"]]["status"] == "Rejected"
    assert tracked[running]["status"] == "Installed"
    assert "Canceled" not in history(tracked[running])


async def test_install_waits_for_the_ongoing_transaction() -> None:
    """TC_L_13_CSMS: with AllowNewSessionsPendingFirmwareUpdate false the station schedules
    the install, makes its EVSEs unavailable, ends the running transaction, then installs;
    the CSMS answers everything and shows both the transaction and the update finished."""
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        await call_ok(
            station,
            "TransactionEvent",
            event("Started", 0, "TX-L13", "Authorized", evse=1, token="TOKEN-1"),
        )
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            call, _ = await send_update(station, client, "Accepted", update_body())
            request_id = call[3]["requestId"]
            for value in ("Downloading", "Downloaded", "SignatureVerified", "InstallScheduled"):
                await status(station, value, request_id)
            await call_ok(
                station,
                "TransactionEvent",
                event("Ended", 1, "TX-L13", "StopAuthorized", stoppedReason="Local"),
            )
            await call_ok(
                station,
                "StatusNotification",
                {
                    "timestamp": now(),
                    "connectorStatus": "Unavailable",
                    "evseId": 1,
                    "connectorId": 1,
                },
            )
            for value in ("Installing", "Installed"):
                await status(station, value, request_id)
            tracked = (await updates(client))[request_id]
            transaction = (await client.get("/transactions/TX-L13")).json()
            connectors = (await client.get("/stations/CS1/connectors")).json()
    assert history(tracked)[-3:] == ["InstallScheduled", "Installing", "Installed"]
    assert transaction["state"] == "ended"
    assert transaction["stoppedReason"] == "Local"
    assert connectors[0]["status"] == "Unavailable"


async def publish(
    controller: RawStation, client: httpx.AsyncClient, statuses: list[str]
) -> dict[str, Any]:
    """PublishFirmware of an external location, Accepted, then ``statuses``; the tracked
    publication."""
    body = {"location": LOCATION, "checksum": CHECKSUM.upper()}
    reply = asyncio.create_task(client.post("/stations/CS1/firmware-publications", json=body))
    call = await controller.recv()
    assert call[2] == "PublishFirmware"
    assert call[3]["checksum"] == CHECKSUM
    await controller.send([3, call[1], {"status": "Accepted"}])
    assert (await reply).status_code == 200
    for value in statuses:
        extra = {"location": ["http://lc.local/fw.bin"]} if value == "Published" else {}
        await call_ok(
            controller,
            "PublishFirmwareStatusNotification",
            {"status": value, "requestId": call[3]["requestId"], **extra},
        )
    listed = (await client.get("/stations/CS1/firmware-publications")).json()["items"]
    publication: dict[str, Any] = listed[0]
    return publication


@pytest.mark.parametrize(
    "statuses",
    [
        ["Downloading", "Downloaded", "InvalidChecksum"],  # TC_L_19_CSMS
        ["Downloading", "Downloaded", "ChecksumVerified", "PublishFailed"],  # TC_L_20_CSMS
        ["Downloading", "DownloadFailed"],  # TC_L_24_CSMS
    ],
    ids=["TC_L_19_CSMS", "TC_L_20_CSMS", "TC_L_24_CSMS"],
)
async def test_publication_fails(statuses: list[str]) -> None:
    """TC_L_19_CSMS (InvalidChecksum), TC_L_20_CSMS (PublishFailed), TC_L_24_CSMS
    (DownloadFailed): the publication ends in the reported failure, with no locations."""
    async with live_server() as server, raw_station(server, "CS1") as controller:
        await controller.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            publication = await publish(controller, client, statuses)
    assert publication["status"] == statuses[-1]
    assert history(publication) == ["Accepted", *statuses]
    assert publication["publishedLocations"] is None


@pytest.mark.parametrize(
    "answer",
    ["NoFirmware", "DownloadOngoing"],
    ids=["TC_L_22_CSMS", "TC_L_23_CSMS"],
)
async def test_unpublish_refused(answer: str) -> None:
    """TC_L_22_CSMS (NoFirmware), TC_L_23_CSMS (DownloadOngoing): UnpublishFirmware carries
    the checksum; the controller's answer reaches the operator and the publication is not
    marked unpublished."""
    async with live_server() as server, raw_station(server, "CS1") as controller:
        await controller.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            await publish(controller, client, ["Downloading", "Downloaded", "ChecksumVerified"])
            reply = asyncio.create_task(
                client.post(
                    "/stations/CS1/firmware-publications/unpublish", json={"checksum": CHECKSUM}
                )
            )
            call = await controller.recv()
            assert call[2:] == ["UnpublishFirmware", {"checksum": CHECKSUM}]
            await controller.send([3, call[1], {"status": answer}])
            response = await reply
            listed = (await client.get("/stations/CS1/firmware-publications")).json()["items"]
    assert response.json() == {"status": answer}
    assert listed[0]["status"] == "ChecksumVerified"
