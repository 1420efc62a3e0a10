"""REST commands to stations: wait, correlation id, callback; offline and silent stations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from tests.live import LiveServer, RawStation, free_port, live_server, raw_station

RESET = "/ocpp/2.0.1/configuration/reset"


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server(ocpp={"call_timeout": 1}) as running:
        yield running


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


async def answer_next(station: RawStation, payload: dict[str, Any]) -> list[Any]:
    frame = await station.recv()
    await station.send([3, frame[1], payload])
    return frame


class TestWait:
    async def test_result_in_the_http_response(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            reply = asyncio.create_task(
                client.post(
                    RESET, params={"identifier": "CS1", "wait": 5}, json={"type": "Immediate"}
                )
            )
            frame = await answer_next(station, {"status": "Accepted"})
            response = await reply
        assert frame[2:] == ["Reset", {"type": "Immediate"}]
        assert response.status_code == 200
        [record] = response.json()
        assert record["outcome"] == "result"
        assert record["payload"] == {"status": "Accepted"}
        assert record["correlationId"] == frame[1]
        assert record["stationId"] == "CS1"

    async def test_call_error_is_reported(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            reply = asyncio.create_task(
                client.post(
                    RESET, params={"identifier": "CS1", "wait": 5}, json={"type": "Immediate"}
                )
            )
            frame = await station.recv()
            await station.send([4, frame[1], "NotSupported", "no resets here", {}])
            response = await reply
        assert response.status_code == 502
        [record] = response.json()
        assert record["outcome"] == "error"
        assert record["error"]["code"] == "NotSupported"

    async def test_offline_station_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            RESET, params={"identifier": "nobody", "wait": 5}, json={"type": "Immediate"}
        )
        assert response.status_code == 404
        assert response.json()[0]["outcome"] == "offline"

    async def test_silent_station_is_504(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            response = await client.post(
                RESET, params={"identifier": "CS1", "wait": 5}, json={"type": "Immediate"}
            )
            assert (await station.recv())[2] == "Reset"  # it was sent, never answered
        assert response.status_code == 504
        assert response.json()[0]["outcome"] == "timeout"

    async def test_fan_out_to_several_stations(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "A") as a, raw_station(server, "B") as b:
            await a.boot()
            await b.boot()
            reply = asyncio.create_task(
                client.post(
                    RESET,
                    params=[
                        ("identifier", "A"),
                        ("identifier", "B"),
                        ("identifier", "C"),
                        ("wait", "5"),
                    ],
                    json={"type": "OnIdle"},
                )
            )
            await answer_next(a, {"status": "Accepted"})
            await answer_next(b, {"status": "Scheduled"})
            response = await reply
        assert response.status_code == 200
        outcomes = {
            record["stationId"]: (record["outcome"], record.get("payload"))
            for record in response.json()
        }
        assert outcomes == {
            "A": ("result", {"status": "Accepted"}),
            "B": ("result", {"status": "Scheduled"}),
            "C": ("offline", None),
        }


class TestWithoutWait:
    async def test_202_then_state_by_correlation_id(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            response = await client.post(
                RESET, params={"identifier": "CS1"}, json={"type": "OnIdle"}
            )
            assert response.status_code == 202
            [record] = response.json()
            assert record["outcome"] == "pending"
            state = await client.get(f"/ocpp/requests/{record['correlationId']}")
            assert state.json()["outcome"] == "pending"
            await answer_next(station, {"status": "Accepted"})
            for _ in range(100):
                state = await client.get(f"/ocpp/requests/{record['correlationId']}")
                if state.json()["outcome"] != "pending":
                    break
                await asyncio.sleep(0.02)
        assert state.json()["outcome"] == "result"
        assert state.json()["payload"] == {"status": "Accepted"}

    async def test_unknown_correlation_id_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/ocpp/requests/nothing-here")).status_code == 404


class TestCallback:
    async def test_callback_receives_result_and_timeout(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        received: list[dict[str, Any]] = []
        sink = FastAPI()

        @sink.post("/hook")
        async def hook(request: Request) -> dict[str, str]:
            received.append(await request.json())
            return {}

        import uvicorn

        port = free_port()
        hook_server = uvicorn.Server(
            uvicorn.Config(sink, host="127.0.0.1", port=port, log_config=None, lifespan="off")
        )
        hook_task = asyncio.create_task(hook_server.serve())
        try:
            while not hook_server.started:  # noqa: ASYNC110 - uvicorn offers no event
                await asyncio.sleep(0.01)
            callback = f"http://127.0.0.1:{port}/hook"
            async with raw_station(server, "CS1") as station:
                await station.boot()
                await client.post(
                    RESET,
                    params={"identifier": "CS1", "callbackUrl": callback},
                    json={"type": "OnIdle"},
                )
                await answer_next(station, {"status": "Accepted"})
                await client.post(
                    RESET,
                    params={"identifier": "CS1", "callbackUrl": callback},
                    json={"type": "OnIdle"},
                )
                await station.recv()  # never answered: the callback reports the timeout
                for _ in range(300):
                    if len(received) == 2:
                        break
                    await asyncio.sleep(0.02)
        finally:
            hook_server.should_exit = True
            await hook_task
        assert [(item["stationId"], item["action"], item["outcome"]) for item in received] == [
            ("CS1", "Reset", "result"),
            ("CS1", "Reset", "timeout"),
        ]
        assert received[0]["payload"] == {"status": "Accepted"}
        assert all(item["correlationId"] for item in received)


class TestValidation:
    async def test_invalid_body_is_422_and_nothing_is_sent(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            response = await client.post(
                RESET, params={"identifier": "CS1", "wait": 1}, json={"type": "Sometime"}
            )
            assert response.status_code == 422
            assert "type" in str(response.json())
            with pytest.raises(TimeoutError):
                await station.recv(timeout=0.3)

    async def test_missing_identifier_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.post(RESET, json={"type": "OnIdle"})).status_code == 422

    async def test_openapi_documents_the_body(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        body = document["paths"][RESET]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]
        assert body == {"$ref": "#/components/schemas/ResetRequest"}
        assert "type" in document["components"]["schemas"]["ResetRequest"]["properties"]
