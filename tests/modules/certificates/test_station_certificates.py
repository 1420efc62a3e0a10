"""Block M over real websockets: installed certificates (M03-M05), OCSP against a real
responder started here (M06), and contract certificates without a provider (M01/M02)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from citrine_util.certificates.x509 import hash_data
from tests.live import live_server, raw_station


def root(name: str = "Test Root") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


async def test_install_refresh_delete() -> None:
    """TC_M_01_CSMS install, TC_M_18_CSMS retrieve all, TC_M_20_CSMS delete with the station's
    own hash data and algorithm (M04.FR.07), TC_M_19_CSMS nothing found."""
    certificate, _ = root()
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            reply = asyncio.create_task(
                client.post(
                    "/stations/CS1/certificates/install",
                    json={
                        "certificateType": "CSMSRootCertificate",
                        "certificate": pem(certificate),
                    },
                )
            )
            call = await station.recv()
            assert call[2] == "InstallCertificate"
            await station.send([3, call[1], {"status": "Accepted"}])
            assert (await reply).json() == {"status": "Accepted"}
            expected = hash_data(certificate)
            installed = await _wait_installed(client, 1)
            assert installed[0]["issuerKeyHash"] == expected.issuer_key_hash

            reported = {
                "hashAlgorithm": "SHA384",
                "issuerNameHash": "AB" * 48,
                "issuerKeyHash": "CD" * 48,
                "serialNumber": "0A1B",
            }
            reply = asyncio.create_task(
                client.post("/stations/CS1/certificates/installed/refresh", json={})
            )
            call = await station.recv()
            assert call[2] == "GetInstalledCertificateIds"
            assert call[3] == {}
            chain = [
                {"certificateType": "ManufacturerRootCertificate", "certificateHashData": reported}
            ]
            await station.send(
                [3, call[1], {"status": "Accepted", "certificateHashDataChain": chain}]
            )
            await reply
            installed = await _wait_installed(client, 1, "ManufacturerRootCertificate")

            reply = asyncio.create_task(
                client.delete(f"/stations/CS1/certificates/installed/{installed[0]['id']}")
            )
            call = await station.recv()
            assert call[2] == "DeleteCertificate"
            assert call[3] == {"certificateHashData": reported}
            await station.send([3, call[1], {"status": "Accepted"}])
            assert (await reply).json() == {"status": "Accepted"}
            await _wait_installed(client, 0)

            reply = asyncio.create_task(
                client.post(
                    "/stations/CS1/certificates/installed/refresh",
                    json={"certificateType": ["V2GRootCertificate"]},
                )
            )
            call = await station.recv()
            assert call[3] == {"certificateType": ["V2GRootCertificate"]}
            await station.send([3, call[1], {"status": "NotFound"}])
            assert (await reply).json() == {"status": "NotFound"}
            operations = await _operations(client, 4)
        assert [op["action"] for op in operations] == [
            "GetInstalledCertificateIds",
            "DeleteCertificate",
            "GetInstalledCertificateIds",
            "InstallCertificate",
        ]


async def test_install_failed_is_recorded_and_bad_pem_refused() -> None:
    """TC_M_05_CSMS: the station answers Failed; the CSMS stores it. A broken PEM is a 422."""
    certificate, _ = root()
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            body = {"certificateType": "ManufacturerRootCertificate", "certificate": "nope"}
            assert (
                await client.post("/stations/CS1/certificates/install", json=body)
            ).status_code == 422
            body["certificate"] = pem(certificate)
            reply = asyncio.create_task(
                client.post("/stations/CS1/certificates/install", json=body)
            )
            call = await station.recv()
            await station.send([3, call[1], {"status": "Failed"}])
            assert (await reply).json() == {"status": "Failed"}
            operations = await _operations(client, 1)
        assert operations[0]["status"] == "Failed"
        assert operations[0]["certificateType"] == "ManufacturerRootCertificate"


async def _wait_installed(
    client: httpx.AsyncClient, count: int, certificate_type: str | None = None
) -> list[dict[str, Any]]:
    for _ in range(100):
        rows: list[dict[str, Any]] = (
            await client.get("/stations/CS1/certificates/installed")
        ).json()
        if len(rows) == count and (
            certificate_type is None or rows[0]["certificateType"] == certificate_type
        ):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} installed certificates, have {rows}")


async def _operations(client: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    for _ in range(100):
        items: list[dict[str, Any]] = (
            await client.get("/stations/CS1/certificate-operations")
        ).json()["items"]
        if len(items) >= count:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError("operations not recorded")


@contextmanager
def ocsp_responder(issuer: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Iterator[str]:
    """A real OCSP responder over HTTP: every certificate it is asked about is good."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            request = ocsp.load_der_ocsp_request(body)
            now = datetime.now(UTC)
            response = (
                ocsp.OCSPResponseBuilder()
                .add_response_by_hash(
                    issuer_name_hash=request.issuer_name_hash,
                    issuer_key_hash=request.issuer_key_hash,
                    serial_number=request.serial_number,
                    algorithm=request.hash_algorithm,
                    cert_status=ocsp.OCSPCertStatus.GOOD,
                    this_update=now,
                    next_update=now + timedelta(days=1),
                    revocation_time=None,
                    revocation_reason=None,
                )
                .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
                .sign(key, hashes.SHA256())
            )
            der = response.public_bytes(serialization.Encoding.DER)
            self.send_response(200)
            self.send_header("content-type", "application/ocsp-response")
            self.send_header("content-length", str(len(der)))
            self.end_headers()
            self.wfile.write(der)

        def log_message(self, *args: object) -> None:
            return None

    with serving(Handler, "/ocsp") as url:
        yield url


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], path: str) -> Iterator[str]:
    """``handler`` served over HTTP on a free port, in a thread; the URL of ``path``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()


async def test_certificate_status_from_a_real_ocsp_responder() -> None:
    """TC_M_24_CSMS: the CSMS asks the responder and returns its DER response, base64."""
    issuer, key = root("OCSP Issuer")
    with ocsp_responder(issuer, key) as url:
        async with live_server() as server, raw_station(server, "CS1") as station:
            await station.boot()
            data = {
                "hashAlgorithm": "SHA256",
                "issuerNameHash": hashlib.sha256(issuer.subject.public_bytes()).hexdigest(),
                "issuerKeyHash": hash_data(issuer).issuer_key_hash,
                "serialNumber": "1a2b3c",
                "responderURL": url,
            }
            answer = await station.call("GetCertificateStatus", {"ocspRequestData": data})
            unreachable = await station.call(
                "GetCertificateStatus",
                {"ocspRequestData": {**data, "responderURL": "http://127.0.0.1:9/ocsp"}},
            )
    assert answer[2]["status"] == "Accepted"
    response = ocsp.load_der_ocsp_response(base64.b64decode(answer[2]["ocspResult"]))
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == 0x1A2B3C
    assert unreachable[2]["status"] == "Failed"
    assert unreachable[2]["statusInfo"]["reasonCode"] == "OCSPFailed"
    assert "could not be reached" in unreachable[2]["statusInfo"]["additionalInfo"]


async def test_contract_certificate_without_provider_fails_with_reason() -> None:
    """M01/M02 (TC_M_26/M_28 need a provider): without one the answer is Failed, saying why."""
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        answer = await station.call(
            "Get15118EVCertificate",
            {
                "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
                "action": "Install",
                "exiRequest": "AAAA",
            },
        )
    assert answer[2]["status"] == "Failed"
    assert "No contract certificate provider" in answer[2]["statusInfo"]["additionalInfo"]
