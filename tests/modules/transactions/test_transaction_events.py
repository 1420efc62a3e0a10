"""TransactionEvent over a real websocket: idempotent, order-tolerant, never reopened, and
what the operator then sees over REST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from citrine_data import unit_of_work
from citrine_data.repositories import IdTokenRepository, ReservationRepository
from citrine_data.repositories.authorization import TokenInfo
from citrine_data.repositories.reservation import ReservationData
from tests.live import LiveServer
from tests.modules.transactions.helpers import answer, at, booted, event


async def detail(http: httpx.AsyncClient, transaction_id: str = "TX-1") -> dict[str, Any]:
    response = await http.get(f"/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def provision(server: LiveServer, token: str, status: str = "Accepted") -> None:
    async with unit_of_work(server.runtime.sessions) as uow:
        await IdTokenRepository.from_session(uow.session).upsert(
            "default", token, "ISO14443", TokenInfo(status=status)
        )


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
    from citrine_base.interfaces.envelope import StationKey
    from citrine_data.repositories import ChargingStationRepository

    found = await ChargingStationRepository.from_session(session).get_pk(
        StationKey("default", station_id)
    )
    assert found is not None
    return found


# The start and stop options of block E: the CSMS answers every event and ends up with the
# state the station reported, whichever TxStartPoint/TxStopPoint the station uses.
FLOWS: dict[str, tuple[list[dict[str, Any]], tuple[str, str | None, str | None]]] = {
    "TC_E_01_CSMS PowerPathClosed": (
        [
            event(
                "Started",
                0,
                trigger="ChargingStateChanged",
                evse=1,
                token="OK",
                chargingState="Charging",
            ),
            event(
                "Ended",
                1,
                trigger="StopAuthorized",
                token="OK",
                stoppedReason="Local",
                chargingState="EVConnected",
            ),
        ],
        ("ended", "Local", "EVConnected"),
    ),
    "TC_E_02_CSMS EnergyTransfer": (
        [
            event(
                "Started",
                0,
                trigger="ChargingStateChanged",
                evse=1,
                chargingState="Charging",
                wh=10,
            ),
            event(
                "Ended",
                1,
                trigger="ChargingStateChanged",
                chargingState="SuspendedEV",
                stoppedReason="StoppedByEV",
            ),
        ],
        ("ended", "StoppedByEV", "SuspendedEV"),
    ),
    "TC_E_03_CSMS cable plugin first": (
        [
            event("Started", 0, trigger="CablePluggedIn", evse=1, chargingState="EVConnected"),
            event("Updated", 1, trigger="Authorized", token="OK"),
            event("Updated", 2, trigger="ChargingStateChanged", chargingState="Charging"),
        ],
        ("active", None, "Charging"),
    ),
    "TC_E_04_CSMS authorization first": (
        [
            event("Started", 0, trigger="Authorized", token="OK"),
            event("Updated", 1, trigger="CablePluggedIn", evse=1, chargingState="EVConnected"),
            event("Updated", 2, trigger="ChargingStateChanged", chargingState="Charging"),
        ],
        ("active", None, "Charging"),
    ),
    "TC_E_07_CSMS stop PowerPathClosed local": (
        [
            event("Started", 0, trigger="Authorized", evse=1, token="OK", chargingState="Charging"),
            event("Ended", 1, trigger="StopAuthorized", token="OK", chargingState="EVConnected"),
        ],
        ("ended", "Local", "EVConnected"),
    ),
    "TC_E_08_CSMS stop EnergyTransfer StopAuthorized": (
        [
            event("Started", 0, trigger="Authorized", evse=1, token="OK", chargingState="Charging"),
            event("Updated", 1, trigger="StopAuthorized", token="OK", chargingState="EVConnected"),
            event("Ended", 2, trigger="EVDeparted", stoppedReason="Local", chargingState="Idle"),
        ],
        ("ended", "Local", "Idle"),
    ),
    "TC_E_09_CSMS EVConnected": (
        [event("Started", 0, trigger="CablePluggedIn", evse=1, chargingState="EVConnected")],
        ("active", None, "EVConnected"),
    ),
    "TC_E_10_CSMS Authorized local": (
        [event("Started", 0, trigger="Authorized", token="OK")],
        ("active", None, None),
    ),
    "TC_E_11_CSMS DataSigned": (
        [
            event(
                "Started",
                0,
                trigger="SignedDataReceived",
                evse=1,
                meter_values=[
                    {
                        "timestamp": at(0),
                        "sampledValue": [
                            {
                                "value": 100,
                                "context": "Transaction.Begin",
                                "signedMeterValue": {
                                    "signedMeterData": "c2lnbmVk",
                                    "signingMethod": "ECDSA-secp256r1-SHA256",
                                    "encodingMethod": "OCMF",
                                    "publicKey": "cHVibGlj",
                                },
                            }
                        ],
                    }
                ],
            )
        ],
        ("active", None, None),
    ),
    "TC_E_12_CSMS ParkingBayOccupied": (
        [event("Started", 0, trigger="EVDetected", evse=1)],
        ("active", None, None),
    ),
    "TC_E_14_CSMS EVDisconnected station side": (
        [
            event("Started", 0, trigger="CablePluggedIn", evse=1, chargingState="Charging"),
            event(
                "Ended",
                1,
                trigger="EVCommunicationLost",
                stoppedReason="EVDisconnected",
                chargingState="Idle",
            ),
        ],
        ("ended", "EVDisconnected", "Idle"),
    ),
    "TC_E_15_CSMS StopAuthorized local": (
        [
            event("Started", 0, trigger="Authorized", evse=1, token="OK"),
            event("Ended", 1, trigger="StopAuthorized", token="OK", stoppedReason="Local"),
        ],
        ("ended", "Local", None),
    ),
    "TC_E_16_CSMS Deauthorized invalid idToken": (
        [
            event("Started", 0, trigger="Authorized", evse=1, token="NOBODY"),
            event("Ended", 1, trigger="Deauthorized", stoppedReason="DeAuthorized"),
        ],
        ("ended", "DeAuthorized", None),
    ),
    "TC_E_17_CSMS Deauthorized EV side disconnect": (
        [
            event("Started", 0, trigger="Authorized", evse=1, token="OK", chargingState="Charging"),
            event("Updated", 1, trigger="EVCommunicationLost", chargingState="Idle"),
            event("Ended", 2, trigger="Deauthorized", stoppedReason="EVDisconnected"),
        ],
        ("ended", "EVDisconnected", "Idle"),
    ),
    "TC_E_19_CSMS ParkingBayUnoccupied": (
        [
            event("Started", 0, trigger="EVDetected", evse=1),
            event("Ended", 1, trigger="EVDeparted", stoppedReason="EVDisconnected"),
        ],
        ("ended", "EVDisconnected", None),
    ),
    "TC_E_20_CSMS EVDisconnected EV side": (
        [
            event("Started", 0, trigger="CablePluggedIn", evse=1, chargingState="Charging"),
            event(
                "Ended",
                1,
                trigger="EVDeparted",
                stoppedReason="EVDisconnected",
                chargingState="Idle",
            ),
        ],
        ("ended", "EVDisconnected", "Idle"),
    ),
    "TC_E_21_CSMS StopAuthorized remote": (
        [
            event(
                "Started",
                0,
                trigger="RemoteStart",
                evse=1,
                remoteStartId=1,
                chargingState="Charging",
            ),
            event(
                "Ended",
                1,
                trigger="RemoteStop",
                stoppedReason="Remote",
                chargingState="EVConnected",
            ),
        ],
        ("ended", "Remote", "EVConnected"),
    ),
    "TC_E_22_CSMS EnergyTransfer stopped SuspendedEV": (
        [
            event("Started", 0, trigger="ChargingStateChanged", evse=1, chargingState="Charging"),
            event("Updated", 1, trigger="ChargingStateChanged", chargingState="SuspendedEV"),
            event("Ended", 2, trigger="ChargingStateChanged", stoppedReason="StoppedByEV"),
        ],
        ("ended", "StoppedByEV", "SuspendedEV"),
    ),
    "TC_E_26_CSMS EV-side disconnect suspends": (
        [
            event("Started", 0, trigger="Authorized", evse=1, token="OK", chargingState="Charging"),
            event("Updated", 1, trigger="EVCommunicationLost", chargingState="SuspendedEV"),
        ],
        ("active", None, "SuspendedEV"),
    ),
    "TC_E_38_CSMS EV not ready": (
        [
            event(
                "Started", 0, trigger="Authorized", evse=1, token="OK", chargingState="EVConnected"
            ),
            event("Updated", 1, trigger="ChargingStateChanged", chargingState="SuspendedEV"),
        ],
        ("active", None, "SuspendedEV"),
    ),
    "TC_E_39_CSMS Deauthorized timeout": (
        [
            event("Started", 0, trigger="Authorized", token="OK"),
            event("Ended", 1, trigger="EVConnectTimeout", stoppedReason="Timeout"),
        ],
        ("ended", "Timeout", None),
    ),
}


async def test_start_and_stop_options(server: LiveServer, http: httpx.AsyncClient) -> None:
    """Each flow of FLOWS on a station of its own (one server for all: they are many)."""
    await provision(server, "OK")
    for number, (name, (flow, expected)) in enumerate(FLOWS.items()):
        station_id = f"CS-FLOW-{number}"
        async with booted(server, station_id) as station:
            for payload in flow:
                answered = await answer(station, "TransactionEvent", payload)
                if "idToken" in payload:
                    known = payload["idToken"]["idToken"] != "NOBODY"
                    status = "Accepted" if known else "Unknown"
                    assert answered["idTokenInfo"]["status"] == status, name
                else:
                    assert "idTokenInfo" not in answered, name
        response = await http.get("/transactions/TX-1", params={"stationId": station_id})
        found = response.json()
        reported = (found["state"], found["stoppedReason"], found["chargingState"])
        assert reported == expected, name
        assert (found["eventCount"], found["startedAt"]) == (len(flow), at(0)), name
