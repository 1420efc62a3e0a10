"""What the module tests share: a station that answers the CSMS's CALLs, and report data."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from citrine_modules.configuration import ConfigurationModule
from tests.live import BOOT_PAYLOAD, LiveServer, RawStation, raw_station

NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def expect_call(station: RawStation, action: str, timeout: float = 10) -> list[Any]:
    """The next frame, which must be a CALL of ``action`` from the CSMS."""
    frame = await station.recv(timeout)
    assert frame[:3:2] == [2, action], frame
    return frame


async def answer(
    station: RawStation, action: str, payload: dict[str, Any], timeout: float = 10
) -> dict[str, Any]:
    """Wait for a CALL of ``action``, answer it with ``payload``, return the CALL's payload."""
    frame = await expect_call(station, action, timeout)
    await station.send([3, frame[1], payload])
    request: dict[str, Any] = frame[3]
    return request


async def no_frame(station: RawStation, within: float = 1.0) -> None:
    """Nothing arrives from the CSMS for ``within`` seconds."""
    try:
        frame = await station.recv(within)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected frame {frame}")


async def notify(station: RawStation, payload: dict[str, Any]) -> None:
    reply = await station.call("NotifyReport", payload)
    assert reply[0] == 3, reply


def report_data(
    component: str,
    variable: str,
    value: str,
    *,
    variable_instance: str | None = None,
    evse: int | None = None,
    mutability: str = "ReadWrite",
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "component": {"name": component},
        "variable": {"name": variable},
        "variableAttribute": [{"type": "Actual", "value": value, "mutability": mutability}],
        "variableCharacteristics": {"dataType": "integer", "supportsMonitoring": False},
    }
    if evse is not None:
        data["component"]["evse"] = {"id": evse}
    if variable_instance is not None:
        data["variable"]["instance"] = variable_instance
    if mutability == "WriteOnly":
        data["variableCharacteristics"]["dataType"] = "string"
    return data


def limits_report(request_id: int, items: int, bytes_: int = 65000) -> dict[str, Any]:
    """One NotifyReport part giving DeviceDataCtrlr's per-message limits."""
    data = [
        report_data("DeviceDataCtrlr", name, str(value), variable_instance=action)
        for action in ("GetVariables", "SetVariables", "GetReport")
        for name, value in (("ItemsPerMessage", items), ("BytesPerMessage", bytes_))
    ]
    return {"requestId": request_id, "generatedAt": NOW, "seqNo": 0, "reportData": data}


def configuration(server: LiveServer) -> ConfigurationModule:
    [module] = [m for m in server.runtime.modules if isinstance(m, ConfigurationModule)]
    return module


async def eventually(check: Any, timeout: float = 10) -> Any:
    """Poll ``check()`` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


class ScriptedStation:
    """A raw station whose frames are sorted as they come: CALLs from the CSMS wait in a
    queue, answers to its own CALLs go to whoever sent them. The CSMS may send a CALL before
    it answered the station's (a provisioning step woken by the station's NotifyReport)."""

    def __init__(self, raw: RawStation) -> None:
        self.raw = raw
        self.calls: asyncio.Queue[list[Any]] = asyncio.Queue()
        self._answers: dict[str, asyncio.Future[list[Any]]] = {}

    async def read(self) -> None:
        while True:
            frame = orjson.loads(await self.raw.ws.recv())
            if frame[0] == 2:
                await self.calls.put(frame)
                continue
            waiter = self._answers.pop(frame[1], None)
            if waiter is not None and not waiter.done():
                waiter.set_result(frame)

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 10) -> list[Any]:
        message_id = str(uuid.uuid4())
        waiter = asyncio.get_running_loop().create_future()
        self._answers[message_id] = waiter
        await self.raw.send([2, message_id, action, payload])
        return await asyncio.wait_for(waiter, timeout)

    async def boot(self, reason: str = "PowerUp") -> dict[str, Any]:
        frame = await self.call("BootNotification", {**BOOT_PAYLOAD, "reason": reason})
        assert frame[0] == 3, frame
        response: dict[str, Any] = frame[2]
        return response

    async def expect(self, action: str, timeout: float = 10) -> list[Any]:
        frame = await asyncio.wait_for(self.calls.get(), timeout)
        assert frame[2] == action, frame
        return frame

    async def answer(
        self, action: str, payload: dict[str, Any], timeout: float = 10
    ) -> dict[str, Any]:
        frame = await self.expect(action, timeout)
        await self.raw.send([3, frame[1], payload])
        request: dict[str, Any] = frame[3]
        return request

    async def notify_report(self, payload: dict[str, Any]) -> None:
        frame = await self.call("NotifyReport", payload)
        assert frame == [3, frame[1], {}], frame

    async def no_call(self, within: float = 1.0) -> None:
        try:
            frame = await asyncio.wait_for(self.calls.get(), within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected CALL {frame}")


@asynccontextmanager
async def scripted_station(server: LiveServer, station_id: str) -> AsyncIterator[ScriptedStation]:
    async with raw_station(server, station_id) as raw:
        station = ScriptedStation(raw)
        reader = asyncio.create_task(station.read())
        try:
            yield station
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader
