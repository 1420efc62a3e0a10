"""A scripted station over a real websocket, and the data a test puts in place first.

``Station`` reads every frame in the background: answers to its own CALLs go to the caller,
CSMS CALLs are queued for the test to look at and answer (``next_call`` / ``reply``), or are
answered at once by ``auto`` (action -> payload).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.topics import SITE_TRANSACTIONS_CHANGED, TRANSACTION_STARTED
from citrine_data import unit_of_work
from citrine_data.models import Transaction
from citrine_data.repositories import (
    ChargingStationRepository,
    DeviceModelRepository,
    LocationRepository,
    TransactionRepository,
)
from citrine_data.repositories.device_model import (
    AttributeData,
    CharacteristicsData,
    ComponentKey,
    VariableKey,
)
from citrine_data.repositories.location import LocationData
from citrine_data.repositories.transaction import TransactionStart
from tests.live import BOOT_PAYLOAD, LiveServer, raw_station

TENANT = "default"
SET = "/ocpp/2.0.1/smartcharging/setChargingProfile"
CLEAR = "/ocpp/2.0.1/smartcharging/clearChargingProfile"
GET = "/ocpp/2.0.1/smartcharging/getChargingProfiles"
COMPOSITE = "/ocpp/2.0.1/smartcharging/getCompositeSchedule"


class Station:
    def __init__(self, raw: Any, station_id: str) -> None:
        self.raw = raw
        self.station_id = station_id
        self.calls: asyncio.Queue[list[Any]] = asyncio.Queue()
        self.auto: dict[str, dict[str, Any]] = {}
        self.received: list[list[Any]] = []
        self._waiting: dict[str, asyncio.Future[list[Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for data in self.raw.ws:
            frame = orjson.loads(data)
            if frame[0] == 2:
                self.received.append(frame)
                if frame[2] in self.auto:
                    await self.reply(frame, self.auto[frame[2]])
                else:
                    await self.calls.put(frame)
            elif frame[1] in self._waiting:
                self._waiting.pop(frame[1]).set_result(frame)

    async def close(self) -> None:
        self._reader.cancel()
        with suppress(asyncio.CancelledError):
            await self._reader

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 15) -> list[Any]:
        message_id = str(uuid.uuid4())
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = future
        await self.raw.send([2, message_id, action, payload])
        return await asyncio.wait_for(future, timeout)

    async def next_call(self, action: str | None = None, timeout: float = 15) -> list[Any]:
        frame = await asyncio.wait_for(self.calls.get(), timeout)
        if action is not None:
            assert frame[2] == action, frame
        return frame

    async def nothing_sent(self, wait: float = 0.5) -> bool:
        try:
            frame = await asyncio.wait_for(self.calls.get(), wait)
        except TimeoutError:
            return True
        raise AssertionError(f"the CSMS sent {frame}")

    async def reply(self, frame: list[Any], payload: dict[str, Any]) -> None:
        await self.raw.send([3, frame[1], payload])

    async def reply_error(self, frame: list[Any], code: str, description: str = "") -> None:
        await self.raw.send([4, frame[1], code, description, {}])


@asynccontextmanager
async def booted(server: LiveServer, station_id: str) -> AsyncIterator[Station]:
    async with raw_station(server, station_id, timeout=15) as raw:
        station = Station(raw, station_id)
        try:
            answer = await station.call("BootNotification", BOOT_PAYLOAD)
            assert answer[2]["status"] == "Accepted", answer
            yield station
        finally:
            await station.close()


async def command(
    client: httpx.AsyncClient,
    station: Station,
    path: str,
    body: dict[str, Any],
    reply: dict[str, Any] | None = None,
) -> tuple[httpx.Response, list[Any] | None]:
    """Send a command with ``wait``; when it reaches the station, answer ``reply``."""
    sent = asyncio.create_task(
        client.post(path, params={"identifier": station.station_id, "wait": 10}, json=body)
    )
    frame = None
    if reply is not None:
        frame = await station.next_call()
        await station.reply(frame, reply)
    return await sent, frame


async def eventually(check: Any, timeout: float = 15) -> Any:
    """Poll ``check()`` (async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


async def station_pk(server: LiveServer, station_id: str) -> int:
    async with unit_of_work(server.runtime.sessions) as uow:
        repository = ChargingStationRepository.from_session(uow.session)
        return (await repository.get_by_key_or_raise(StationKey(TENANT, station_id))).id


async def start_transaction(
    server: LiveServer,
    station_id: str,
    transaction_id: str,
    evse_id: int = 1,
    *,
    publish: bool = False,
    ago: float = 60,
) -> None:
    """A running transaction, as the transactions module would store it."""
    pk = await station_pk(server, station_id)
    started = datetime.now(UTC) - timedelta(seconds=ago)
    async with unit_of_work(server.runtime.sessions) as uow:
        await TransactionRepository.from_session(uow.session).create(
            pk,
            TransactionStart(
                transaction_id=transaction_id, started_at=started, evse_id=evse_id, connector_id=1
            ),
        )
    if publish:
        await publish_change(server, station_id, transaction_id)


async def end_transaction(
    server: LiveServer, station_id: str, transaction_id: str, *, publish: bool = False
) -> None:
    pk = await station_pk(server, station_id)
    async with unit_of_work(server.runtime.sessions) as uow:
        repository = TransactionRepository.from_session(uow.session)
        transaction: Transaction | None = await repository.get(pk, transaction_id)
        assert transaction is not None
        await repository.end(transaction, ended_at=datetime.now(UTC), reason="Local")
    if publish:
        await publish_change(server, station_id, transaction_id, "TransactionEnded")


async def publish_change(
    server: LiveServer, station_id: str, transaction_id: str, action: str = TRANSACTION_STARTED
) -> None:
    """What the transactions module publishes after committing a Started or Ended event."""
    from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator

    await server.runtime.broker.publish(
        SITE_TRANSACTIONS_CHANGED,
        Envelope(
            kind=EnvelopeKind.EVENT,
            station=StationKey(TENANT, station_id),
            action=action,
            message_id=str(uuid.uuid4()),
            initiator=Initiator.STATION,
            payload=orjson.dumps({"transactionId": transaction_id}),
        ),
    )


async def set_device_variable(
    server: LiveServer,
    station_id: str,
    component: ComponentKey,
    variable: VariableKey,
    *,
    value: str | None = None,
    max_limit: float | None = None,
    data_type: str = "integer",
) -> None:
    """A device-model variable as a NotifyReport would have stored it."""
    pk = await station_pk(server, station_id)
    async with unit_of_work(server.runtime.sessions) as uow:
        repository = DeviceModelRepository.from_session(uow.session)
        stored = await repository.upsert_component(pk, component)
        row = await repository.upsert_variable(stored.id, variable)
        if value is not None:
            await repository.set_attribute(row.id, AttributeData(value=value))
        if max_limit is not None:
            await repository.set_characteristics(
                row.id,
                CharacteristicsData(
                    data_type=data_type, supports_monitoring=False, max_limit=max_limit
                ),
            )


async def smart_charging_ctrlr(server: LiveServer, station_id: str, **values: str) -> None:
    for name, value in values.items():
        await set_device_variable(
            server, station_id, ComponentKey("SmartChargingCtrlr"), VariableKey(name), value=value
        )


async def create_location(server: LiveServer, name: str, limit: float | None) -> int:
    async with unit_of_work(server.runtime.sessions) as uow:
        location = await LocationRepository.from_session(uow.session).create(
            TENANT, LocationData(name=name, grid_connection_limit_amps=limit)
        )
        return location.id


def profile(
    profile_id: int = 1,
    *,
    purpose: str = "TxDefaultProfile",
    stack_level: int = 0,
    kind: str = "Absolute",
    limit: float = 16.0,
    periods: list[dict[str, Any]] | None = None,
    start: datetime | None = None,
    unit: str = "A",
    **extra: Any,
) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "id": 1,
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": periods or [{"startPeriod": 0, "limit": limit}],
    }
    if kind != "Relative":
        schedule["startSchedule"] = (start or datetime.now(UTC)).isoformat()
    schedule.update(extra.pop("schedule", {}))
    return {
        "id": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
        **extra,
    }


async def install(
    client: httpx.AsyncClient, station: Station, evse_id: int, body: dict[str, Any]
) -> None:
    """Set a profile through the REST API; the station accepts it."""
    response, _ = await command(
        client, station, SET, {"evseId": evse_id, "chargingProfile": body}, {"status": "Accepted"}
    )
    assert response.status_code == 200, response.text
