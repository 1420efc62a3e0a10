"""Security profiles 2 and 3 on TLS listeners next to the plain one, in one server: TLS 1.2+
with OCPP's suites, Basic auth over TLS, client certificates from the CSMS's own CA."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from websockets.exceptions import ConnectionClosed, InvalidMessage

from citrine_modules.certificates import CertificatesModule
from tests.live import LiveServer, free_port, live_server, raw_station
from tests.security.helpers import PASSWORD, basic, provision, refused_status, security_events
from tests.security.pki import Issued, TlsSetup, issue, make_ca, tls_setup

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROFILE_2, PROFILE_3 = 0, 1  # listener numbers
OCPP_SUITES = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
)


@pytest.fixture(scope="module")
def pki() -> TlsSetup:
    return tls_setup(Path(tempfile.mkdtemp(prefix="citrine-tls-")))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server(pki: TlsSetup) -> AsyncIterator[LiveServer]:
    listeners = [pki.listener(free_port(), 2), pki.listener(free_port(), 3)]
    security = {"listeners": listeners, "failures_before_backoff": 1000}
    async with live_server(station_security=security) as live:
        yield live


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        await provision(client, "TLS-1", PASSWORD)
        await provision(client, "TLS-MIN3", PASSWORD, minimum_security_profile=3)
        for station_id in ("MTLS-1", "MTLS-2", "MTLS-OLD", "MTLS-ORG", "MTLS-CA"):
            await provision(client, station_id, minimum_security_profile=3)
        yield client


def internal_ca(server: LiveServer) -> Issued:
    for module in server.runtime.modules:
        if isinstance(module, CertificatesModule):
            return Issued(module.authority.certificate, module.authority.key)
    raise AssertionError("no certificates module")


def boot_payload(serial: str) -> dict[str, object]:
    station = {"model": "M", "vendorName": "V", "serialNumber": serial}
    return {"reason": "PowerUp", "chargingStation": station}


async def test_all_four_ocpp_suites_negotiated(server: LiveServer, pki: TlsSetup) -> None:
    """A00.FR.318: an RSA and an ECDSA certificate in one context serve all four suites."""
    port = server.config.station_security.listeners[PROFILE_2].port
    for suite in OCPP_SUITES:
        context = pki.client_context()
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(suite)
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
        assert writer.get_extra_info("cipher")[0] == suite
        assert writer.get_extra_info("ssl_object").version() == "TLSv1.2"
        writer.close()
        await writer.wait_closed()


async def test_tls_1_1_refused(server: LiveServer, pki: TlsSetup) -> None:
    """TC_A_06_CSMS: a station offering only TLS 1.1 gets no connection."""
    port = server.config.station_security.listeners[PROFILE_2].port
    context = pki.client_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1_1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client itself offer TLS 1.1
    # The server answers the TLS 1.1 ClientHello with an alert or a reset.
    with pytest.raises((ssl.SSLError, ConnectionResetError)) as refused:
        await asyncio.open_connection("127.0.0.1", port, ssl=context)
    assert "NO_PROTOCOLS_AVAILABLE" not in str(refused.value)  # not the client's own refusal


async def test_profile_2_password_boots(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_04_CSMS with TC_A_01_CSMS: wss with the CSMS certificate, Basic auth, Accepted."""
    async with raw_station(
        server,
        "TLS-1",
        url=server.wss_url("TLS-1", PROFILE_2),
        ssl=pki.client_context(),
        additional_headers=basic("TLS-1", PASSWORD),
    ) as station:
        frame = await station.boot()
    assert frame[2]["status"] == "Accepted"


async def test_profile_2_wrong_password_refused(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_03_CSMS over TLS."""
    refused = await refused_status(
        server,
        "TLS-1",
        url=server.wss_url("TLS-1", PROFILE_2),
        ssl=pki.client_context(),
        additional_headers=basic("TLS-1", "not-the-password-1"),
    )
    assert refused.response.status_code == 401
    assert (await security_events(server, "TLS-1"))[-1][0] == "FailedToAuthenticateAtCsms"


async def test_profile_2_below_minimum_3_refused(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    refused = await refused_status(
        server,
        "TLS-MIN3",
        url=server.wss_url("TLS-MIN3", PROFILE_2),
        ssl=pki.client_context(),
        additional_headers=basic("TLS-MIN3", PASSWORD),
    )
    assert refused.response.status_code == 403
    assert (await security_events(server, "TLS-MIN3"))[-1][0] == "SecurityProfileTooLow"


async def test_profile_3_valid_certificate_boots(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_07_CSMS: a certificate of the CSMS's CA with O and CN = serial number."""
    client = issue(internal_ca(server), "SN-MTLS-1")
    async with raw_station(
        server, "MTLS-1", url=server.wss_url("MTLS-1", PROFILE_3), ssl=pki.client_context(client)
    ) as station:
        frame = await station.call("BootNotification", boot_payload("SN-MTLS-1"))
    assert frame[2]["status"] == "Accepted"


async def test_profile_3_serial_mismatch_closes(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """B01.FR.11/12: the boot's serialNumber is not the certificate's CN: socket closed."""
    client = issue(internal_ca(server), "SN-OF-ANOTHER")
    async with raw_station(
        server, "MTLS-2", url=server.wss_url("MTLS-2", PROFILE_3), ssl=pki.client_context(client)
    ) as station:
        await station.send([2, "b1", "BootNotification", boot_payload("SN-MTLS-2")])
        with pytest.raises(ConnectionClosed) as closed:
            await station.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    type_, info = (await security_events(server, "MTLS-2"))[-1]
    assert type_ == "InvalidChargingStationCertificate"
    assert "'SN-MTLS-2'" in info
    assert "'SN-OF-ANOTHER'" in info


async def test_expired_certificate_refused(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_08_CSMS: a certificate of the right CA, expired: refused with the station's event."""
    client = issue(internal_ca(server), "SN-OLD", expired=True)
    refused = await refused_status(
        server,
        "MTLS-OLD",
        url=server.wss_url("MTLS-OLD", PROFILE_3),
        ssl=pki.client_context(client),
    )
    assert refused.response.status_code == 401
    type_, info = (await security_events(server, "MTLS-OLD"))[-1]
    assert type_ == "InvalidChargingStationCertificate"
    assert "Expired" in info


async def test_certificate_of_another_organisation_refused(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """A00.FR.404: O must be the operator's."""
    client = issue(internal_ca(server), "SN-ORG", organization="Someone Else")
    refused = await refused_status(
        server,
        "MTLS-ORG",
        url=server.wss_url("MTLS-ORG", PROFILE_3),
        ssl=pki.client_context(client),
    )
    assert refused.response.status_code == 401
    type_, info = (await security_events(server, "MTLS-ORG"))[-1]
    assert type_ == "InvalidChargingStationCertificate"
    assert "Someone Else" in info


async def test_certificate_of_another_ca_refused(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """TC_A_08_CSMS: a chain to another CA fails the TLS handshake itself: no HTTP request,
    so no station identity to store an event for (logged by nobody: see docs/security.md)."""
    client = issue(make_ca("Rogue CA"), "SN-CA")
    # With TLS 1.3 the client hears of the refusal only after sending its request.
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidMessage)):
        async with raw_station(
            server,
            "MTLS-CA",
            url=server.wss_url("MTLS-CA", PROFILE_3),
            ssl=pki.client_context(client),
            open_timeout=5,
        ) as station:
            await station.boot()


async def test_unknown_station_with_a_valid_certificate_registers(
    server: LiveServer, pki: TlsSetup, http: httpx.AsyncClient
) -> None:
    """On profile 3 the certificate proves the identity: ``stations.unknown`` (accept) applies."""
    client = issue(internal_ca(server), "SN-NEW")
    async with raw_station(
        server,
        "MTLS-NEW",
        url=server.wss_url("MTLS-NEW", PROFILE_3),
        ssl=pki.client_context(client),
    ) as station:
        frame = await station.call("BootNotification", boot_payload("SN-NEW"))
    assert frame[2]["status"] == "Accepted"
    assert (await http.get("/stations/MTLS-NEW")).status_code == 200
