"""Many stations at once against one server process."""

from __future__ import annotations

import asyncio

from tests.live import live_server, raw_station

STATIONS = 500


async def test_500_stations_boot_concurrently_all_accepted() -> None:
    async with live_server() as server:
        start = asyncio.Event()

        async def boot(index: int) -> str:
            # Generous: this asserts that every station gets in and is Accepted, not how fast
            # (bench/ measures that). On the embedded SQLite every boot is a write
            # transaction, SQLite has one writer, and the 500 clients share this process.
            async with raw_station(
                server, f"LOAD-{index:04d}", timeout=120, open_timeout=120
            ) as station:
                await start.wait()
                frame = await station.boot()
                heartbeat = await station.call("Heartbeat", {})
                assert heartbeat[0] == 3
                return str(frame[2]["status"])

        tasks = [asyncio.create_task(boot(index)) for index in range(STATIONS)]
        await asyncio.sleep(0)
        start.set()
        statuses = await asyncio.wait_for(asyncio.gather(*tasks), 300)
        assert statuses == ["Accepted"] * STATIONS
