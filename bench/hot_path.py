"""CPU cost of the repository calls a station's handshake, boot and steady messages make.

Runs each call many times against a fresh database with the migrations applied and prints
the mean wall time per call (one process, nothing else running on the loop, so wall time is
CPU time plus the database's own work). For comparing changes to the data layer, not for
absolute capacity (``bench.stations`` measures that).

    .venv/bin/python -m bench.hot_path                      # SQLite in a temp directory
    .venv/bin/python -m bench.hot_path --database-url postgresql+asyncpg://127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from citrine_base.config import DatabaseConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_data.engine import create_sessionmaker, engine_from_config
from citrine_data.migrate import upgrade
from citrine_data.models.message_log import Direction
from citrine_data.repositories import ChargingStationRepository
from citrine_data.repositories.credentials import StationCredentialRepository
from citrine_data.repositories.message_log import MessageLogEntry, MessageLogRepository
from citrine_data.repositories.station import StationInfo
from citrine_data.repositories.status import ConnectorStatusRepository
from citrine_data.unit_of_work import SessionFactory, unit_of_work

TENANT = "default"


async def timed(name: str, count: int, call: Callable[[int], Awaitable[object]]) -> None:
    """Time ``count`` calls, then count the Python function calls of a tenth of them again:
    on a shared machine the times vary by a third from run to run, the call count not at
    all, so it is the figure to compare two versions of the code by."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(count):
        await call(i)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    profiled = max(1, count // 10)
    profile = cProfile.Profile()
    profile.enable()
    for i in range(profiled):
        await call(i)
    profile.disable()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    print(
        f"{name:<34} {1000 * elapsed / count:7.3f} ms, CPU {1000 * cpu / count:7.3f} ms, "
        f"{calls / profiled:8.0f} Python calls per call  ({count} calls)"
    )


async def run(url: str, count: int) -> None:
    engine = engine_from_config(DatabaseConfig(url=url))  # pooled, as the server's
    sessions: SessionFactory = create_sessionmaker(engine)
    run_id = uuid.uuid4().hex[:8]  # a database used before keeps its rows
    keys = [StationKey(TENANT, f"hot-{run_id}-{i:05d}") for i in range(count)]
    now = datetime.now(UTC)

    async def register(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            stations = ChargingStationRepository.from_session(uow.session)
            await stations.register(
                keys[i],
                StationInfo(vendor_name="V", model="M"),
                booted_at=now,
                protocol="ocpp2.0.1",
            )

    async def connect(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            await ChargingStationRepository.from_session(uow.session).connect(
                keys[i], now, "ocpp2.0.1"
            )

    async def registration(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            await ChargingStationRepository.from_session(uow.session).set_registration_status(
                keys[i], "Accepted"
            )

    async def auth_record(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            await StationCredentialRepository.from_session(uow.session).auth_record(keys[i])

    connector_pks: list[int] = []

    async def ensure_connector(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            stations = ChargingStationRepository.from_session(uow.session)
            station_pk = await stations.get_pk(keys[i])
            assert station_pk is not None
            connector_pks.append((await stations.ensure_connector(station_pk, 1, 1)).id)

    async def connector_pk(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            await ChargingStationRepository.from_session(uow.session).connector_pk(keys[i], 1, 1)

    async def status(i: int) -> None:
        async with unit_of_work(sessions) as uow:
            await ConnectorStatusRepository.from_session(uow.session).record(
                connector_pks[i], "Available", datetime.now(UTC)
            )

    async def seen(_: int) -> None:
        if _ % 100:
            return
        async with unit_of_work(sessions) as uow:
            await ChargingStationRepository.from_session(uow.session).mark_seen_many(
                (key, datetime.now(UTC)) for key in keys
            )

    def log_pair(i: int) -> list[MessageLogEntry]:
        message_id = uuid.uuid4().hex
        at = datetime.now(UTC)
        return [
            MessageLogEntry(
                station=keys[i],
                direction=direction,
                message_type=message_type,
                message_id=message_id,
                action="Heartbeat",
                payload="{}",
                logged_at=at,
            )
            for direction, message_type in ((Direction.IN, 2), (Direction.OUT, 3))
        ]

    async def message_log(_: int) -> None:
        if _ % 100:
            return
        entries = [entry for i in range(_, _ + 100) for entry in log_pair(i % count)]
        async with unit_of_work(sessions) as uow:
            await MessageLogRepository.from_session(uow.session).insert_many(entries)

    async with unit_of_work(sessions) as uow:
        # The tenant every station belongs to (the server creates it at start-up).
        await uow.session.execute(
            text(
                "INSERT INTO tenants (id, name, created_at, updated_at) VALUES (:id, :id, :at, :at)"
                " ON CONFLICT DO NOTHING"
            ),
            {"id": TENANT, "at": now},
        )
    await timed("register (boot upsert)", count, register)
    await timed("connect (handshake)", count, connect)
    await timed("set_registration_status (boot)", count, registration)
    await timed("auth_record (handshake)", count, auth_record)
    await timed("ensure_connector (first status)", count, ensure_connector)
    await timed("connector_pk (status)", count, connector_pk)
    await timed("status record (status)", count, status)
    await timed("mark_seen_many per station", count, seen)
    await timed("message log per 2 frames", count, message_log)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a new temp directory")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'hot.db'}"
        upgrade(url)
        asyncio.run(run(url, args.count))


if __name__ == "__main__":
    main()
