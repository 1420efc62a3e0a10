"""Reconnect storms over real websockets: boots over the cluster's rate are answered Pending
with the time of their slot, and booting again then is Accepted (B02)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.live import RawStation, live_server, raw_station


async def boot_until_accepted(station: RawStation) -> tuple[list[int], float]:
    """Boot as a station does: again after each Pending interval. (intervals, seconds)."""
    started = time.monotonic()
    intervals: list[int] = []
    while True:
        answer = await station.boot()
        assert answer[0] == 3, answer
        payload: dict[str, Any] = answer[2]
        if payload["status"] == "Accepted":
            return intervals, time.monotonic() - started
        assert payload["status"] == "Pending"
        intervals.append(payload["interval"])
        await asyncio.sleep(payload["interval"])


async def test_boots_over_the_rate_are_pending_then_accepted_at_their_slot() -> None:
    async with live_server(admission={"boot_rate": 2, "boot_burst": 2}) as server:

        async def one(n: int) -> tuple[list[int], float]:
            async with raw_station(server, f"STORM-{n}", timeout=30) as station:
                return await boot_until_accepted(station)

        results = await asyncio.gather(*(one(n) for n in range(6)))
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            health = (await client.get("/health")).json()
    admitted_at_once = [r for r in results if not r[0]]
    throttled = [r for r in results if r[0]]
    assert len(admitted_at_once) >= 2
    assert len(throttled) >= 3  # 6 at once against a burst of 2
    # One slot each: every throttled station was Pending once, then Accepted at its turn.
    assert all(len(intervals) == 1 for intervals, _ in throttled)
    assert sorted(i[0] for i, _ in throttled)[-1] >= 2  # spread over the following seconds
    assert health["admission"]["bootsThrottled"] == len(throttled)


async def test_throttled_station_is_pending_for_the_boot_gate() -> None:
    """TC_B_30_CSMS-like: while Pending, other CALLs are refused with SecurityError."""
    async with live_server(admission={"boot_rate": 0.1, "boot_burst": 1}) as server:
        async with raw_station(server, "FIRST") as first:
            assert (await first.boot())[2]["status"] == "Accepted"
        async with raw_station(server, "SECOND") as second:
            answer = await second.boot()
            assert answer[2]["status"] == "Pending"
            assert 9 <= answer[2]["interval"] <= 12
            refused = await second.call("Heartbeat", {})
            assert refused[:3] == [4, refused[1], "SecurityError"]
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                record = (await client.get("/stations/SECOND")).json()
            # Nothing was decided about the station: the throttle answered, not the module.
            assert record["registrationStatus"] is None
