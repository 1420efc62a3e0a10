"""Faults in a running cluster: a process killed with SIGKILL, RabbitMQ and Redis connections
cut during traffic. In every case nothing the CSMS acknowledged is lost, and service resumes.

Only this cluster's own connections are cut (by their names), never the shared servers'
others: other test runs use the same RabbitMQ and Redis.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from bench.cluster import LocalCluster
from tests.cluster.conftest import healthy, rest, station
from tests.cluster.sessions import BootSession, Conductor, run_session
from tests.cluster.test_routing import RESET, answer_next, boot
from tests.live import free_port
from tests.services import close_rabbitmq_connection

STATIONS = 8
STEPS = 30
OUTAGE = 4.0
"""Seconds A is kept off RabbitMQ: long enough for station CALLs to fail meanwhile."""


async def until(condition: Callable[[], bool], timeout: float = 120) -> None:
    """Poll: the conditions span many sessions' counters, no single event to wait for."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def assert_acknowledged_are_stored(
    cluster: LocalCluster, sessions: list[BootSession]
) -> None:
    async with rest(cluster.members["B"]) as client:
        for session in sessions:
            stored = await session.persisted(client)
            # Committed before the CALLRESULT: never behind what was acknowledged. One ahead
            # at most: committed, but the answer was lost with the process (sent again).
            assert session.acknowledged <= stored <= session.acknowledged + 1, session


async def test_sigkill_during_sessions_loses_no_acknowledged_message(
    cluster: LocalCluster,
) -> None:
    victim = cluster.start("K", "serve", free_port())
    await healthy(cluster, victim)
    sessions = [BootSession(f"K-{n}", STEPS) for n in range(STATIONS)]
    conductor = Conductor()
    conductor.may_reconnect.clear()  # hold the stations off until the database was checked
    tasks = [
        asyncio.create_task(run_session(s, [victim, cluster.members["B"]], conductor))
        for s in sessions
    ]
    try:
        await until(lambda: sum(s.acknowledged for s in sessions) >= STATIONS * STEPS // 3)
        await asyncio.to_thread(cluster.kill, victim)  # SIGKILL: no shutdown of any kind
        await until(lambda: all(s.disconnects for s in sessions))
        await assert_acknowledged_are_stored(cluster, sessions)
        assert all(0 < s.acknowledged < STEPS for s in sessions), "killed mid-session"

        conductor.may_reconnect.set()  # the load balancer sends them to B, which serves them
        async with asyncio.timeout(180):
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    await assert_acknowledged_are_stored(cluster, sessions)
    assert all(s.instances[0] == "K" and s.instances[-1] == "B" for s in sessions)
    assert all(s.done for s in sessions)


async def _traffic_through_a_fault(
    cluster: LocalCluster, prefix: str, cut: Callable[[], Awaitable[None]]
) -> None:
    """Sessions on A; ``cut()`` in the middle; then every step acknowledged and stored, and a
    command sent through B reaches a station on A again."""
    a = cluster.members["A"]
    sessions = [BootSession(f"{prefix}-{n}", STEPS) for n in range(STATIONS)]
    conductor = Conductor()
    tasks = [asyncio.create_task(run_session(s, [a, a], conductor)) for s in sessions]
    try:
        await until(lambda: sum(s.acknowledged for s in sessions) >= STATIONS * 5)
        await cut()
        await until(lambda: sum(s.acknowledged for s in sessions) >= STATIONS * 15)
        await conductor.quiet()
        await assert_acknowledged_are_stored(cluster, sessions)
        conductor.running.set()
        async with asyncio.timeout(180):
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    await assert_acknowledged_are_stored(cluster, sessions)
    # Whatever was refused meanwhile was refused as a transient failure, and sent again.
    assert {error for s in sessions for error in s.errors} <= {"InternalError"}
    await healthy(cluster, a)
    async with station(a, f"{prefix}-cmd") as cs, rest(cluster.members["B"]) as client:
        await boot(cs, f"{prefix}-cmd")
        reply = asyncio.create_task(
            client.post(
                RESET,
                params={"identifier": f"{prefix}-cmd", "wait": 20},
                json={"type": "Immediate"},
            )
        )
        await answer_next(cs, {"status": "Accepted"})
        assert (await reply).status_code == 200


async def test_rabbitmq_connection_cut_during_traffic_recovers_losing_nothing(
    cluster: LocalCluster,
) -> None:
    a = cluster.members["A"]
    name = f"citrine:{a.instance_id}"

    async def outage() -> None:
        """Close A's connection, and again each time it comes back, for OUTAGE seconds."""
        await close_rabbitmq_connection(name)
        deadline = asyncio.get_running_loop().time() + OUTAGE
        while asyncio.get_running_loop().time() < deadline:
            await close_rabbitmq_connection(name, missing_ok=True)

    await _traffic_through_a_fault(cluster, "MQ", outage)
    log = a.log_path.read_text(errors="replace")
    assert "broker.reconnected" in log, "A lost and restored its RabbitMQ connection"


async def test_redis_connections_killed_during_traffic_recover_losing_nothing(
    cluster: LocalCluster,
) -> None:
    name = f"citrine:{cluster.members['A'].instance_id}"

    async def kill_clients() -> None:
        redis = Redis.from_url(cluster.redis_url, decode_responses=True)
        try:
            clients = await redis.client_list()
            ours = [c["id"] for c in clients if c.get("name") == name]
            assert ours, "A holds Redis connections under its name"
            for client_id in ours:
                await redis.client_kill_filter(_id=client_id)
            killed.update(ours)
        finally:
            await redis.aclose()

    killed: set[str] = set()
    await _traffic_through_a_fault(cluster, "RD", kill_clients)
    redis = Redis.from_url(cluster.redis_url, decode_responses=True)
    try:
        now = {c["id"] for c in await redis.client_list() if c.get("name") == name}
    finally:
        await redis.aclose()
    assert now, "A reconnected to Redis"
    assert not now & killed
