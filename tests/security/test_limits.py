"""Each limit of ``LimitsConfig`` over a real server: what the station or client sees."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from citrine_base.config import SystemConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import ACTIONS, Action, messages
from server.listeners import uvicorn_config
from tests.live import BOOT_PAYLOAD, LiveServer, live_server, raw_station

RATE = {"message_rate": 5, "message_burst": 5}


async def _answers(station: Any, count: int) -> list[list[Any]]:
    return [await station.recv(timeout=10) for _ in range(count)]


class TestFrameSize:
    async def test_oversize_frame_closes_with_1009_and_is_logged(self) -> None:
        with capture_logs() as logs:
            async with (
                live_server(ocpp={"max_frame_bytes": 2048}) as server,
                raw_station(server, "CS1") as station,
            ):
                await station.boot()
                await station.send_raw('[2, "big", "Heartbeat", {"x": "' + "y" * 4000 + '"}]')
                with pytest.raises(ConnectionClosed) as closed:
                    await station.recv()
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 1009
                async with raw_station(server, "CS1") as again:  # the server is fine
                    assert (await again.call("Heartbeat", {}))[0] == 3
        assert any(entry["event"] == "ocpp.frame_too_large" for entry in logs)

    async def test_invalid_utf8_text_frame_closes_with_1007(self, server: LiveServer) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            await station.ws.send(b'[2, "u", "Heartbeat", {"x": "\xff\xfe"}]', text=True)
            with pytest.raises(ConnectionClosed) as closed:
                await station.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1007


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server() as running:
        yield running


class TestBadInput:
    async def test_deep_nesting_in_custom_data_is_a_format_violation(
        self, server: LiveServer
    ) -> None:
        deep = "[" * 300 + "]" * 300
        frame = '[2, "d1", "Heartbeat", {"customData": {"vendorId": "v", "x": ' + deep + "}}]"
        async with raw_station(server, "CS1") as station:
            await station.boot()
            await station.send_raw(frame)
            assert (await station.recv())[:3] == [4, "d1", "FormatViolation"]
            assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_100k_levels_are_refused_fast(self, server: LiveServer) -> None:
        frame = "[" * 100_000 + "]" * 100_000
        async with raw_station(server, "CS1") as station:
            await station.boot()
            started = time.perf_counter()
            await station.send_raw(frame)
            assert (await station.recv())[:3] == [4, "-1", "RpcFrameworkError"]
            assert time.perf_counter() - started < 1.0
            assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_binary_frame_is_answered_under_its_id(self, server: LiveServer) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            await station.send_raw(b'[2, "b1", "Heartbeat", {}]')
            answer = await station.recv()
            assert answer[:3] == [4, "b1", "RpcFrameworkError"]
            await station.send_raw(b"\x00\xff garbage")
            assert (await station.recv())[:3] == [4, "-1", "RpcFrameworkError"]
            assert (await station.call("Heartbeat", {}))[0] == 3


class TestMessageRate:
    async def test_over_the_rate_calls_are_refused_then_served_again(self) -> None:
        async with (
            live_server(limits={**RATE, "flood_close_after": 100}) as server,
            raw_station(server, "CS1") as station,
        ):
            await station.boot()
            for index in range(12):
                await station.send([2, f"h{index}", "Heartbeat", {}])
            answers = {frame[1]: frame for frame in await _answers(station, 12)}
            assert set(answers) == {f"h{index}" for index in range(12)}
            refused = [frame for frame in answers.values() if frame[0] == 4]
            assert len(refused) >= 6
            assert {frame[2] for frame in refused} == {"RpcFrameworkError"}
            assert all(frame[4]["retryAfter"] >= 0 for frame in refused)
            await asyncio.sleep(0.5)  # a token or two come back
            assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_a_station_that_keeps_flooding_is_closed_with_1008(self) -> None:
        limits = {**RATE, "flood_close_after": 10, "flood_window": 10}
        with capture_logs() as logs:
            async with live_server(limits=limits) as server:
                async with raw_station(server, "CS1") as station:
                    await station.boot()
                    with pytest.raises(ConnectionClosed) as closed:
                        await _flood(station, 200)
                    assert closed.value.rcvd is not None
                    assert closed.value.rcvd.code == 1008
                events = await _security_events(server, "CS1")
                async with raw_station(server, "CS1") as again:  # a new connection is served
                    assert (await again.call("Heartbeat", {}))[0] == 3
                    with pytest.raises(ConnectionClosed):  # and closed again for flooding
                        await _flood(again, 200)
                router = server.runtime.router
                assert router is not None
                for _ in range(50):
                    if router.floods.suppressed:
                        break
                    await asyncio.sleep(0.1)
                assert router.floods.suppressed == 1  # one event per station per interval
                assert len(await _security_events(server, "CS1")) == 1
        assert [event["type"] for event in events] == ["InvalidMessages"]
        names = [entry["event"] for entry in logs]
        assert "ocpp.rate_limited" in names
        assert "ocpp.flood_closed" in names

    async def test_answers_to_our_calls_are_taken_over_the_rate(self) -> None:
        async with (
            live_server(limits={"message_rate": 1, "message_burst": 1}) as server,
            raw_station(server, "CS1") as station,
        ):
            await station.boot()  # takes the only token
            router = server.runtime.router
            assert router is not None
            connection = router.registry.get(StationKey("default", "CS1"))
            assert connection is not None
            spec = ACTIONS[Action.GET_LOCAL_LIST_VERSION]
            pending = asyncio.create_task(
                connection.call(spec, messages.GetLocalListVersionRequest())
            )
            call = await station.recv()
            await station.send([3, call[1], {"versionNumber": 7}])
            response = await asyncio.wait_for(pending, 5)
            assert response.version_number == 7  # type: ignore[attr-defined]


async def _flood(station: Any, count: int) -> None:
    """Send ``count`` CALLs at once, then read until the server closes."""
    for index in range(count):
        await station.send([2, f"f{index}", "Heartbeat", {}])
    while True:
        await station.recv(timeout=10)


async def _security_events(server: LiveServer, station_id: str) -> list[dict[str, Any]]:
    for _ in range(50):  # the event is written once the socket closed
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            reply = await client.get(f"/monitoring/stations/{station_id}/securityEvents")
        items: list[dict[str, Any]] = reply.json()["items"]
        if items:
            return items
        await asyncio.sleep(0.1)
    return []


class TestBodySize:
    async def test_declared_and_streamed_bodies_over_the_limit_get_413(self) -> None:
        async with (
            live_server(limits={"max_body_bytes": 2048}) as server,
            httpx.AsyncClient(base_url=server.base_url) as client,
        ):
            big = b"{" + b" " * 4096 + b"}"
            reply = await client.post("/webhooks/subscriptions", content=big)
            assert reply.status_code == 413
            assert "2048" in reply.json()["detail"]

            status, body = await _chunked_post(server, "/webhooks/subscriptions", 3, 1024)
            assert status == 413
            assert b"2048" in body
            small = await client.post("/webhooks/subscriptions", content=b"{}")
            assert small.status_code not in (413, 500)
            assert (await client.get("/health")).status_code == 200

    async def test_uploads_have_their_own_limit(self) -> None:
        async with (
            live_server(limits={"max_body_bytes": 2048}) as server,
            httpx.AsyncClient(base_url=server.base_url) as client,
        ):
            reply = await client.post("/firmware?name=fw.bin", content=b"\x01" * 100_000)
            assert reply.status_code == 201, reply.text


async def _chunked_post(server: LiveServer, path: str, chunks: int, size: int) -> tuple[int, bytes]:
    """A body without Content-Length (chunked), written at once on a raw socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.config.port)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    head += "Content-Type: application/json\r\n\r\n"
    chunk = f"{size:x}\r\n".encode() + b" " * size + b"\r\n"
    writer.write(head.encode() + chunk * chunks + b"0\r\n\r\n")
    await writer.drain()
    response = await asyncio.wait_for(reader.read(65536), 10)
    writer.close()
    status = int(response.split(b" ", 2)[1])
    return status, response.split(b"\r\n\r\n", 1)[1]


class TestAddressCaps:
    async def test_connections_over_the_cap_get_429_with_retry_after(self) -> None:
        limits = {"max_connections_per_address": 2, "address_retry_after": 7}
        async with (
            live_server(limits=limits) as server,
            raw_station(server, "CS1"),
            raw_station(server, "CS2"),
        ):
            with pytest.raises(InvalidStatus) as refused:
                async with raw_station(server, "CS3"):
                    pass
            assert refused.value.response.status_code == 429
            assert refused.value.response.headers["Retry-After"] == "7"
            # Behind a trusted proxy (loopback by default) the forwarded address counts.
            headers = {"X-Forwarded-For": "10.1.2.3"}
            async with raw_station(server, "CS3", additional_headers=headers) as station:
                assert (await station.boot())[0] == 3
        assert server.app.state.address_book.connected("127.0.0.1") == 0

    async def test_forwarded_for_from_an_untrusted_peer_is_ignored(self) -> None:
        limits = {"max_connections_per_address": 1, "trusted_proxies": ["10.9.9.9"]}
        async with live_server(limits=limits) as server, raw_station(server, "CS1"):
            headers = {"X-Forwarded-For": "10.1.2.3"}
            with pytest.raises(InvalidStatus) as refused:
                async with raw_station(server, "CS2", additional_headers=headers):
                    pass
            assert refused.value.response.status_code == 429

    async def test_refused_handshakes_do_not_hold_a_slot(self) -> None:
        async with live_server(limits={"max_connections_per_address": 1}) as server:
            for _ in range(3):
                async with raw_station(server, "CS1") as station:
                    assert (await station.call("BootNotification", BOOT_PAYLOAD))[0] == 3
            with pytest.raises(InvalidStatus):
                async with (
                    raw_station(server, "CS1"),
                    connect(
                        server.ws_url("CS2"),
                        subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
                    ),
                ):
                    pass


class TestSettings:
    def test_uvicorn_gets_the_frame_size_and_the_trusted_proxies(self) -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError("never served")

        config = SystemConfig(ocpp={"max_frame_bytes": 4096}, limits={"trusted_proxies": []})
        server_config = uvicorn_config(app, config, "127.0.0.1", 0, lifespan=False)
        assert server_config.ws_max_size == 4096
        assert server_config.proxy_headers is False
        trusted_config = SystemConfig(limits={"trusted_proxies": ["10.0.0.0/8"]})
        trusted = uvicorn_config(app, trusted_config, "127.0.0.1", 0, lifespan=False)
        assert trusted.proxy_headers is True
        assert trusted.forwarded_allow_ips == ["10.0.0.0/8"]

    def test_a_bad_proxy_network_is_refused_at_start(self) -> None:
        with pytest.raises(ValidationError, match="not-an-address"):
            SystemConfig(limits={"trusted_proxies": ["not-an-address"]})
