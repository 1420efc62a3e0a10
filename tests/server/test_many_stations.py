"""Many stations at once against one server process."""

from __future__ import annotations

import asyncio

from tests.live import live_server, raw_station

STATIONS = 500


async def test_500_stations_boot_concurrently_all_accepted() -> None:
    async with live_server() as server:
        start = asyncio.Event()

        async def boot(index: int) -> str:
            # 30 s: an OCPP station's usual message timeout. On the embedded SQLite every
            # boot is a write transaction, and SQLite has one writer.
            async with raw_station(
                server, f"LOAD-{index:04d}", timeout=30, open_timeout=60
            ) as station:
                await start.wait()
                frame = await station.boot()
                heartbeat = await station.call("Heartbeat", {})
                assert heartbeat[0] == 3
                return str(frame[2]["status"])

        tasks = [asyncio.create_task(boot(index)) for index in range(STATIONS)]
        await asyncio.sleep(0)
        start.set()
        statuses = await asyncio.wait_for(asyncio.gather(*tasks), 120)
        assert statuses == ["Accepted"] * STATIONS
