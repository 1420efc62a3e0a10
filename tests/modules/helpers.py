"""What the module tests share: answering the CSMS's CALLs from a raw station, waiting for
what result handlers store, and a REST client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from tests.live import LiveServer, RawStation, raw_station

T = TypeVar("T")
Answer = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def answer(station: RawStation, action: str, payload: Answer) -> dict[str, Any]:
    """Read the CSMS's next CALL, which must be ``action``, answer it; its request payload."""
    frame = await station.recv()
    assert frame[0] == 2, frame
    assert frame[2] == action, frame
    body = payload(frame[3]) if callable(payload) else payload
    await station.send([3, frame[1], body])
    request: dict[str, Any] = frame[3]
    return request


async def answer_error(station: RawStation, action: str, code: str) -> dict[str, Any]:
    frame = await station.recv()
    assert frame[0] == 2, frame
    assert frame[2] == action, frame
    await station.send([4, frame[1], code, "refused by the test", {}])
    request: dict[str, Any] = frame[3]
    return request


async def call_ok(station: RawStation, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send a station CALL that must be answered with a CALLRESULT; its payload."""
    frame = await station.call(action, payload)
    assert frame[0] == 3, frame
    result: dict[str, Any] = frame[2]
    return result


async def eventually(
    check: Callable[[], Awaitable[T | None]], timeout: float = 10.0, interval: float = 0.05
) -> T:
    """The first truthy value of ``check`` within ``timeout`` seconds (result handlers store
    a moment after the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: last value {value!r}")
        await asyncio.sleep(interval)


@asynccontextmanager
async def booted(server: LiveServer, station_id: str) -> AsyncIterator[RawStation]:
    async with raw_station(server, station_id) as station:
        frame = await station.boot()
        assert frame[2]["status"] == "Accepted"
        yield station


@asynccontextmanager
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


def no_limits(request: dict[str, Any]) -> dict[str, Any]:
    """A GetVariables answer: the station does not report ItemsPerMessage/BytesPerMessage."""
    return {
        "getVariableResult": [
            {
                "attributeStatus": "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            for item in request["getVariableData"]
        ]
    }


def limits(items: int | None = None, size: int | None = None) -> Answer:
    """A GetVariables answer giving ItemsPerMessage ``items`` and BytesPerMessage ``size``."""

    def give(request: dict[str, Any]) -> dict[str, Any]:
        results = []
        for item in request["getVariableData"]:
            value = items if item["variable"]["name"] == "ItemsPerMessage" else size
            result: dict[str, Any] = {
                "component": item["component"],
                "variable": item["variable"],
                "attributeStatus": "Accepted" if value is not None else "UnknownVariable",
            }
            if value is not None:
                result["attributeValue"] = str(value)
            results.append(result)
        return {"getVariableResult": results}

    return give
