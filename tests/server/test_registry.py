"""The station registry end to end: boot over a real websocket, then REST; the message log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from citrine_base.config import SystemConfig, UnknownStationPolicy
from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError
from citrine_modules.ocpp_router.admissions import AdmissionBatcher
from citrine_modules.ocpp_router.service import Admission
from server.runtime import Runtime, SchemaOutdated
from tests.live import BOOT_PAYLOAD, LiveServer, fresh_postgres_url, live_server, raw_station


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with live_server() as running:
        yield running


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


async def eventually(check: Any, timeout: float = 5.0) -> Any:
    """Poll ``check`` (an async callable) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)


class TestStationRegistry:
    async def test_boot_registers_the_station_online_with_its_identity(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        """TC_B_01_CSMS: after a cold boot the station is known, online, with boot data."""
        async with raw_station(server, "CS-REG") as station:
            assert (await station.boot())[2]["status"] == "Accepted"
            detail = (await client.get("/stations/CS-REG")).json()
            assert detail["isOnline"] is True
            assert detail["vendorName"] == BOOT_PAYLOAD["chargingStation"]["vendorName"]
            assert detail["model"] == BOOT_PAYLOAD["chargingStation"]["model"]
            assert detail["serialNumber"] == "SN-1"
            assert detail["registrationStatus"] == "Accepted"
            assert detail["protocol"] == "ocpp2.0.1"

        async def offline() -> bool:
            return (await client.get("/stations/CS-REG")).json()["isOnline"] is False

        assert await eventually(offline)
        listed = (await client.get("/stations", params={"online": "false"})).json()
        assert [item["stationId"] for item in listed["items"]] == ["CS-REG"]

    async def test_on_postgresql_with_migrations_run_at_start(self) -> None:
        """The deployment database: the server migrates an empty PostgreSQL and registers."""
        async with (
            fresh_postgres_url() as url,
            live_server(database={"url": url, "migrate_on_start": True}) as server,
            httpx.AsyncClient(base_url=server.base_url) as client,
        ):
            async with raw_station(server, "CS-PG") as station:
                assert (await station.boot())[2]["status"] == "Accepted"
            detail = (await client.get("/stations/CS-PG")).json()
            assert (detail["vendorName"], detail["registrationStatus"]) == ("Vendor-Y", "Accepted")

    async def test_a_database_behind_the_code_stops_start_up(self) -> None:
        async with fresh_postgres_url() as url:
            runtime = Runtime(SystemConfig.load(None, database={"url": url}))
            with pytest.raises(SchemaOutdated, match="run `citrine migrate` first"):
                async with runtime.running():
                    pass

    async def test_accepted_state_survives_a_reconnect(self, server: LiveServer) -> None:
        """A station does not boot on every reconnect (OCPP-J §5.3): it stays Accepted."""
        async with raw_station(server, "CS-RE") as station:
            await station.boot()
        async with raw_station(server, "CS-RE") as station:
            answer = await station.call("Heartbeat", {})
        assert answer[0] == 3

    async def test_unknown_station_refused_under_the_refuse_policy(self) -> None:
        async with live_server(stations={"unknown": "refuse"}) as server:
            with pytest.raises(InvalidStatus) as refused:
                async with raw_station(server, "STRANGER"):
                    pass
            assert refused.value.response.status_code == 404
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                created = await client.post("/stations", json={"stationId": "KNOWN"})
                assert created.status_code == 201
            async with raw_station(server, "KNOWN") as station:
                assert (await station.boot())[2]["status"] == "Accepted"

    async def test_pending_policy_answers_pending_until_accepted(self) -> None:
        """TC_B_02_CSMS: an unknown station under the pending policy boots Pending."""
        async with live_server(stations={"unknown": "pending"}) as server:
            async with raw_station(server, "NEWCOMER") as station:
                answer = await station.boot()
                assert answer[2]["status"] == "Pending"
                refused = await station.call("Heartbeat", {})
                assert refused[2] == "SecurityError"  # TC_B_30_CSMS


class TestMessageLog:
    async def test_frames_are_logged_with_request_links(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS-LOG") as station:
            boot = await station.boot()
            await station.call("Heartbeat", {}, message_id="hb-1")
            await station.send_raw("not json")
            await station.recv()
        assert server.runtime.message_log is not None
        await server.runtime.message_log.flush()
        page = (await client.get("/messages", params={"stationId": "CS-LOG"})).json()
        rows = list(reversed(page["items"]))  # oldest first
        kinds = [(row["direction"], row["messageType"], row["action"]) for row in rows]
        assert kinds == [
            ("in", 2, "BootNotification"),
            ("out", 3, "BootNotification"),
            ("in", 2, "Heartbeat"),
            ("out", 3, "Heartbeat"),
            ("in", None, None),
            ("out", 4, None),
        ]
        by_id = {row["id"]: row for row in rows}
        for call, answer in ((rows[0], rows[1]), (rows[2], rows[3])):
            assert answer["requestLogId"] == call["id"]
            assert by_id[answer["requestLogId"]]["messageId"] == answer["messageId"]
        assert rows[1]["messageId"] == boot[1]
        assert rows[4]["frame"] == "not json"
        assert rows[5]["errorCode"] == "RpcFrameworkError"
        one = (await client.get("/messages", params={"correlationId": "hb-1"})).json()
        assert [row["messageType"] for row in one["items"]] == [3, 2]

    async def test_a_csms_call_and_its_late_answer_are_linked(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with raw_station(server, "CS-CMD") as station:
            await station.boot()
            reply = asyncio.create_task(
                client.post(
                    "/ocpp/2.0.1/configuration/reset",
                    params={"identifier": "CS-CMD", "wait": 5},
                    json={"type": "OnIdle"},
                )
            )
            call = await station.recv()
            assert server.runtime.message_log is not None
            await server.runtime.message_log.flush()  # the answer lands in a later batch
            await station.send([3, call[1], {"status": "Accepted"}])
            assert (await reply).status_code == 200
        await server.runtime.message_log.flush()
        rows = (await client.get("/messages", params={"correlationId": call[1]})).json()["items"]
        answer, request = rows
        assert (request["direction"], request["messageType"]) == ("out", 2)
        assert (answer["direction"], answer["messageType"]) == ("in", 3)
        assert answer["requestLogId"] == request["id"]

    async def test_200_stations_every_frame_logged_once(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        stations = 200

        async def talk(index: int) -> None:
            async with raw_station(
                server, f"LOG-{index:03d}", timeout=120, open_timeout=120
            ) as station:
                await station.boot()
                for n in range(3):
                    await station.call("Heartbeat", {}, message_id=f"{index}-{n}")

        await asyncio.gather(*(talk(index) for index in range(stations)))
        assert server.runtime.message_log is not None
        await server.runtime.message_log.flush()
        page = (await client.get("/messages", params={"limit": 500, "count": "true"})).json()
        assert page["total"] == stations * 8  # boot and 3 heartbeats, each a CALL and a result
        assert server.runtime.message_log.dropped == 0
        seen = set()
        offset = 0
        while True:
            batch = (await client.get("/messages", params={"limit": 500, "offset": offset})).json()[
                "items"
            ]
            if not batch:
                break
            seen.update((row["stationId"], row["messageId"], row["direction"]) for row in batch)
            offset += len(batch)
        assert len(seen) == stations * 8


class TestDataEndpoints:
    async def test_locations_crud_and_errors(self, client: httpx.AsyncClient) -> None:
        created = await client.post("/locations", json={"name": "Depot", "country": "NL"})
        assert created.status_code == 201
        location = created.json()
        assert location["tenantId"] == "default"
        duplicate = await client.post("/locations", json={"name": "Depot"})
        assert duplicate.status_code == 409
        invalid = await client.post("/locations", json={"name": "", "latitude": 91})
        assert invalid.status_code == 422
        updated = await client.put(
            f"/locations/{location['id']}", json={"name": "Depot", "gridConnectionLimitAmps": 63}
        )
        assert updated.json()["gridConnectionLimitAmps"] == 63
        listing = (await client.get("/locations")).json()
        assert listing["total"] == 1
        assert (await client.get("/locations/999")).status_code == 404
        assert (await client.delete(f"/locations/{location['id']}")).status_code == 204
        assert (await client.get(f"/locations/{location['id']}")).status_code == 404

    async def test_station_provisioning_and_update(self, client: httpx.AsyncClient) -> None:
        location = (await client.post("/locations", json={"name": "Site A"})).json()
        created = await client.post(
            "/stations",
            json={"stationId": "PROV-1", "locationId": location["id"], "minimumSecurityProfile": 2},
        )
        assert created.status_code == 201
        assert created.json()["locationId"] == location["id"]
        assert (await client.post("/stations", json={"stationId": "PROV-1"})).status_code == 409
        bad_identity = await client.post("/stations", json={"stationId": "has:colon"})
        assert bad_identity.status_code == 422
        unknown_location = await client.post(
            "/stations", json={"stationId": "PROV-2", "locationId": 4242}
        )
        assert unknown_location.status_code == 404
        patched = await client.patch("/stations/PROV-1", json={"locationId": None})
        assert patched.json()["locationId"] is None
        assert patched.json()["minimumSecurityProfile"] == 2
        by_location = (await client.get("/stations", params={"locationId": location["id"]})).json()
        assert by_location["items"] == []
        assert (await client.delete("/stations/PROV-1")).status_code == 204
        assert (await client.get("/stations/PROV-1")).status_code == 404

    async def test_tenants(self, client: httpx.AsyncClient) -> None:
        created = await client.post("/tenants", json={"id": "acme", "name": "Acme"})
        assert created.status_code == 201
        assert (
            await client.post("/tenants", json={"id": "acme", "name": "Again"})
        ).status_code == 409
        assert (
            await client.post("/tenants", json={"id": "Bad Id", "name": "x"})
        ).status_code == 422
        ids = [tenant["id"] for tenant in (await client.get("/tenants")).json()]
        assert ids == ["acme", "default"]
        stations = await client.get("/stations", params={"tenantId": "acme"})
        assert stations.json()["items"] == []


class TestAdmissionBatches:
    async def test_handshakes_arriving_together_share_one_transaction(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        batcher = AdmissionBatcher(server.runtime.router.deps.sessions, UnknownStationPolicy.ACCEPT)
        stations = [StationKey(server.config.tenant_id, f"BATCH-{n:02d}") for n in range(40)]
        answers = await asyncio.gather(*(batcher.admit(station) for station in stations))
        assert all(answer is not None and answer.registered_now for answer in answers)
        # The first handshake finds the database free and goes alone; the 39 that arrived
        # while it was written go together.
        assert batcher.batches_written <= 3
        listed = (await client.get("/stations", params={"limit": 100})).json()
        assert {item["stationId"] for item in listed["items"]} >= {s.station_id for s in stations}

    async def test_one_station_that_cannot_be_registered_fails_alone(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        batcher = AdmissionBatcher(server.runtime.router.deps.sessions, UnknownStationPolicy.ACCEPT)
        good = [StationKey(server.config.tenant_id, f"MIXED-{n:02d}") for n in range(10)]
        orphan = StationKey("no-such-tenant", "MIXED-X")  # its tenant row does not exist
        answers = await asyncio.gather(
            *(batcher.admit(station) for station in [*good[:5], orphan, *good[5:]]),
            return_exceptions=True,
        )
        assert isinstance(answers[5], DataError)
        assert all(
            isinstance(answer, Admission) and answer.registered_now
            for answer in answers[:5] + answers[6:]
        )
        for station in good:
            assert (await client.get(f"/stations/{station.station_id}")).status_code == 200
