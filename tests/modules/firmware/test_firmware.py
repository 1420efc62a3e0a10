"""Block L over real websockets and HTTP: hosted firmware with its signature and certificate,
UpdateFirmware tracked per request, PublishFirmware / UnpublishFirmware."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.live import RawStation, live_server, raw_station

IMAGE = b"\x7fELF firmware image " * 2000


def signing_material(days: int = 30) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vendor Firmware Signing")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM).decode()


def sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


async def upload(client: httpx.AsyncClient, signature: str, certificate: str) -> httpx.Response:
    return await client.post(
        "/firmware",
        params={"name": "fw-2.0.bin"},
        files={"file": ("fw.bin", IMAGE, "application/octet-stream")},
        data={"signature": signature, "signingCertificate": certificate},
    )


async def send_update(
    station: RawStation, client: httpx.AsyncClient, answer: str, body: dict[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    reply = asyncio.create_task(client.post("/stations/CS1/firmware-updates", json=body))
    call = await station.recv()
    assert call[2] == "UpdateFirmware"
    await station.send([3, call[1], {"status": answer}])
    response = await reply
    assert response.status_code == 200, response.text
    return call, response.json()


async def status(station: RawStation, value: str, request_id: int) -> None:
    answer = await station.call(
        "FirmwareStatusNotification", {"status": value, "requestId": request_id}
    )
    assert answer[0] == 3


async def test_hosted_firmware_update_installed() -> None:
    """TC_L_01_CSMS: the station downloads the hosted image; statuses tracked in order; the
    signing certificate and signature travel with UpdateFirmware (L01.FR.11)."""
    key, certificate = signing_material()
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            stored = await upload(client, sign(key, IMAGE), certificate)
            assert stored.status_code == 201, stored.text
            firmware = stored.json()
            assert firmware["md5"] == hashlib.md5(IMAGE).hexdigest()
            call, body = await send_update(
                station, client, "Accepted", {"firmwareId": firmware["id"]}
            )
            sent = call[3]["firmware"]
            assert sent["signingCertificate"] == certificate
            assert sent["signature"] == firmware["signature"]
            assert sent["location"] == firmware["downloadUrl"]
            downloaded = await client.get(sent["location"])
            assert downloaded.content == IMAGE
            request_id = call[3]["requestId"]
            for value in (
                "Downloading",
                "Downloaded",
                "SignatureVerified",
                "Installing",
                "Installed",
            ):
                await status(station, value, request_id)
            updates = (await client.get("/stations/CS1/firmware-updates")).json()["items"]
        assert body["request"]["status"] == "Accepted"
        assert updates[0]["status"] == "Installed"
        assert [entry["status"] for entry in updates[0]["statusHistory"]] == [
            "Accepted",
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing",
            "Installed",
        ]


async def test_refused_before_sending() -> None:
    """L01.FR.11 and the SHOULD check: no certificate, a bad signature or an expired
    certificate never reach the station."""
    key, certificate = signing_material()
    other, _ = signing_material()
    _, expired = signing_material(days=-1)
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            bad = await upload(client, sign(other, IMAGE), certificate)
            assert bad.status_code == 422
            assert "does not verify" in bad.json()["detail"]
            assert (await upload(client, sign(key, IMAGE), expired)).status_code == 422
            missing = await client.post(
                "/stations/CS1/firmware-updates",
                json={"location": "https://fw.example.com/x.bin"},
            )
            assert missing.status_code == 422
            assert "signing certificate" in missing.json()["detail"]
            assert (await client.get("/firmware")).json()["items"] == []


async def test_second_update_cancels_the_first() -> None:
    """TC_L_10_CSMS: AcceptedCanceled; TC_L_07/L_08-like failures are tracked as sent."""
    _, certificate = signing_material()
    body = {"location": "https://fw.example.com/a.bin", "signingCertificate": certificate}
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            first, _ = await send_update(station, client, "Accepted", body)
            await status(station, "Downloading", first[3]["requestId"])
            second, answer = await send_update(station, client, "AcceptedCanceled", body)
            await status(station, "DownloadFailed", second[3]["requestId"])
            updates = (await client.get("/stations/CS1/firmware-updates")).json()["items"]
        assert answer["answer"] == {"status": "AcceptedCanceled"}
        by_id = {item["requestId"]: item for item in updates}
        assert by_id[first[3]["requestId"]]["status"] == "Canceled"
        assert by_id[second[3]["requestId"]]["status"] == "DownloadFailed"


async def test_publish_and_unpublish_on_a_local_controller() -> None:
    """TC_L_17_CSMS, TC_L_21_CSMS: Published with its locations, then Unpublished."""
    key, certificate = signing_material()
    async with live_server() as server, raw_station(server, "CS1") as controller:
        await controller.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            firmware = (await upload(client, sign(key, IMAGE), certificate)).json()
            reply = asyncio.create_task(
                client.post(
                    "/stations/CS1/firmware-publications", json={"firmwareId": firmware["id"]}
                )
            )
            call = await controller.recv()
            assert call[2] == "PublishFirmware"
            assert call[3]["checksum"] == firmware["md5"]
            await controller.send([3, call[1], {"status": "Accepted"}])
            assert (await reply).status_code == 200
            request_id = call[3]["requestId"]
            for value in ("Downloading", "Downloaded", "ChecksumVerified"):
                await controller.call(
                    "PublishFirmwareStatusNotification", {"status": value, "requestId": request_id}
                )
            published = ["http://lc.local/fw.bin"]
            await controller.call(
                "PublishFirmwareStatusNotification",
                {"status": "Published", "requestId": request_id, "location": published},
            )
            listed = (await client.get("/stations/CS1/firmware-publications")).json()["items"]
            assert listed[0]["status"] == "Published"
            assert listed[0]["publishedLocations"] == published
            reply = asyncio.create_task(
                client.post(
                    "/stations/CS1/firmware-publications/unpublish",
                    json={"checksum": firmware["md5"]},
                )
            )
            call = await controller.recv()
            assert call[2] == "UnpublishFirmware"
            await controller.send([3, call[1], {"status": "Unpublished"}])
            assert (await reply).json() == {"status": "Unpublished"}
            listed = (await client.get("/stations/CS1/firmware-publications")).json()["items"]
        assert listed[0]["status"] == "Unpublished"
