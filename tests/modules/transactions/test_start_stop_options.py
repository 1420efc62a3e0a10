"""The start and stop options of block E (TC_E_01..TC_E_22, TC_E_26, TC_E_38, TC_E_39):
whichever TxStartPoint/TxStopPoint a station uses, the CSMS answers every event and ends up
with the state the station reported."""

from __future__ import annotations

from typing import Any

import httpx

from tests.live import LiveServer
from tests.modules.transactions.helpers import answer, at, booted, event, provision

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
