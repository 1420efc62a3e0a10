"""Security profile 1: HTTP Basic at the handshake, on a real server and database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.live import LiveServer, live_server, raw_station
from tests.security.helpers import (
    OTHER_PASSWORD,
    PASSWORD,
    basic,
    provision,
    refused_status,
    security_events,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server() -> AsyncIterator[LiveServer]:
    security = {"plain_security_profile": 1, "failures_before_backoff": 1000}
    async with live_server(station_security=security) as live:
        yield live


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        await provision(client, "BA-1", PASSWORD)
        await provision(client, "BA-2", OTHER_PASSWORD)
        yield client


async def test_right_credentials_boot_accepted(server: LiveServer, http: httpx.AsyncClient) -> None:
    """TC_A_01_CSMS: valid username/password: the upgrade succeeds, the boot is Accepted."""
    async with raw_station(server, "BA-1", additional_headers=basic("BA-1", PASSWORD)) as station:
        frame = await station.boot()
    assert frame[0] == 3
    assert frame[2]["status"] == "Accepted"


async def test_username_not_the_identity_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """TC_A_02_CSMS: another station's full credentials do not open this one."""
    refused = await refused_status(server, "BA-1", additional_headers=basic("BA-2", OTHER_PASSWORD))
    assert refused.response.status_code == 401
    assert "Basic" in refused.response.headers["WWW-Authenticate"]
    type_, info = (await security_events(server, "BA-1"))[-1]
    assert type_ == "FailedToAuthenticateAtCsms"
    assert info.startswith("The username is not the station identity (from 127.0.0.1")


async def test_wrong_password_refused(server: LiveServer, http: httpx.AsyncClient) -> None:
    """TC_A_03_CSMS: an invalid password, and the password of another station."""
    for password in ("wrong-password-0000", OTHER_PASSWORD):
        refused = await refused_status(server, "BA-1", additional_headers=basic("BA-1", password))
        assert refused.response.status_code == 401
        assert refused.response.body == b"Invalid credentials"
    events = await security_events(server, "BA-1")
    assert events[-1][0] == "FailedToAuthenticateAtCsms"
    assert events[-1][1].startswith("Wrong password (from 127.0.0.1")
    assert PASSWORD not in str(events)
    assert OTHER_PASSWORD not in str(events)


async def test_no_credentials_on_profile_1_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    refused = await refused_status(server, "BA-1")
    assert refused.response.status_code == 401
    type_, info = (await security_events(server, "BA-1"))[-1]
    assert (type_, info.split(" (")[0]) == (
        "FailedToAuthenticateAtCsms",
        "HTTP Basic credentials are required",
    )


async def test_profile_1_below_the_minimum_of_2_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """No downgrade (A00.FR.002/005): right password, but the station's minimum is 2."""
    await provision(http, "BA-MIN2", PASSWORD, minimum_security_profile=2)
    refused = await refused_status(server, "BA-MIN2", additional_headers=basic("BA-MIN2", PASSWORD))
    assert refused.response.status_code == 403
    type_, info = (await security_events(server, "BA-MIN2"))[-1]
    assert type_ == "SecurityProfileTooLow"
    assert "Security profile 1 is below the station's minimum 2" in info


async def test_unknown_station_without_password_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """Safe default: an unknown identity has no password to check, whatever it sends."""
    refused = await refused_status(
        server, "BA-UNKNOWN", additional_headers=basic("BA-UNKNOWN", PASSWORD)
    )
    assert refused.response.status_code == 401
    # The same answer as a wrong password: nothing tells which identities exist.
    assert refused.response.body == b"Invalid credentials"
    stations = await http.get("/stations/BA-UNKNOWN")
    assert stations.status_code == 404  # not registered either


async def test_password_rules_on_the_rest_api(server: LiveServer, http: httpx.AsyncClient) -> None:
    await provision(http, "BA-RULES", PASSWORD)
    for password in ("Sh0rt!", "x" * 65, "tab\tinside-password-0"):
        answer = await http.put("/stations/BA-RULES/credentials", json={"password": password})
        assert answer.status_code == 422, password
        # The refused password is not echoed back (pydantic's errors carry their input).
        assert json.dumps(password)[1:-1] not in answer.text
        assert answer.json()["detail"], "the reason is still given"
    shown = await http.get("/stations/BA-RULES/credentials")
    assert shown.json() == {
        "stationId": "BA-RULES",
        "minimumSecurityProfile": 0,
        "passwordSet": True,
        "previousPasswordAccepted": False,
    }
