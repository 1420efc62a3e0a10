"""A connector's state as the operator follows it: a triggered StatusNotification for one
EVSE (F06) and a connector lock failure reported with NotifyEvent (G05)."""

from __future__ import annotations

import asyncio

import httpx

from tests.live import LiveServer
from tests.modules.helpers import answer as answer_call
from tests.modules.helpers import now
from tests.modules.transactions.helpers import answer, booted
from tests.modules.transactions.test_status import status


async def test_triggered_status_of_an_occupied_evse(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_F_24_CSMS: TriggerMessage StatusNotification for EVSE 1 connector 1 reaches the
    station as asked; the StatusNotification Occupied it sends is answered and becomes the
    connector's status."""
    trigger = {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}}
    async with booted(server, "CS-F24") as station:
        await answer(station, "StatusNotification", status(1, 1, "Available", 0))
        reply = asyncio.create_task(
            http.post(
                "/ocpp/2.0.1/configuration/triggerMessage",
                params={"identifier": "CS-F24", "wait": 10},
                json=trigger,
            )
        )
        sent = await answer_call(station, "TriggerMessage", {"status": "Accepted"})
        response = await reply
        assert await answer(station, "StatusNotification", status(1, 1, "Occupied", 1)) == {}
    connectors = (await http.get("/stations/CS-F24/connectors")).json()
    assert sent == trigger
    assert response.json()[0]["payload"] == {"status": "Accepted"}
    assert [(c["evseId"], c["connectorId"], c["status"]) for c in connectors] == [
        (1, 1, "Occupied")
    ]


async def test_connector_lock_failure(server: LiveServer, http: httpx.AsyncClient) -> None:
    """TC_G_20_CSMS: the station reports ConnectorPlugRetentionLock Problem = true with
    NotifyEvent; it is answered and the operator finds the lock problem of that connector
    among the station's events (it is not a connector status)."""
    lock = {
        "name": "ConnectorPlugRetentionLock",
        "evse": {"id": 1, "connectorId": 1},
    }
    notify = {
        "generatedAt": now(),
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 20,
                "timestamp": now(),
                "trigger": "Delta",
                "actualValue": "true",
                "eventNotificationType": "HardWiredNotification",
                "component": lock,
                "variable": {"name": "Problem"},
            }
        ],
    }
    async with booted(server, "CS-G20") as station:
        await answer(station, "StatusNotification", status(1, 1, "Occupied", 0))
        assert await answer(station, "NotifyEvent", notify) == {}
    events = (
        await http.get(
            "/monitoring/stations/CS-G20/events",
            params={"component": "ConnectorPlugRetentionLock", "variable": "Problem"},
        )
    ).json()
    connectors = (await http.get("/stations/CS-G20/connectors")).json()
    [problem] = events["items"]
    assert (problem["eventId"], problem["actualValue"], problem["trigger"]) == (20, "true", "Delta")
    assert (problem["component"]["evseId"], problem["component"]["connectorId"]) == (1, 1)
    assert [c["status"] for c in connectors] == ["Occupied"]
