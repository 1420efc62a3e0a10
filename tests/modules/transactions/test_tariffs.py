"""Tariffs over REST (block I): CRUD, validation, and which tariff prices a transaction."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.live import LiveServer
from tests.modules.transactions.helpers import answer, booted, event


async def create(http: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await http.post("/tariffs", json={"currency": "EUR", **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_read_replace_delete(server: LiveServer, http: httpx.AsyncClient) -> None:
    async with booted(server, "CS-T1"):
        pass
    tariff = await create(
        http, pricePerKwh=0.35, pricePerMinute="0.05", taxRate="0.21", stationId="CS-T1"
    )
    assert tariff["pricePerKwh"] == "0.35"  # exact decimals, as strings
    assert (tariff["taxRate"], tariff["stationId"], tariff["evseId"]) == ("0.21", "CS-T1", None)
    assert (await http.get(f"/tariffs/{tariff['id']}")).json() == tariff

    replaced = await http.put(
        f"/tariffs/{tariff['id']}",
        json={"currency": "USD", "pricePerSession": "2", "stationId": "CS-T1", "evseId": 2},
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert (body["currency"], body["pricePerKwh"], body["pricePerSession"]) == ("USD", "0", "2")
    assert body["evseId"] == 2

    await create(http, pricePerKwh="0.50")  # tenant-wide
    listed = (await http.get("/tariffs")).json()
    assert listed["total"] == 2
    only = (await http.get("/tariffs", params={"stationId": "CS-T1"})).json()
    assert [item["id"] for item in only["items"]] == [tariff["id"]]

    assert (await http.delete(f"/tariffs/{tariff['id']}")).status_code == 204
    assert (await http.get(f"/tariffs/{tariff['id']}")).status_code == 404
    assert (await http.delete(f"/tariffs/{tariff['id']}")).status_code == 404
    assert (await http.put(f"/tariffs/{tariff['id']}", json={"currency": "EUR"})).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"currency": "euro"}, "currency"),
        ({"currency": "EUR", "pricePerKwh": -1}, "pricePerKwh"),
        ({"currency": "EUR", "taxRate": "1.5"}, "taxRate"),
        ({"currency": "EUR", "evseId": 1}, "evseId needs stationId"),
        (
            {
                "currency": "EUR",
                "validFrom": "2026-01-02T00:00:00Z",
                "validTo": "2026-01-01T00:00:00Z",
            },
            "validTo",
        ),
        ({"currency": "EUR", "validFrom": "2026-01-02T00:00:00"}, "validFrom"),
        ({"currency": "EUR", "stationId": "NO-SUCH"}, "No station NO-SUCH"),
    ],
)
async def test_bad_tariffs_are_refused_with_a_reason(
    http: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await http.post("/tariffs", json=body)
    assert response.status_code == 422
    assert message in response.text


async def test_the_most_specific_tariff_prices_a_transaction(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """A tariff of the EVSE beats the station's, which beats the tenant's; while the
    transaction runs its cost so far shows, and the tariff cannot be deleted."""
    async with booted(server, "CS-T2") as station:
        await create(http, pricePerKwh="1.00")
        station_wide = await create(http, pricePerKwh="0.50", stationId="CS-T2")
        evse_two = await create(http, pricePerKwh="0.25", stationId="CS-T2", evseId=2)
        for evse_id in (1, 2):
            transaction_id = f"TX-EVSE-{evse_id}"
            for payload in [
                event("Started", 0, transaction_id, "CablePluggedIn", evse=evse_id, wh=0),
                event("Updated", 1, transaction_id, wh=4000),
            ]:
                await answer(station, "TransactionEvent", payload)

        running = (await http.get("/transactions", params={"state": "active"})).json()
        costs = {item["transactionId"]: item["totalCost"] for item in running["items"]}
        assert costs == {"TX-EVSE-1": "2.00", "TX-EVSE-2": "1.00"}
        in_use = await http.delete(f"/tariffs/{evse_two['id']}")
        assert in_use.status_code == 409
        assert "running" in in_use.json()["detail"]

        ended = event("Ended", 2, "TX-EVSE-1", "EVDeparted", wh=6000)
        assert await answer(station, "TransactionEvent", ended) == {"totalCost": 3.0}
    detail = (await http.get("/transactions/TX-EVSE-1")).json()
    assert (detail["tariffId"], detail["totalCost"]) == (station_wide["id"], "3.00")


async def test_without_a_tariff_no_cost_is_claimed(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """I03.FR.04: a missing totalCost does not mean free, so none is invented."""
    async with booted(server, "CS-T3") as station:
        await answer(station, "TransactionEvent", event("Started", 0, evse=1, wh=0))
        assert await answer(station, "TransactionEvent", event("Ended", 1, wh=900)) == {}
    detail = (await http.get("/transactions/TX-1")).json()
    assert (detail["totalCost"], detail["tariffId"], detail["energyWh"]) == (None, None, 900.0)
