"""The site limit: a location's grid connection shared among its running transactions, kept
current with SetChargingProfile as transactions start and end, over real websockets."""

from __future__ import annotations

from typing import Any

import httpx

from citrine_data.repositories.device_model import ComponentKey, VariableKey
from tests.live import LiveServer
from tests.modules.smart_charging.helpers import (
    Station,
    booted,
    create_location,
    end_transaction,
    set_device_variable,
    start_transaction,
)


async def at_location(client: httpx.AsyncClient, location_id: int, *stations: str) -> None:
    for station_id in stations:
        response = await client.patch(f"/stations/{station_id}", json={"locationId": location_id})
        assert response.status_code == 200, response.text


async def share_sent(station: Station, transaction_id: str) -> float:
    """The next TxProfile the CSMS sends the station, answered Accepted: its limit."""
    frame = await station.next_call("SetChargingProfile")
    await station.reply(frame, {"status": "Accepted"})
    sent: dict[str, Any] = frame[3]["chargingProfile"]
    assert sent["chargingProfilePurpose"] == "TxProfile"
    assert sent["transactionId"] == transaction_id
    [period] = sent["chargingSchedule"][0]["chargingSchedulePeriod"]
    limit: float = period["limit"]
    return limit


async def test_the_site_limit_is_redistributed_when_a_second_transaction_starts(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    location = await create_location(server, "Depot", 32.0)
    async with booted(server, "CS1") as cs1, booted(server, "CS2") as cs2:
        await at_location(client, location, "CS1", "CS2")
        await start_transaction(server, "CS1", "T1", publish=True)
        assert await share_sent(cs1, "T1") == 32.0
        await start_transaction(server, "CS2", "T2", publish=True, ago=30)
        assert await share_sent(cs1, "T1") == 16.0
        assert await share_sent(cs2, "T2") == 16.0

        view = (await client.get(f"/smart-charging/locations/{location}/site-limit")).json()
        assert view["gridConnectionLimitAmps"] == 32.0
        shares = {item["transactionId"]: item for item in view["transactions"]}
        assert {key: item["shareAmps"] for key, item in shares.items()} == {"T1": 16, "T2": 16}
        assert "equal shares" in view["sharingRule"]

        await end_transaction(server, "CS1", "T1", publish=True)
        assert await share_sent(cs2, "T2") == 32.0
        assert await cs1.nothing_sent()

        # Nothing changed: reconciling again sends nothing.
        again = await client.post(f"/smart-charging/locations/{location}/site-limit/reconcile")
        assert again.status_code == 200
        assert [item["status"] for item in again.json()["transactions"]] == ["Accepted"]
        assert await cs2.nothing_sent()


async def test_an_evse_maximum_is_respected_and_the_rest_goes_to_the_others(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    location = await create_location(server, "Garage", 32.0)
    async with booted(server, "CS1") as cs1, booted(server, "CS2") as cs2:
        await at_location(client, location, "CS1", "CS2")
        await set_device_variable(
            server,
            "CS2",
            ComponentKey("EVSE", evse_id=1),
            VariableKey("Power"),
            max_limit=6900.0,  # 10 A on three phases at 230 V
            data_type="decimal",
        )
        await start_transaction(server, "CS1", "T1")
        await start_transaction(server, "CS2", "T2")
        reconciled = await client.post(f"/smart-charging/locations/{location}/site-limit/reconcile")
        assert reconciled.status_code == 200
        assert await share_sent(cs1, "T1") == 22.0
        assert await share_sent(cs2, "T2") == 10.0


async def test_below_the_minimum_the_newest_transaction_waits(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    location = await create_location(server, "Kerb", 16.0)
    async with booted(server, "CS1") as cs1:
        await at_location(client, location, "CS1")
        await start_transaction(server, "CS1", "T1", evse_id=1, ago=300)
        await start_transaction(server, "CS1", "T2", evse_id=2, ago=200)
        await start_transaction(server, "CS1", "T3", evse_id=3, ago=100, publish=True)
        sent = {}
        for _ in range(3):
            frame = await cs1.next_call("SetChargingProfile")
            await cs1.reply(frame, {"status": "Accepted"})
            profile = frame[3]["chargingProfile"]
            period = profile["chargingSchedule"][0]["chargingSchedulePeriod"][0]
            sent[profile["transactionId"]] = period["limit"]
        assert sent == {"T1": 8.0, "T2": 8.0, "T3": 0.0}


async def test_a_location_without_a_limit_is_left_alone(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    location = await create_location(server, "Open", None)
    async with booted(server, "CS1") as cs1:
        await at_location(client, location, "CS1")
        await start_transaction(server, "CS1", "T1", publish=True)
        assert await cs1.nothing_sent(1)
        view = (await client.get(f"/smart-charging/locations/{location}/site-limit")).json()
        assert view["transactions"] == []
    other_tenant = await client.get(
        f"/smart-charging/locations/{location}/site-limit", params={"tenantId": "nobody"}
    )
    assert other_tenant.status_code == 404
