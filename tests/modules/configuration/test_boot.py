"""BootNotification answers and the boot gate they open or keep closed (B01-B03)."""

from __future__ import annotations

import asyncio

import httpx

from tests.live import BOOT_PAYLOAD, LiveServer, fresh_sqlite_url, live_server, raw_station
from tests.modules.stations import answer, no_frame


async def put_boot_config(server: LiveServer, station_id: str, **body: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        return await client.put(f"/stations/{station_id}/boot-config", json=body)


async def provision(server: LiveServer, station_id: str) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        created = await client.post("/stations", json={"stationId": station_id})
        assert created.status_code == 201, created.text


class TestAccepted:
    async def test_cold_boot_accepted_with_heartbeat_interval(self) -> None:
        """TC_B_01_CSMS: Accepted with the configured heartbeat interval; the station is then
        free to send anything, and keeps that right when it reconnects without booting."""
        async with live_server(ocpp={"heartbeat_interval": 123}) as server:
            async with raw_station(server, "CS1") as station:
                frame = await station.boot()
                assert frame[2]["status"] == "Accepted"
                assert frame[2]["interval"] == 123
                assert "statusInfo" not in frame[2]
                assert (await station.call("Heartbeat", {}))[0] == 3
            async with raw_station(server, "CS1") as station:  # no new BootNotification
                assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_accepted_is_remembered_across_server_processes(self) -> None:
        """A station reconnecting to a restarted (or another) server does not boot again."""
        url = fresh_sqlite_url()
        async with (
            live_server(database={"url": url}) as server,
            raw_station(server, "CS1") as station,
        ):
            assert (await station.boot())[2]["status"] == "Accepted"
        async with (
            live_server(database={"url": url}) as server,
            raw_station(server, "CS1") as station,
        ):
            assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_interval_overridden_per_station(self) -> None:
        async with live_server() as server:
            await provision(server, "CS1")
            response = await put_boot_config(
                server,
                "CS1",
                status="Accepted",
                heartbeatInterval=42,
                statusInfo={"reasonCode": "Welcome", "additionalInfo": "Depot 7"},
            )
            assert response.status_code == 200, response.text
            async with raw_station(server, "CS1") as station:
                frame = await station.boot()
        assert frame[2]["status"] == "Accepted"
        assert frame[2]["interval"] == 42
        assert frame[2]["statusInfo"] == {"reasonCode": "Welcome", "additionalInfo": "Depot 7"}


class TestPendingAndRejected:
    async def test_pending_gets_retry_interval_and_security_errors(self) -> None:
        """TC_B_02_CSMS and TC_B_30_CSMS: Pending with the retry interval; any other CALL of
        the station is answered SecurityError, and the CSMS sends it nothing else."""
        async with live_server(ocpp={"boot_retry_interval": 17}) as server:
            await provision(server, "CS1")
            await put_boot_config(server, "CS1", status="Pending")
            async with (
                raw_station(server, "CS1") as station,
                httpx.AsyncClient(base_url=server.base_url) as client,
            ):
                frame = await station.boot()
                assert (frame[2]["status"], frame[2]["interval"]) == ("Pending", 17)
                heartbeat = await station.call("Heartbeat", {})
                assert heartbeat[:3:2] == [4, "SecurityError"]
                status = await station.call(
                    "StatusNotification",
                    {
                        "timestamp": "2026-01-01T00:00:00Z",
                        "connectorStatus": "Available",
                        "evseId": 1,
                        "connectorId": 1,
                    },
                )
                assert status[2] == "SecurityError"
                reset = await client.post(
                    "/ocpp/2.0.1/configuration/reset",
                    params={"identifier": "CS1", "wait": 5},
                    json={"type": "Immediate"},
                )
                assert reset.status_code == 409  # never reaches the socket (B02.FR.01)
                await no_frame(station, 0.5)
                again = await station.call("BootNotification", BOOT_PAYLOAD)
                assert again[2]["status"] == "Pending"

    async def test_rejected_gets_retry_interval_and_nothing_is_sent(self) -> None:
        """TC_B_30_CSMS (Rejected): only BootNotification is answered; the CSMS sends
        nothing, not even TriggerMessage (B03.FR.03)."""
        async with live_server(ocpp={"boot_retry_interval": 9}) as server:
            await provision(server, "CS1")
            await put_boot_config(
                server, "CS1", status="Rejected", statusInfo={"reasonCode": "Blocked"}
            )
            async with (
                raw_station(server, "CS1") as station,
                httpx.AsyncClient(base_url=server.base_url) as client,
            ):
                frame = await station.boot()
                assert (frame[2]["status"], frame[2]["interval"]) == ("Rejected", 9)
                assert frame[2]["statusInfo"] == {"reasonCode": "Blocked"}
                assert (await station.call("Heartbeat", {}))[2] == "SecurityError"
                trigger = await client.post(
                    "/ocpp/2.0.1/configuration/triggerMessage",
                    params={"identifier": "CS1", "wait": 5},
                    json={"requestedMessage": "BootNotification"},
                )
                assert trigger.status_code == 409
                await no_frame(station, 0.5)

    async def test_pending_is_remembered_across_reconnects(self) -> None:
        async with live_server() as server:
            await provision(server, "CS1")
            await put_boot_config(server, "CS1", status="Pending")
            async with raw_station(server, "CS1") as station:
                await station.boot()
            async with raw_station(server, "CS1") as station:
                assert (await station.call("Heartbeat", {}))[2] == "SecurityError"

    async def test_system_default_status(self) -> None:
        async with live_server(boot={"status": "Rejected"}) as server:
            async with raw_station(server, "CS1") as station:
                assert (await station.boot())[2]["status"] == "Rejected"


class TestUnknownStations:
    async def test_pending_policy_until_an_operator_accepts(self) -> None:
        """TC_B_02_CSMS then TC_B_31_CSMS: an unknown station is Pending until accepted over
        REST; the CSMS then triggers a BootNotification and answers it Accepted."""
        async with live_server(stations={"unknown": "pending"}) as server:
            async with (
                raw_station(server, "NEW1") as station,
                httpx.AsyncClient(base_url=server.base_url) as client,
            ):
                assert (await station.boot())[2]["status"] == "Pending"
                settings = await client.get("/stations/NEW1/boot-config")
                assert settings.json()["status"] == "Pending"
                await no_frame(station, 0.5)  # nothing to provision: it waits for an operator
                accepted = asyncio.ensure_future(client.post("/stations/NEW1/boot-config/accept"))
                trigger = await answer(station, "TriggerMessage", {"status": "Accepted"})
                assert trigger == {"requestedMessage": "BootNotification"}
                body = (await accepted).json()
                assert body["bootConfig"]["status"] == "Accepted"
                assert body["trigger"] == {"status": "Accepted", "error": None}
                triggered = {**BOOT_PAYLOAD, "reason": "Triggered"}
                frame = await station.call("BootNotification", triggered)
                assert frame[2]["status"] == "Accepted"
                assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_accept_while_offline_applies_at_next_boot(self) -> None:
        async with live_server(stations={"unknown": "pending"}) as server:
            async with raw_station(server, "NEW2") as station:
                assert (await station.boot())[2]["status"] == "Pending"
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                body = (await client.post("/stations/NEW2/boot-config/accept")).json()
            assert body["trigger"]["error"]["code"] == "local:offline"
            async with raw_station(server, "NEW2") as station:
                assert (await station.boot())[2]["status"] == "Accepted"
