"""StatusNotification (block G) over a real websocket: one connector is station + EVSE +
connector; the latest status per connector and the history, as the REST API shows them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.live import LiveServer
from tests.modules.transactions.helpers import answer, at, booted


def status(evse_id: int, connector_id: int, value: str, minutes: float) -> dict[str, Any]:
    return {
        "timestamp": at(minutes),
        "connectorStatus": value,
        "evseId": evse_id,
        "connectorId": connector_id,
    }


async def test_two_evses_of_one_station_keep_separate_statuses(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """citrineos-core#859: connector 1 of EVSE 1 and connector 1 of EVSE 2 are two
    connectors (B01.FR.05: a booted station reports every connector)."""
    async with booted(server, "CS-G") as station:
        for payload in [
            status(1, 1, "Available", 0),
            status(2, 1, "Available", 0),
            status(1, 1, "Occupied", 1),
            status(2, 1, "Faulted", 2),
            status(2, 2, "Unavailable", 2),
        ]:
            assert await answer(station, "StatusNotification", payload) == {}

    connectors = (await http.get("/stations/CS-G/connectors")).json()
    assert [(c["evseId"], c["connectorId"], c["status"]) for c in connectors] == [
        (1, 1, "Occupied"),
        (2, 1, "Faulted"),
        (2, 2, "Unavailable"),
    ]
    station = (await http.get("/stations/CS-G")).json()  # the station registry shows them too
    assert [
        [connector["status"] for connector in evse["connectors"]] for evse in station["evses"]
    ] == [["Occupied"], ["Faulted", "Unavailable"]]
    history = (await http.get("/stations/CS-G/status-history", params={"evseId": 2})).json()
    assert history["total"] == 3
    assert [(h["connectorId"], h["status"]) for h in history["items"]] == [
        (2, "Unavailable"),
        (1, "Faulted"),
        (1, "Available"),
    ]


async def test_a_late_notification_is_history_not_the_latest(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """After an offline period (B04) queued notifications may arrive after newer ones: the
    latest status follows the station's clock, not the arrival order."""
    async with booted(server, "CS-LATE-G") as station:
        await answer(station, "StatusNotification", status(1, 1, "Occupied", 10))
        await answer(station, "StatusNotification", status(1, 1, "Available", 5))
    connectors = (await http.get("/stations/CS-LATE-G/connectors")).json()
    assert [(c["status"], c["statusAt"]) for c in connectors] == [("Occupied", at(10))]
    history = (await http.get("/stations/CS-LATE-G/status-history")).json()
    assert [h["status"] for h in history["items"]] == ["Occupied", "Available"]


async def test_an_unknown_station_is_404(http: httpx.AsyncClient) -> None:
    for path in ("connectors", "status-history", "meter-values"):
        response = await http.get(f"/stations/NOPE/{path}")
        assert response.status_code == 404, path
