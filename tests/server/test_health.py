from __future__ import annotations

import httpx

from tests.live import live_server, raw_station


async def test_health_reports_backends_and_stations() -> None:
    async with live_server() as server:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            body = (await client.get("/health")).json()
            assert body["status"] == "ok"
            assert body["checks"] == {"broker": True, "cache": True, "database": True}
            assert body["connectedStations"] == 0
            async with raw_station(server, "CS1") as station:
                await station.boot()
                assert (await client.get("/health")).json()["connectedStations"] == 1
