"""Meter values (block J) over a real websocket: stored, linked to the running transaction,
signed ones kept as sent; what the REST API shows of them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.live import LiveServer
from tests.modules.transactions.helpers import answer, at, booted, event, meter

SIGNED = {
    "signedMeterData": "T0NNRnx7IkZWIjoiMS4wIn0=",
    "signingMethod": "ECDSA-secp256r1-SHA256",
    "encodingMethod": "OCMF",
    "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
}


async def meter_values(http: httpx.AsyncClient, station_id: str, **params: Any) -> list[Any]:
    response = await http.get(f"/stations/{station_id}/meter-values", params=params)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def clock(wh: float, minutes: float, **extra: Any) -> dict[str, Any]:
    return meter(wh, minutes, context="Sample.Clock", **extra)


async def test_clock_aligned_values_without_a_transaction(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_J_01_CSMS: stored, belonging to no transaction; EVSE 0 is the whole station."""
    async with booted(server, "CS-J01") as station:
        for evse_id in (1, 0):
            payload = {"evseId": evse_id, "meterValue": [clock(1234.5, evse_id)]}
            assert await answer(station, "MeterValues", payload) == {}
    items = await meter_values(http, "CS-J01")
    assert [(item["evseId"], item["inTransaction"]) for item in items] == [(1, False), (0, False)]
    sample = items[0]["sampledValues"][0]
    assert (sample["value"], sample["context"]) == (1234.5, "Sample.Clock")
    assert sample["measurand"] == "Energy.Active.Import.Register"  # the schema's default
    assert [item["evseId"] for item in await meter_values(http, "CS-J01", evseId=0)] == [0]


async def test_values_during_a_transaction_belong_to_it(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_J_02_CSMS (clock-aligned, transaction ongoing), TC_J_07_CSMS, TC_J_09_CSMS,
    TC_J_10_CSMS (sampled in Started with the EVSE known, Updated, Ended), TC_J_03_CSMS (clock-aligned in Ended). MeterValues of the
    EVSE in use go to its transaction; the main meter's (EVSE 0) do not."""
    async with booted(server, "CS-J02") as station:
        begin = meter(1000, 0, context="Transaction.Begin")
        await answer(station, "TransactionEvent", event("Started", 0, evse=1, meter_values=[begin]))
        periodic = meter(1500, 1, context="Sample.Periodic")
        await answer(station, "TransactionEvent", event("Updated", 1, meter_values=[periodic]))
        aligned = event("Updated", 2, trigger="MeterValueClock", meter_values=[clock(1800, 2)])
        await answer(station, "TransactionEvent", aligned)
        for evse_id in (1, 0):
            payload = {"evseId": evse_id, "meterValue": [clock(1900, 2.5)]}
            await answer(station, "MeterValues", payload)
        end = [meter(2500, 3, context="Transaction.End"), clock(2400, 3)]
        await answer(station, "TransactionEvent", event("Ended", 3, meter_values=end))
        after = {"evseId": 1, "meterValue": [clock(2600, 4)]}
        await answer(station, "MeterValues", after)

    detail = (await http.get("/transactions/TX-1")).json()
    contexts = [value["sampledValues"][0]["context"] for value in detail["meterValues"]]
    assert contexts == [
        "Transaction.Begin",
        "Sample.Periodic",
        "Sample.Clock",
        "Sample.Clock",  # the MeterValues of EVSE 1 while it charged
        "Transaction.End",
        "Sample.Clock",
    ]
    assert detail["energyWh"] == 1500.0  # from the transaction's own events
    linked = [
        (item["evseId"], item["inTransaction"]) for item in await meter_values(http, "CS-J02")
    ]
    assert linked[0] == (1, False)  # after Ended
    assert (0, False) in linked


async def test_signed_meter_values_are_accepted_and_stored(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_J_04_CSMS (signed, clock-aligned MeterValues) and TC_J_11_CSMS (signed, sampled in
    a TransactionEvent): accepted and kept exactly as sent."""
    async with booted(server, "CS-J04") as station:
        signed = clock(5000, 0, signedMeterValue=SIGNED)
        assert await answer(station, "MeterValues", {"evseId": 1, "meterValue": [signed]}) == {}
        sampled = meter(5000, 1, context="Transaction.Begin", signedMeterValue=SIGNED)
        started = event("Started", 1, trigger="SignedDataReceived", evse=1, meter_values=[sampled])
        assert await answer(station, "TransactionEvent", started) == {}
    stored = [item["sampledValues"][0] for item in await meter_values(http, "CS-J04")]
    assert [sample["signedMeterValue"] for sample in stored] == [SIGNED, SIGNED]
    detail = (await http.get("/transactions/TX-1")).json()
    assert detail["meterValues"][0]["sampledValues"][0]["signedMeterValue"] == SIGNED


async def test_begin_values_before_the_evse_is_known(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_J_08_CSMS: Started carries Transaction.Begin values but no EVSE; the EVSE comes
    with a later event and the earlier values move to it."""
    async with booted(server, "CS-J08") as station:
        begin = [meter(700, 0, context="Transaction.Begin")]
        await answer(station, "TransactionEvent", event("Started", 0, meter_values=begin))
        plugged = event("Updated", 1, trigger="CablePluggedIn", evse=2, wh=900)
        await answer(station, "TransactionEvent", plugged)
    detail = (await http.get("/transactions/TX-1")).json()
    assert detail["evseId"] == 2
    assert [value["evseId"] for value in detail["meterValues"]] == [2, 2]
    assert detail["energyWh"] == 200.0


async def test_units_and_phases(server: LiveServer, http: httpx.AsyncClient) -> None:
    """kWh with a multiplier, and a register reported per phase only: summed."""
    per_phase = {
        "timestamp": at(1),
        "sampledValue": [
            {"value": 1.0, "phase": phase, "unitOfMeasure": {"unit": "kWh"}}
            for phase in ("L1", "L2", "L3")
        ],
    }
    async with booted(server, "CS-UNITS") as station:
        scaled = {
            "timestamp": at(0),
            "sampledValue": [{"value": 2, "unitOfMeasure": {"unit": "Wh", "multiplier": 2}}],
        }
        await answer(
            station, "TransactionEvent", event("Started", 0, evse=1, meter_values=[scaled])
        )
        await answer(station, "TransactionEvent", event("Updated", 1, meter_values=[per_phase]))
    detail = (await http.get("/transactions/TX-1")).json()
    assert (detail["meterStartWh"], detail["meterStopWh"]) == (200.0, 3000.0)
