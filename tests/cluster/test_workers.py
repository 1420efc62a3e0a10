"""Workers: a router-only process holds the sockets, the modules run in a ``citrine worker``.

Station CALLs reach the module wherever it runs; a worker killed with SIGKILL makes the
station's CALLs fail as a transient InternalError (the station sends them again), and a new
worker picks the work up. The worker also answers REST: a command sent to it reaches the
station held by the router process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bench.cluster import LocalCluster
from tests.cluster.conftest import boot_payload, healthy, rest, running_cluster, station
from tests.cluster.test_routing import RESET, answer_next
from tests.live import free_port


@pytest.fixture(scope="module")
def split() -> Iterator[LocalCluster]:
    with running_cluster(("R", "serve", ("--router-only",)), ("W1", "worker", ())) as running:
        yield running


async def test_router_only_process_serves_stations_through_the_worker(split: LocalCluster) -> None:
    router, worker = split.members["R"], split.members["W1"]
    async with rest(router) as client:
        body = (await client.get("/health")).json()
        assert body["status"] == "ok"
        # No module here: no REST command endpoint either, only the station websockets.
        assert (await client.post(RESET, params={"identifier": "S-1"}, json={})).status_code == 404
    async with station(router, "S-1") as cs, rest(worker) as worker_client:
        answer = await cs.call("BootNotification", boot_payload("S-1"))
        assert answer[2]["status"] == "Accepted"  # only the worker runs the configuration module
        assert (await cs.call("Heartbeat", {}))[0] == 3
        reply = asyncio.create_task(
            worker_client.post(
                RESET, params={"identifier": "S-1", "wait": 20}, json={"type": "Immediate"}
            )
        )
        await answer_next(cs, {"status": "Accepted"})
        assert (await reply).status_code == 200
        stored = (await worker_client.get("/stations/S-1")).json()
        assert stored["serialNumber"] == "S-1"


async def test_killed_worker_is_a_transient_error_until_another_one_runs(
    split: LocalCluster,
) -> None:
    router = split.members["R"]
    async with station(router, "S-2") as cs:
        assert (await cs.call("BootNotification", boot_payload("S-2")))[2]["status"] == "Accepted"
        await asyncio.to_thread(split.kill, split.members["W1"])
        answer = await cs.call("Heartbeat", {})
        assert answer[:3] == [4, answer[1], "InternalError"], answer
        replacement = split.start("W2", "worker", free_port())
        await healthy(split, replacement)
        assert (await cs.call("Heartbeat", {}))[0] == 3
        answer = await cs.call("BootNotification", boot_payload("S-2", firmware="2.0"))
        assert answer[2]["status"] == "Accepted"
