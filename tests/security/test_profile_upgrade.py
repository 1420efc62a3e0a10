"""Upgrading a station's security profile through OCPP (A05), and no way back (A05.FR.07)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.live import LiveServer, free_port, live_server, raw_station
from tests.modules.helpers import answer
from tests.security.helpers import PASSWORD, basic, provision, refused_status, security_events
from tests.security.pki import tls_setup

STATION = "UPGRADE-1"
NETWORK_PROFILE = {
    "configurationSlot": 2,
    "connectionData": {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": "wss://127.0.0.1/ocpp",
        "messageTimeout": 30,
        "securityProfile": 2,
        "ocppInterface": "Wired0",
    },
}


async def _command(
    http: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> asyncio.Future[httpx.Response]:
    return asyncio.ensure_future(
        http.post(path, params={"identifier": STATION, "wait": 10}, json=body)
    )


async def test_upgrade_to_profile_2_then_profile_1_is_refused_TC_A_19_CSMS() -> None:
    """TC_A_19_CSMS: on profile 1 the CSMS sends SetNetworkProfile (profile 2) in slot 2,
    SetVariables NetworkConfigurationPriority "2,1" and Reset; the station reconnects on
    profile 2 and is Accepted; from then on a profile-1 connection is refused."""
    pki = tls_setup(Path(tempfile.mkdtemp(prefix="citrine-upgrade-")))
    security = {
        "plain_security_profile": 1,
        "listeners": [pki.listener(free_port(), 2)],
        "failures_before_backoff": 1000,
    }
    async with (
        live_server(station_security=security) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        await provision(http, STATION, PASSWORD)
        async with raw_station(
            server, STATION, additional_headers=basic(STATION, PASSWORD)
        ) as station:
            assert (await station.boot())[2]["status"] == "Accepted"
            sent = await _command(
                http, "/ocpp/2.0.1/configuration/setNetworkProfile", NETWORK_PROFILE
            )
            received = await answer(station, "SetNetworkProfile", {"status": "Accepted"})
            assert received["connectionData"]["securityProfile"] == 2
            assert (await sent).json()[0]["payload"] == {"status": "Accepted"}

            priority = {
                "setVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "NetworkConfigurationPriority"},
                        "attributeValue": "2,1",
                    }
                ]
            }
            sent = asyncio.ensure_future(
                http.post(f"/stations/{STATION}/variables/set", json=priority)
            )

            def accepted(request: dict[str, Any]) -> dict[str, Any]:
                return {
                    "setVariableResult": [
                        {
                            "attributeStatus": "Accepted",
                            "component": item["component"],
                            "variable": item["variable"],
                        }
                        for item in request["setVariableData"]
                    ]
                }

            await answer(station, "SetVariables", accepted)
            assert (await sent).status_code == 200, (await sent).text

            sent = await _command(http, "/ocpp/2.0.1/configuration/reset", {"type": "OnIdle"})
            await answer(station, "Reset", {"status": "Accepted"})
            assert (await sent).json()[0]["payload"] == {"status": "Accepted"}

        # The station restarts and uses slot 2: wss, profile 2.
        async with raw_station(
            server,
            STATION,
            url=server.wss_url(STATION, 0),
            ssl=pki.client_context(),
            additional_headers=basic(STATION, PASSWORD),
        ) as station:
            assert (await station.boot())[2]["status"] == "Accepted"

        shown = (await http.get(f"/stations/{STATION}/credentials")).json()
        assert shown["minimumSecurityProfile"] == 2
        refused = await refused_status(server, STATION, additional_headers=basic(STATION, PASSWORD))
        assert refused.response.status_code == 403
        assert (await security_events(server, STATION))[-1][0] == "SecurityProfileTooLow"


async def test_the_raise_can_be_turned_off() -> None:
    """With ``raise_minimum_profile`` off, a station may use either listener (a fleet that
    moves stations between profiles by hand)."""
    pki = tls_setup(Path(tempfile.mkdtemp(prefix="citrine-upgrade-")))
    security = {
        "plain_security_profile": 1,
        "listeners": [pki.listener(free_port(), 2)],
        "raise_minimum_profile": False,
    }
    async with (
        live_server(station_security=security) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        await provision(http, STATION, PASSWORD)
        async with raw_station(
            server,
            STATION,
            url=server.wss_url(STATION, 0),
            ssl=pki.client_context(),
            additional_headers=basic(STATION, PASSWORD),
        ) as station:
            assert (await station.boot())[2]["status"] == "Accepted"
        await _boots_on_plain(server)


async def _boots_on_plain(server: LiveServer) -> None:
    async with raw_station(server, STATION, additional_headers=basic(STATION, PASSWORD)) as station:
        assert (await station.boot())[2]["status"] == "Accepted"
