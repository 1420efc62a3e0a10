"""GetTransactionStatus (E14) when the station still has messages queued: the CSMS asks as
the operator chose, does not end anything on the answer alone, and takes the queued
TransactionEvents as they are delivered."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.live import LiveServer
from tests.modules.helpers import answer as answer_call
from tests.modules.transactions.helpers import answer, booted, event

URL = "/ocpp/2.0.1/transactions/getTransactionStatus"


@pytest.mark.parametrize(
    ("asked", "status", "queued"),
    [
        (  # TC_E_29_CSMS
            {"transactionId": "TX-1"},
            {"ongoingIndicator": True, "messagesInQueue": True},
            [event("Updated", 1, offline=True, wh=1200)],
        ),
        (  # TC_E_31_CSMS
            {"transactionId": "TX-1"},
            {"ongoingIndicator": False, "messagesInQueue": True},
            [event("Ended", 1, "TX-1", "EVCommunicationLost", offline=True, wh=1300)],
        ),
        (  # TC_E_33_CSMS
            {},
            {"messagesInQueue": True},
            [
                event("Updated", 1, offline=True, wh=1200),
                event("Ended", 2, "TX-1", "EVCommunicationLost", offline=True, wh=1400),
            ],
        ),
    ],
    ids=["TC_E_29_CSMS", "TC_E_31_CSMS", "TC_E_33_CSMS"],
)
async def test_status_with_messages_in_queue(
    server: LiveServer,
    http: httpx.AsyncClient,
    asked: dict[str, Any],
    status: dict[str, Any],
    queued: list[dict[str, Any]],
) -> None:
    """TC_E_29_CSMS (transaction ongoing), TC_E_31_CSMS (transaction ended), TC_E_33_CSMS
    (no transactionId): the request carries the operator's transactionId or none; while
    messages are queued the transaction stays as it was; the queued events are answered
    and decide the transaction's end, which is then the station's."""
    async with booted(server, "CS-E14") as station:
        await answer(station, "TransactionEvent", event("Started", 0, evse=1, wh=1000))
        params = {"identifier": "CS-E14", "wait": 10}
        reply = asyncio.create_task(http.post(URL, params=params, json=asked))
        sent = await answer_call(station, "GetTransactionStatus", status)
        response = await reply
        await asyncio.sleep(0.3)  # what a result handler would do, it has done by now
        before = (await http.get("/transactions/TX-1")).json()
        for payload in queued:
            assert await answer(station, "TransactionEvent", payload) == {}
    after = (await http.get("/transactions/TX-1")).json()
    assert sent == asked
    assert response.json()[0]["payload"] == status
    assert before["state"] == "active"
    ended = queued[-1]["eventType"] == "Ended"
    assert (after["state"], after["endedBy"]) == (
        ("ended", "station") if ended else ("active", None)
    )
    assert [(item["seqNo"], item["offline"]) for item in after["events"]] == [
        (seq_no, seq_no > 0) for seq_no in range(len(queued) + 1)
    ]
    assert after["meterStopWh"] == queued[-1]["meterValue"][0]["sampledValue"][0]["value"]
