"""Routing across processes: REST commands reach a station wherever it is connected, the
answer returns to the instance that waits for it, and commands follow a station that moves.

Cluster: two ``citrine serve`` instances A and B and one ``citrine worker`` W, on the real
PostgreSQL, Redis and RabbitMQ here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.cluster import LocalCluster
from tests.cluster.conftest import STATION_TIMEOUT, boot_payload, rest, station
from tests.live import RawStation

RESET = "/ocpp/2.0.1/configuration/reset"


async def answer_next(cs: RawStation, payload: dict[str, Any]) -> list[Any]:
    frame = await cs.recv()
    await cs.send([3, frame[1], payload])
    return frame


async def boot(cs: RawStation, station_id: str) -> None:
    answer = await cs.call("BootNotification", boot_payload(station_id))
    assert answer[0] == 3, answer
    assert answer[2]["status"] == "Accepted", answer


class TestCommandsAcrossInstances:
    async def test_command_sent_to_b_reaches_the_station_on_a_and_b_returns_its_answer(
        self, cluster: LocalCluster
    ) -> None:
        a, b = cluster.members["A"], cluster.members["B"]
        async with station(a, "X-1") as cs, rest(b) as client_b, rest(a) as client_a:
            await boot(cs, "X-1")
            reply = asyncio.create_task(
                client_b.post(
                    RESET, params={"identifier": "X-1", "wait": 20}, json={"type": "OnIdle"}
                )
            )
            frame = await answer_next(cs, {"status": "Scheduled"})
            response = await reply
            assert frame[2:] == ["Reset", {"type": "OnIdle"}]
            assert response.status_code == 200, response.text
            [record] = response.json()
            assert (record["outcome"], record["payload"]) == ("result", {"status": "Scheduled"})
            # The command record lives in the shared cache: A answers for B's command.
            stored = await client_a.get(f"/ocpp/requests/{record['correlationId']}")
            assert stored.status_code == 200
            assert stored.json()["outcome"] == "result"

    async def test_command_without_wait_is_tracked_from_any_instance(
        self, cluster: LocalCluster
    ) -> None:
        a, b = cluster.members["A"], cluster.members["B"]
        async with station(a, "X-4") as cs, rest(a) as client_a, rest(b) as client_b:
            await boot(cs, "X-4")
            accepted = await client_b.post(
                RESET, params={"identifier": "X-4"}, json={"type": "Immediate"}
            )
            assert accepted.status_code == 202
            correlation_id = accepted.json()[0]["correlationId"]
            await answer_next(cs, {"status": "Accepted"})
            for _ in range(100):
                record = (await client_a.get(f"/ocpp/requests/{correlation_id}")).json()
                if record["outcome"] != "pending":
                    break
                await asyncio.sleep(0.2)
            assert record["outcome"] == "result"

    async def test_offline_station_is_404_from_every_instance(self, cluster: LocalCluster) -> None:
        for name in ("A", "B"):
            async with rest(cluster.members[name]) as client:
                response = await client.post(
                    RESET, params={"identifier": "nobody", "wait": 5}, json={"type": "Immediate"}
                )
            assert response.status_code == 404
            assert response.json()[0]["outcome"] == "offline"


class TestStationMoves:
    async def test_station_reconnecting_to_b_still_gets_commands_sent_to_a(
        self, cluster: LocalCluster
    ) -> None:
        a, b = cluster.members["A"], cluster.members["B"]
        async with station(a, "X-2") as cs:
            await boot(cs, "X-2")
        # The registration is remembered: no new boot is needed on B (OCPP-J §5.3).
        async with station(b, "X-2") as moved, rest(a) as client_a:
            assert (await moved.call("Heartbeat", {}))[0] == 3
            reply = asyncio.create_task(
                client_a.post(
                    RESET, params={"identifier": "X-2", "wait": 20}, json={"type": "Immediate"}
                )
            )
            frame = await answer_next(moved, {"status": "Accepted"})
            response = await reply
        assert frame[2] == "Reset"
        assert response.status_code == 200, response.text

    async def test_newer_connection_on_b_closes_the_older_one_on_a(
        self, cluster: LocalCluster
    ) -> None:
        a, b = cluster.members["A"], cluster.members["B"]
        async with station(a, "X-3") as old:
            await boot(old, "X-3")
            async with station(b, "X-3") as new, rest(a) as client_a:
                await asyncio.wait_for(old.ws.wait_closed(), STATION_TIMEOUT)
                assert old.ws.close_code == 1000
                reply = asyncio.create_task(
                    client_a.post(
                        RESET, params={"identifier": "X-3", "wait": 20}, json={"type": "Immediate"}
                    )
                )
                await answer_next(new, {"status": "Accepted"})
                assert (await reply).status_code == 200

    @pytest.mark.parametrize("first", ["A", "B"])
    async def test_back_and_forth_leaves_one_live_connection(
        self, cluster: LocalCluster, first: str
    ) -> None:
        """A -> B -> A (or B -> A -> B) quickly: the last connection is the one kept."""
        order = [first, "B" if first == "A" else "A", first]
        station_id = f"X-5{first}"
        async with (
            station(cluster.members[order[0]], station_id) as one,
            station(cluster.members[order[1]], station_id) as two,
        ):
            async with station(cluster.members[order[2]], station_id) as three:
                await asyncio.wait_for(one.ws.wait_closed(), STATION_TIMEOUT)
                await asyncio.wait_for(two.ws.wait_closed(), STATION_TIMEOUT)
                await asyncio.sleep(1)  # any late notice has arrived by now
                await boot(three, station_id)
                assert (await three.call("Heartbeat", {}))[0] == 3
                assert three.ws.close_code is None
