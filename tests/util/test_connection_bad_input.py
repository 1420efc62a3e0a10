"""A station connection with a scripted transport: nothing a frame does ends the socket."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.v201 import ACTIONS, messages
from citrine_base.rpc.protocol import CallReceived, OcppProtocol
from citrine_util.networking import ConnectionClosed, ConnectionSettings, StationConnection


class ScriptedTransport:
    def __init__(self, frames: list[str | bytes]) -> None:
        self._frames = list(frames)
        self.sent: list[list[Any]] = []
        self.closed: tuple[int, str] | None = None

    async def receive(self) -> str | bytes:
        await asyncio.sleep(0)
        if not self._frames or self.closed is not None:
            await asyncio.sleep(0.05)  # let the worker answer before the socket ends
            raise ConnectionClosed(1000)
        return self._frames.pop(0)

    async def send(self, text: str) -> None:
        self.sent.append(orjson.loads(text))

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = (code, reason)


class CrashingProtocol(OcppProtocol):
    def receive(self, data: str | bytes) -> Any:
        if data == "boom":
            raise ValueError("a bug")
        return super().receive(data)


async def heartbeat(connection: StationConnection, received: CallReceived) -> OcppModel:
    return messages.HeartbeatResponse(current_time="2026-12-01T00:00:00Z")  # type: ignore[arg-type]


async def run(frames: list[str | bytes], settings: ConnectionSettings) -> ScriptedTransport:
    transport = ScriptedTransport(frames)
    connection = StationConnection(
        StationKey("t", "CS1"), transport, CrashingProtocol(ACTIONS), heartbeat, settings
    )
    await asyncio.wait_for(connection.run(), 5)
    return transport


async def test_a_crash_while_reading_a_frame_is_an_internal_error() -> None:
    transport = await run(["boom", '[2, "h", "Heartbeat", {}]'], ConnectionSettings())
    assert transport.sent[0][:3] == [4, "-1", "InternalError"]
    assert transport.sent[1][:2] == [3, "h"]


@pytest.mark.parametrize("burst", [2, 20])
async def test_the_rate_limit_refuses_then_closes(burst: int) -> None:
    settings = ConnectionSettings(
        message_rate=1.0, message_burst=burst, flood_close_after=3, flood_window=10
    )
    frames: list[str | bytes] = [f'[2, "h{i}", "Heartbeat", {{}}]' for i in range(10)]
    transport = await run(frames, settings)
    if burst == 2:
        assert transport.closed == (1008, "Message rate exceeded")
        refused = [frame for frame in transport.sent if frame[0] == 4]
        assert [frame[2] for frame in refused] == ["RpcFrameworkError"] * 4
    else:
        assert transport.closed is None
        assert all(frame[0] == 3 for frame in transport.sent)
