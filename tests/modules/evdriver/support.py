"""What the EVDriver end-to-end tests share: a server per test module, booted raw stations,
tokens made over REST, and the database of the running server for setting the scene."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Session, unit_of_work
from citrine_data.models import ChargingStation
from citrine_data.repositories import (
    ChargingStationRepository,
    DeviceModelRepository,
    IdTokenRepository,
    TransactionRepository,
)
from citrine_data.repositories.device_model import AttributeData, ComponentKey, VariableKey
from citrine_data.repositories.transaction import TransactionStart
from tests.live import LiveServer, RawStation, raw_station

T = TypeVar("T")
TENANT = "default"


@asynccontextmanager
async def booted(server: LiveServer, station_id: str) -> AsyncIterator[RawStation]:
    async with raw_station(server, station_id, timeout=15) as station:
        reply = await station.boot()
        assert reply[2]["status"] == "Accepted"
        yield station


async def put_token(
    client: httpx.AsyncClient, id_token: str, type: str = "ISO14443", **fields: Any
) -> dict[str, Any]:
    response = await client.put(f"/id-tokens/{type}/{id_token}", json=fields)
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def authorize(
    station: RawStation, id_token: str, type: str = "ISO14443", **extra: Any
) -> dict[str, Any]:
    frame = await station.call(
        "Authorize", {"idToken": {"idToken": id_token, "type": type}, **extra}
    )
    assert frame[0] == 3, frame
    payload: dict[str, Any] = frame[2]
    return payload


async def answer_next(
    station: RawStation, payload: dict[str, Any], action: str | None = None
) -> list[Any]:
    """Read the CSMS's next CALL, check its action, answer it with ``payload``."""
    frame = await station.recv()
    assert frame[0] == 2, frame
    if action is not None:
        assert frame[2] == action, frame
    await station.send([3, frame[1], payload])
    return frame


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0) -> T:
    """``check()`` once it is truthy: result handlers record answers just after them."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            assert value, "condition not met in time"
            return value
        await asyncio.sleep(0.05)


async def in_db(server: LiveServer, work: Callable[[Session], Awaitable[T]]) -> T:
    async with unit_of_work(server.runtime.sessions) as uow:
        return await work(uow.session)


async def station_row(session: Session, station_id: str) -> ChargingStation:
    return await ChargingStationRepository.from_session(session).get_by_key_or_raise(
        StationKey(TENANT, station_id)
    )


async def start_transaction(
    server: LiveServer, station_id: str, transaction_id: str, id_token: str, type: str = "ISO14443"
) -> int:
    """An active transaction of ``id_token``, as the Transactions module would record it."""

    async def work(session: Session) -> int:
        station = await station_row(session, station_id)
        token = await IdTokenRepository.from_session(session).get(TENANT, id_token, type)
        start = TransactionStart(
            transaction_id=transaction_id,
            started_at=datetime.now(UTC),
            evse_id=1,
            connector_id=1,
            id_token=id_token,
            id_token_type=type,
            id_token_pk=token.id if token else None,
        )
        return (await TransactionRepository.from_session(session).create(station.id, start)).id

    return await in_db(server, work)


async def set_variable(
    server: LiveServer,
    station_id: str,
    component: str,
    variable: str,
    value: str,
) -> None:
    """A device model value, as a NotifyReport would have stored it."""

    async def work(session: Session) -> None:
        station = await station_row(session, station_id)
        repository = DeviceModelRepository.from_session(session)
        found = await repository.upsert_component(station.id, ComponentKey(component))
        row = await repository.upsert_variable(found.id, VariableKey(variable))
        await repository.set_attribute(row.id, AttributeData(value=value))

    await in_db(server, work)


async def add_connector(
    server: LiveServer, station_id: str, evse_id: int, connector_type: str | None
) -> None:
    async def work(session: Session) -> None:
        station = await station_row(session, station_id)
        await ChargingStationRepository.from_session(session).ensure_connector(
            station.id, evse_id, 1, connector_type
        )

    await in_db(server, work)
