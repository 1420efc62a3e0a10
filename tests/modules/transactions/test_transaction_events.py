"""TransactionEvent over a real websocket: idempotent, order-tolerant, never reopened, and
what the operator then sees over REST."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import messages
from citrine_data import unit_of_work
from citrine_data.repositories import ChargingStationRepository, ReservationRepository
from citrine_data.repositories.reservation import ReservationData
from citrine_modules.transactions.events import TransactionEventService
from tests.live import LiveServer, fresh_postgres_url, live_server
from tests.modules.transactions.helpers import answer, at, booted, event, provision


async def detail(http: httpx.AsyncClient, transaction_id: str = "TX-1") -> dict[str, Any]:
    response = await http.get(f"/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def add_tariff(http: httpx.AsyncClient, **fields: Any) -> None:
    body = {"currency": "EUR", "pricePerKwh": "0.40", **fields}
    assert (await http.post("/tariffs", json=body)).status_code == 201


class TestIdempotency:
    async def test_a_repeated_event_is_not_counted_twice_and_gets_the_same_answer(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        async with booted(server, "CS-DUP") as station:
            started = event("Started", 0, trigger="Authorized", evse=1, token="CARD", wh=1000)
            first = await answer(station, "TransactionEvent", started)
            assert first == {"idTokenInfo": {"status": "Unknown"}}
            updated = event("Updated", 1, trigger="MeterValuePeriodic", wh=3000)
            await answer(station, "TransactionEvent", updated)

            await provision(server, "CARD")  # the token is known now
            assert await answer(station, "TransactionEvent", started) == first
            await answer(station, "TransactionEvent", updated)  # a retry of the same message

        found = await detail(http)
        assert found["eventCount"] == 2
        assert [item["seqNo"] for item in found["events"]] == [0, 1]
        assert len(found["meterValues"]) == 2
        assert found["energyWh"] == 2000.0

    async def test_a_retried_ended_gets_the_same_final_cost(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        """TC_I_02_CSMS: the final total cost, also when the station did not get it the
        first time and sends Ended again."""
        await add_tariff(http)
        async with booted(server, "CS-RETRY") as station:
            await answer(station, "TransactionEvent", event("Started", 0, evse=1, wh=0))
            ended = event("Ended", 1, trigger="EVDeparted", wh=10_000, stoppedReason="Local")
            assert await answer(station, "TransactionEvent", ended) == {"totalCost": 4.0}
            await add_tariff(http, pricePerKwh="9.99", stationId="CS-RETRY")
            assert await answer(station, "TransactionEvent", ended) == {"totalCost": 4.0}
        assert (await detail(http))["totalCost"] == "4.00"


class TestOrder:
    async def test_an_updated_after_ended_does_not_reopen(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        """citrineos#204: later events must not modify an ended transaction."""
        async with booted(server, "CS-LATE") as station:
            for payload in [
                event("Started", 0, trigger="CablePluggedIn", evse=1, wh=500),
                event("Updated", 1, trigger="ChargingStateChanged", chargingState="Charging"),
                event("Ended", 2, trigger="EVDeparted", wh=2500, chargingState="Idle"),
                event(
                    "Updated", 3, trigger="MeterValuePeriodic", wh=9000, chargingState="Charging"
                ),
            ]:
                assert await answer(station, "TransactionEvent", payload) == {}
        found = await detail(http)
        assert found["state"] == "ended"
        assert found["chargingState"] == "Idle"
        assert found["endedAt"] == at(2)
        assert found["energyWh"] == 2000.0  # the reading after Ended is not the session's
        assert [item["seqNo"] for item in found["events"]] == [0, 1, 2, 3]  # but it is kept
        assert found["isComplete"] is True

    async def test_offline_events_out_of_order_are_stored_in_order(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        """E04/E12: a station back online delivers its queue; whatever the order, the result
        is that of the events in seqNo order, and the transaction is complete once the last
        missing seqNo arrives."""
        await add_tariff(http, pricePerMinute="0.10")
        offline = {"offline": True}
        arrivals = [
            event("Updated", 2, trigger="MeterValuePeriodic", wh=4000, **offline),
            event("Started", 0, trigger="Authorized", evse=2, token="T1", wh=1000, **offline),
            event("Ended", 4, trigger="StopAuthorized", wh=9000, stoppedReason="Local"),
            event("Updated", 1, trigger="ChargingStateChanged", chargingState="Charging"),
            event("Updated", 3, trigger="ChargingStateChanged", chargingState="SuspendedEV"),
        ]
        async with booted(server, "CS-OFF") as station:
            for number, payload in enumerate(arrivals, 1):
                await answer(station, "TransactionEvent", payload)
                found = await detail(http)
                assert found["isComplete"] is (number == len(arrivals)), number
                if number == 3:
                    assert found["missingSeqNos"] == [1, 3]
        assert found["state"] == "ended"
        assert found["startedAt"] == at(0)
        assert found["endedAt"] == at(4)
        assert found["chargingState"] == "SuspendedEV"  # the newest before Ended
        assert (found["evseId"], found["idToken"]) == (2, "T1")
        assert found["energyWh"] == 8000.0
        # 8 kWh x 0.40 + 4 minutes x 0.10, recomputed as the late events arrived.
        assert found["totalCost"] == "3.60"
        assert [item["seqNo"] for item in found["events"]] == [0, 1, 2, 3, 4]
        assert [item["offline"] for item in found["events"]] == [True, False, True, False, False]

    async def test_seq_no_restarts_at_zero_for_each_transaction(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        """TC_E_53_CSMS."""
        async with booted(server, "CS-SEQ") as station:
            for transaction_id in ("TX-A", "TX-B"):
                for payload in [
                    event("Started", 0, transaction_id, "CablePluggedIn", evse=1, wh=0),
                    event("Ended", 1, transaction_id, "EVDeparted", wh=1000),
                ]:
                    assert await answer(station, "TransactionEvent", payload) == {}
        for transaction_id in ("TX-A", "TX-B"):
            found = await detail(http, transaction_id)
            assert (found["eventCount"], found["isComplete"], found["state"]) == (2, True, "ended")


class TestStuckTransactions:
    async def test_a_lost_ended_does_not_block_the_token(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        """citrineos-core#334: a transaction whose Ended never came kept its token busy
        (ConcurrentTx for ever). A newer transaction on the same EVSE ends it; the real
        concurrency (the token charging elsewhere) is still refused."""
        await provision(server, "CARD-7")
        async with booted(server, "CS-STUCK") as station:
            start = {"trigger": "Authorized", "token": "CARD-7"}
            first = await answer(
                station, "TransactionEvent", event("Started", 0, "TX-A", evse=1, **start)
            )
            assert first["idTokenInfo"]["status"] == "Accepted"
            # TX-A's Ended is lost; the next session on EVSE 1 uses the same card.
            later = event("Started", 0, "TX-B", evse=1, minutes=60, **start)
            assert (await answer(station, "TransactionEvent", later))["idTokenInfo"] == {
                "status": "Accepted"
            }
            elsewhere = event("Started", 0, "TX-C", evse=2, minutes=61, **start)
            busy = await answer(station, "TransactionEvent", elsewhere)
            assert busy["idTokenInfo"]["status"] == "ConcurrentTx"

            stuck = await detail(http, "TX-A")
            assert (stuck["state"], stuck["endedBy"], stuck["endedAt"]) == ("ended", "csms", at(60))
            assert (await detail(http, "TX-B"))["state"] == "active"

            # The lost Ended turns up after all: the station's account wins.
            late = event("Ended", 1, "TX-A", "StopAuthorized", minutes=30, stoppedReason="Local")
            await answer(station, "TransactionEvent", late)
        stuck = await detail(http, "TX-A")
        assert (stuck["endedBy"], stuck["endedAt"], stuck["isComplete"]) == (
            "station",
            at(30),
            True,
        )


class TestLinks:
    async def test_reservation_and_remote_start_are_linked(
        self, server: LiveServer, http: httpx.AsyncClient
    ) -> None:
        async with booted(server, "CS-LINK") as station:
            async with unit_of_work(server.runtime.sessions) as uow:
                station_pk = await server_station_pk(uow.session, "CS-LINK")
                await ReservationRepository.from_session(uow.session).create(
                    station_pk,
                    ReservationData(
                        reservation_id=17,
                        expiry_at=datetime.now(UTC) + timedelta(hours=1),
                        id_token="CARD-9",
                        id_token_type="ISO14443",
                        evse_id=1,
                    ),
                )
            started = event(
                "Started", 0, trigger="RemoteStart", evse=1, remoteStartId=4242, reservationId=17
            )
            await answer(station, "TransactionEvent", started)
        found = await detail(http)
        assert (found["remoteStartId"], found["reservationId"]) == (4242, 17)
        async with unit_of_work(server.runtime.sessions) as uow:
            station_pk = await server_station_pk(uow.session, "CS-LINK")
            reservation = await ReservationRepository.from_session(uow.session).get(station_pk, 17)
            assert reservation is not None
            assert reservation.status == "Used"
            assert reservation.transaction_pk is not None


async def server_station_pk(session: Any, station_id: str) -> int:
    found = await ChargingStationRepository.from_session(session).get_pk(
        StationKey("default", station_id)
    )
    assert found is not None
    return found


class TestRaces:
    async def test_concurrent_events_on_postgresql_are_applied_exactly_once(self) -> None:
        """Two server instances may handle events of one transaction at once (a station that
        reconnected elsewhere, a broker redelivery). The upsert's row lock serialises them:
        duplicates count once, distinct events are all counted, no update is lost."""

        def parsed(payload: dict[str, Any]) -> messages.TransactionEventRequest:
            return messages.TransactionEventRequest.model_validate_json(orjson.dumps(payload))

        async with (
            fresh_postgres_url() as url,
            live_server(database={"url": url, "migrate_on_start": True}) as server,
            httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
        ):
            async with booted(server, "CS-RACE"):
                pass
            key = StationKey("default", "CS-RACE")

            async def handle(payload: dict[str, Any]) -> messages.TransactionEventResponse:
                async with unit_of_work(server.runtime.sessions) as uow:
                    return await TransactionEventService().handle(uow.session, key, parsed(payload))

            started = event("Started", 0, evse=1, wh=100)
            updates = [event("Updated", seq_no, wh=100 + 10 * seq_no) for seq_no in range(1, 9)]
            await asyncio.gather(*(handle(payload) for payload in [started, started, *updates]))
            await asyncio.gather(*(handle(payload) for payload in updates))  # all again
            found = await detail(http)
        assert found["eventCount"] == 9
        assert [item["seqNo"] for item in found["events"]] == list(range(9))
        assert len(found["meterValues"]) == 9
        assert (found["meterStartWh"], found["meterStopWh"]) == (100.0, 180.0)
