"""A real cluster for the tests: ``citrine serve`` and ``citrine worker`` processes on free
ports against the PostgreSQL, Redis and RabbitMQ of this machine (``bench.cluster``).

Each cluster has a database, an exchange and a Redis key prefix of its own, all removed at the
end, so other users of the same services (other test runs) are never disturbed.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aio_pika
import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import connect

from bench.cluster import LocalCluster, Member
from tests.live import RawStation, free_port
from tests.services import require_postgres, require_rabbitmq, require_redis

STATION_TIMEOUT = 30.0
"""How long a test station waits for each answer: generous, for a loaded 2-core machine."""


async def _admin(sql: str) -> None:
    dsn = require_postgres().replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new PostgreSQL database (migrated by the cluster's ``citrine migrate``)."""
    base = require_postgres()
    name = f"citrine_cluster_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _queues_of(cluster: LocalCluster) -> list[str]:
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        return []
    listing = subprocess.run(
        [rabbitmqctl, "-q", "list_queues", "--no-table-headers", "name"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return [name for name in listing.stdout.split() if name.startswith(cluster.exchange)]


async def _remove_broker_state(cluster: LocalCluster, names: list[str]) -> None:
    connection = await aio_pika.connect(cluster.amqp_url)
    try:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)
        await channel.exchange_delete(cluster.exchange)
    finally:
        await connection.close()
    redis = Redis.from_url(cluster.redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{cluster.key_prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@contextmanager
def running_cluster(
    *members: tuple[str, str, tuple[str, ...]], **settings: str
) -> Iterator[LocalCluster]:
    """Migrate a fresh database, start ``members`` (name, role, args), wait until healthy."""
    redis_url, amqp_url = require_redis(), require_rabbitmq()
    with postgres_database() as database_url:
        cluster = LocalCluster(database_url, redis_url, amqp_url, settings=settings)
        try:
            cluster.migrate()
            for name, role, args in members:
                cluster.start(name, role, free_port(), *args)
            for member in cluster.members.values():
                cluster.wait_healthy(member)
            yield cluster
        finally:
            cluster.stop_all()
            asyncio.run(_remove_broker_state(cluster, _queues_of(cluster)))


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two CSMS instances, A and B, each with every module, and one worker W.

    The boot throttle is off: the sessions of these tests boot far faster than any station.
    """
    with running_cluster(
        ("A", "serve", ()),
        ("B", "serve", ()),
        ("W", "worker", ()),
        CITRINE_ADMISSION__BOOT_RATE="0",
    ) as running:
        yield running


@asynccontextmanager
async def station(member: Member, station_id: str, **kwargs: Any) -> AsyncIterator[RawStation]:
    kwargs.setdefault("subprotocols", ["ocpp2.0.1"])
    kwargs.setdefault("open_timeout", STATION_TIMEOUT)
    async with connect(member.ws_url(station_id), **kwargs) as websocket:
        yield RawStation(websocket, STATION_TIMEOUT)


@asynccontextmanager
async def rest(member: Member) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=member.base_url, timeout=60) as client:
        yield client


async def healthy(cluster: LocalCluster, member: Member, timeout: float = 120) -> None:
    await asyncio.to_thread(cluster.wait_healthy, member, timeout)


def boot_payload(serial: str, firmware: str = "1.0") -> dict[str, Any]:
    return {
        "reason": "PowerUp",
        "chargingStation": {
            "model": "Cluster",
            "vendorName": "Citrine",
            "serialNumber": serial,
            "firmwareVersion": firmware,
        },
    }
