"""Payloads a station sends in a charging session, and a booted raw station."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from citrine_data import unit_of_work
from citrine_data.repositories import IdTokenRepository
from citrine_data.repositories.authorization import TokenInfo
from tests.live import LiveServer, RawStation, raw_station

T = TypeVar("T")
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    """T0 plus ``minutes``, as the station writes it."""
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def meter(wh: float, minutes: float, *, context: str | None = None, **extra: Any) -> dict[str, Any]:
    sample: dict[str, Any] = {"value": wh, **extra}
    if context is not None:
        sample["context"] = context
    return {"timestamp": at(minutes), "sampledValue": [sample]}


def event(
    event_type: str,
    seq_no: int,
    transaction_id: str = "TX-1",
    trigger: str = "MeterValuePeriodic",
    *,
    minutes: float | None = None,
    evse: int | None = None,
    connector: int | None = 1,
    token: str | None = None,
    token_type: str = "ISO14443",
    wh: float | None = None,
    meter_values: list[dict[str, Any]] | None = None,
    **info: Any,
) -> dict[str, Any]:
    """A TransactionEvent payload; ``info`` goes into transactionInfo (chargingState=...),
    except ``offline``, ``reservationId`` which go on the event."""
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": at(seq_no if minutes is None else minutes),
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": transaction_id},
    }
    for name in ("offline", "reservationId"):
        if name in info:
            payload[name] = info.pop(name)
    payload["transactionInfo"].update(info)
    if evse is not None:
        payload["evse"] = {"id": evse, **({"connectorId": connector} if connector else {})}
    if token is not None:
        payload["idToken"] = {"idToken": token, "type": token_type}
    values = list(meter_values or [])
    if wh is not None:
        values.append(meter(wh, seq_no if minutes is None else minutes))
    if values:
        payload["meterValue"] = values
    return payload


async def answer(station: RawStation, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The CALLRESULT payload (fails on a CALLERROR)."""
    frame = await station.call(action, payload)
    assert frame[0] == 3, frame
    result: dict[str, Any] = frame[2]
    return result


@asynccontextmanager
async def booted(server: LiveServer, station_id: str) -> AsyncIterator[RawStation]:
    async with raw_station(server, station_id, timeout=15) as station:
        assert (await station.boot())[2]["status"] == "Accepted"
        yield station


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0) -> T:
    """Poll ``check`` until it returns something truthy (or the last value at the deadline)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)


async def provision(server: LiveServer, token: str, status: str = "Accepted") -> None:
    async with unit_of_work(server.runtime.sessions) as uow:
        await IdTokenRepository.from_session(uow.session).upsert(
            "default", token, "ISO14443", TokenInfo(status=status)
        )
