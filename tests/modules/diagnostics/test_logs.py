"""N01 over real websockets and real HTTP: GetLog, the upload hosted by the CSMS, and the
uploaded log downloadable over REST."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.live import LiveServer, RawStation, live_server, raw_station


@asynccontextmanager
async def booted(
    **overrides: Any,
) -> AsyncIterator[tuple[LiveServer, RawStation, httpx.AsyncClient]]:
    async with live_server(**overrides) as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            yield server, station, client


async def ask_log(
    station: RawStation, client: httpx.AsyncClient, answer: dict[str, Any], **body: Any
) -> tuple[list[Any], dict[str, Any]]:
    """The GetLog the station received, and the REST answer after the station's ``answer``."""
    reply = asyncio.create_task(
        client.post("/stations/CS1/logs", json={"logType": "DiagnosticsLog", **body})
    )
    call = await station.recv()
    assert call[2] == "GetLog"
    await station.send([3, call[1], answer])
    response = await reply
    assert response.status_code == 200, response.text
    return call, response.json()


async def notify(station: RawStation, status: str, request_id: int) -> None:
    answer = await station.call(
        "LogStatusNotification", {"status": status, "requestId": request_id}
    )
    assert answer[0] == 3


async def test_log_upload_arrives_and_is_downloadable() -> None:
    """TC_N_25_CSMS: Accepted, Uploading, PUT to the CSMS's URL, Uploaded, download."""
    async with booted() as (server, station, client):
        call, body = await ask_log(
            station, client, {"status": "Accepted", "filename": "diag.tar.gz"}
        )
        location = call[3]["log"]["remoteLocation"]
        request_id = call[3]["requestId"]
        assert location.startswith(f"{server.base_url}/files/logs/")
        assert body["request"]["status"] == "Accepted"
        assert body["request"]["filename"] == "diag.tar.gz"
        await notify(station, "Uploading", request_id)
        content = bytes(range(256)) * 1000
        put = await client.put(location, content=content)
        assert put.status_code == 201, put.text
        await notify(station, "Uploaded", request_id)

        stored = (await client.get(f"/stations/CS1/logs/{request_id}")).json()
        assert [entry["status"] for entry in stored["statusHistory"]] == [
            "Accepted",
            "Uploading",
            "Uploaded",
        ]
        assert stored["uploaded"] is True
        assert stored["fileSize"] == len(content)
        download = await client.get(f"/stations/CS1/logs/{request_id}/file")
        assert download.status_code == 200
        assert download.content == content
        assert "diag.tar.gz" in download.headers["content-disposition"]
        # Finished: the upload URL no longer takes anything (N01.FR.17).
        assert (await client.put(location, content=b"again")).status_code == 404


async def test_multipart_post_upload_with_filename_in_path() -> None:
    """N01.FR.18: a POST form, to the URL with the file name appended, also arrives."""
    async with booted() as (_, station, client):
        call, _ = await ask_log(station, client, {"status": "Accepted"}, logType="SecurityLog")
        assert call[3]["logType"] == "SecurityLog"  # TC_N_35_CSMS
        location = call[3]["log"]["remoteLocation"]
        files = {"file": ("security.log", b"line 1\nline 2\n", "text/plain")}
        posted = await client.post(f"{location}/security.log", files=files)
        assert posted.status_code == 201, posted.text
        request_id = call[3]["requestId"]
        download = await client.get(f"/stations/CS1/logs/{request_id}/file")
        assert download.content == b"line 1\nline 2\n"
        assert download.headers["content-type"].startswith("text/plain")


async def test_raw_post_and_size_limit() -> None:
    async with booted(files={"max_log_bytes": 1000}) as (_, station, client):
        call, _ = await ask_log(station, client, {"status": "Accepted"})
        location = call[3]["log"]["remoteLocation"]
        too_large = await client.post(location, content=b"x" * 5000)
        assert too_large.status_code == 413
        streamed = await client.post(location, content=_chunks(b"y" * 600, 3))
        assert streamed.status_code == 413
        fits = await client.post(location, content=b"z" * 1000)
        assert fits.status_code == 201
        request_id = call[3]["requestId"]
        assert (await client.get(f"/stations/CS1/logs/{request_id}/file")).content == b"z" * 1000


async def _chunks(part: bytes, times: int) -> AsyncIterator[bytes]:
    for _ in range(times):
        yield part


async def test_unknown_token_is_refused() -> None:
    async with booted() as (_, _station, client):
        assert (await client.put("/files/logs/not-a-token", content=b"x")).status_code == 404


async def test_rejected_request_keeps_no_upload_open() -> None:
    """TC_N_34_CSMS: the station rejects GetLog; that is stored and nothing can be uploaded."""
    async with booted() as (_, station, client):
        call, body = await ask_log(station, client, {"status": "Rejected"})
        assert body["request"]["status"] == "Rejected"
        location = call[3]["log"]["remoteLocation"]
        assert (await client.put(location, content=b"x")).status_code == 404


async def test_second_request_cancels_the_first() -> None:
    """TC_N_36_CSMS: AcceptedCanceled for the second GetLog; the first becomes Canceled."""
    async with booted() as (_, station, client):
        first, _ = await ask_log(station, client, {"status": "Accepted"})
        await notify(station, "Uploading", first[3]["requestId"])
        second, body = await ask_log(station, client, {"status": "AcceptedCanceled"})
        assert second[3]["requestId"] != first[3]["requestId"]
        assert body["request"]["status"] == "AcceptedCanceled"
        old = (await client.get(f"/stations/CS1/logs/{first[3]['requestId']}")).json()
        assert old["status"] == "Canceled"
        old_location = first[3]["log"]["remoteLocation"]
        assert (await client.put(old_location, content=b"x")).status_code == 404
        new_location = second[3]["log"]["remoteLocation"]
        assert (await client.put(new_location, content=b"x")).status_code == 201
        listed = (await client.get("/stations/CS1/logs")).json()["items"]
        assert [item["requestId"] for item in listed] == [
            second[3]["requestId"],
            first[3]["requestId"],
        ]


async def test_external_location_is_passed_through() -> None:
    async with booted() as (_, station, client):
        target = "ftp://logs.example.net/incoming/"
        call, body = await ask_log(station, client, {"status": "Accepted"}, remoteLocation=target)
        assert call[3]["log"]["remoteLocation"] == target
        assert body["request"]["remoteLocation"] == target


async def test_triggered_idle_notification_is_acknowledged() -> None:
    async with booted() as (_, station, _client):
        answer = await station.call("LogStatusNotification", {"status": "Idle"})
        assert answer[0] == 3


@pytest.mark.parametrize("path", ["/stations/NOPE/logs"])
async def test_unknown_station_is_404(path: str) -> None:
    async with booted() as (_, _station, client):
        reply = await client.post(path, json={"logType": "DiagnosticsLog"})
        assert reply.status_code == 404
