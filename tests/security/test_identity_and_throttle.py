"""Profile 3 with the certificate CN bound to the station identity (checked at the
handshake), and the back-off for an address whose handshakes keep failing."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.live import LiveServer, free_port, live_server, raw_station
from tests.security.helpers import PASSWORD, basic, provision, refused_status, security_events
from tests.security.pki import Issued, TlsSetup, issue, make_ca, tls_setup

pytestmark = pytest.mark.asyncio(loop_scope="module")

OPERATOR_CA = make_ca("Operator Station CA")


@pytest.fixture(scope="module")
def pki() -> TlsSetup:
    return tls_setup(Path(tempfile.mkdtemp(prefix="citrine-tls-")))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server(pki: TlsSetup) -> AsyncIterator[LiveServer]:
    security = {
        "plain_security_profile": 1,
        "listeners": [pki.listener(free_port(), 3, client_ca=OPERATOR_CA)],
        "failures_before_backoff": 2,
        "backoff_initial": 30,
        # ID-1 proves itself with a certificate (profile 3) and later with its password on
        # profile 1: the raise of its minimum would refuse the latter (test_profile_upgrade).
        "raise_minimum_profile": False,
    }
    async with live_server(
        station_security=security,
        certificates={"common_name": "station_id"},
        stations={"unknown": "refuse"},
    ) as live:
        yield live


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        await provision(client, "ID-1", PASSWORD)
        await provision(client, "ID-2")
        yield client


def certificate_for(cn: str) -> Issued:
    return issue(OPERATOR_CA, cn)


async def test_certificate_of_the_identity_boots(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_07_CSMS with a configured client CA and CN = identity."""
    context = pki.client_context(certificate_for("ID-1"))
    async with raw_station(server, "ID-1", url=server.wss_url("ID-1"), ssl=context) as station:
        assert (await station.boot())[2]["status"] == "Accepted"


async def test_certificate_of_another_identity_refused(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_08_CSMS: ID-1's valid certificate does not open ID-2."""
    context = pki.client_context(certificate_for("ID-1"))
    refused = await refused_status(server, "ID-2", url=server.wss_url("ID-2"), ssl=context)
    assert refused.response.status_code == 401
    type_, info = (await security_events(server, "ID-2"))[-1]
    assert type_ == "InvalidChargingStationCertificate"
    assert "CN 'ID-1' is not the station identity 'ID-2'" in info
    server.runtime.station_auth.throttle.succeeded("127.0.0.1")


async def test_repeated_failures_are_throttled(server: LiveServer, http: httpx.AsyncClient) -> None:
    """After 2 failures the address waits (429, Retry-After), even with the right password."""
    for _ in range(2):
        wrong = await refused_status(server, "ID-1", additional_headers=basic("ID-1", "x" * 20))
        assert wrong.response.status_code == 401
    for password in ("x" * 20, PASSWORD):
        throttled = await refused_status(server, "ID-1", additional_headers=basic("ID-1", password))
        assert throttled.response.status_code == 429
        assert 25 <= int(throttled.response.headers["Retry-After"]) <= 31
    server.runtime.station_auth.throttle.succeeded("127.0.0.1")
    async with raw_station(server, "ID-1", additional_headers=basic("ID-1", PASSWORD)):
        pass


async def test_unknown_station_under_the_refuse_policy(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    """``stations.unknown = refuse``: 404 as on profile 0; that clears no failure, so unknown
    identities cannot be used to reset an address's back-off."""
    wrong = await refused_status(server, "ID-1", additional_headers=basic("ID-1", "x" * 20))
    assert wrong.response.status_code == 401
    unknown = await refused_status(server, "NOBODY", additional_headers=basic("NOBODY", PASSWORD))
    assert unknown.response.status_code == 404
    wrong = await refused_status(server, "ID-1", additional_headers=basic("ID-1", "x" * 20))
    assert wrong.response.status_code == 401
    throttled = await refused_status(server, "ID-1", additional_headers=basic("ID-1", PASSWORD))
    assert throttled.response.status_code == 429
