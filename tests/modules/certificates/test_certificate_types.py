"""Block M conformance cases per certificate type: InstallCertificate (M05), retrieving
installed certificates (M03), a failed delete (M04), and ISO 15118 contract certificates
through a real provider (M01/M02)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from tests.live import RawStation, live_server, raw_station
from tests.modules.certificates.test_station_certificates import (
    _operations,
    _wait_installed,
    pem,
    root,
    serving,
)


async def operator_call(
    station: RawStation,
    request: Coroutine[Any, Any, httpx.Response],
    action: str,
    answer: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the operator's REST ``request`` while the station answers its ``action`` CALL;
    the CALL's payload and the REST answer."""
    reply = asyncio.create_task(request)
    call = await station.recv()
    assert call[2] == action, call
    await station.send([3, call[1], answer])
    response = await reply
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = call[3]
    return payload, response.json()


@pytest.mark.parametrize(
    "certificate_type",
    ["ManufacturerRootCertificate", "V2GRootCertificate", "MORootCertificate"],
    ids=["TC_M_02_CSMS", "TC_M_03_CSMS", "TC_M_04_CSMS"],
)
async def test_install_ca_certificate_of_type(certificate_type: str) -> None:
    """TC_M_02_CSMS (ManufacturerRoot), TC_M_03_CSMS (V2GRoot), TC_M_04_CSMS (MORoot): the
    station receives the operator's certificate with that type; once Accepted it is listed
    as installed with that type and the operation is recorded."""
    certificate, _ = root(f"{certificate_type} CA")
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            body = {"certificateType": certificate_type, "certificate": pem(certificate)}
            sent, answer = await operator_call(
                station,
                client.post("/stations/CS1/certificates/install", json=body),
                "InstallCertificate",
                {"status": "Accepted"},
            )
            installed = await _wait_installed(client, 1, certificate_type)
            operations = await _operations(client, 1)
    assert sent == body
    assert answer == {"status": "Accepted"}
    assert installed[0]["serialNumber"] == format(certificate.serial_number, "x")
    assert (operations[0]["certificateType"], operations[0]["status"]) == (
        certificate_type,
        "Accepted",
    )


def hash_data(serial: str) -> dict[str, str]:
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": "A1" * 32,
        "issuerKeyHash": "B2" * 32,
        "serialNumber": serial,
    }


@pytest.mark.parametrize(
    "types",
    [
        ["CSMSRootCertificate"],
        ["ManufacturerRootCertificate"],
        ["V2GRootCertificate"],
        ["V2GCertificateChain"],
        ["MORootCertificate"],
        ["CSMSRootCertificate", "ManufacturerRootCertificate"],
    ],
    ids=[
        "TC_M_12_CSMS",
        "TC_M_13_CSMS",
        "TC_M_14_CSMS",
        "TC_M_15_CSMS",
        "TC_M_16_CSMS",
        "TC_M_17_CSMS",
    ],
)
async def test_retrieve_installed_certificates_of_type(types: list[str]) -> None:
    """TC_M_12_CSMS - TC_M_17_CSMS: GetInstalledCertificateIds asks for exactly the types the
    operator chose; what the station reports for them (a V2G chain with its child
    certificates) is what the operator then sees."""
    chain = []
    for index, certificate_type in enumerate(types):
        entry: dict[str, Any] = {
            "certificateType": certificate_type,
            "certificateHashData": hash_data(f"0{index + 1}"),
        }
        if certificate_type == "V2GCertificateChain":
            entry["childCertificateHashData"] = [hash_data("0c1"), hash_data("0c2")]
        chain.append(entry)
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            sent, answer = await operator_call(
                station,
                client.post(
                    "/stations/CS1/certificates/installed/refresh",
                    json={"certificateType": types},
                ),
                "GetInstalledCertificateIds",
                {"status": "Accepted", "certificateHashDataChain": chain},
            )
            installed = await _wait_installed(client, len(types))
    assert sent == {"certificateType": types}
    assert answer["status"] == "Accepted"
    assert sorted((row["certificateType"], row["serialNumber"]) for row in installed) == sorted(
        (entry["certificateType"], entry["certificateHashData"]["serialNumber"]) for entry in chain
    )


async def test_delete_certificate_failed() -> None:
    """TC_M_21_CSMS: the station answers DeleteCertificate Failed; the operator gets Failed,
    the certificate stays listed as installed and the failure is recorded."""
    reported = hash_data("0a1b")
    chain = [{"certificateType": "ManufacturerRootCertificate", "certificateHashData": reported}]
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            await operator_call(
                station,
                client.post("/stations/CS1/certificates/installed/refresh", json={}),
                "GetInstalledCertificateIds",
                {"status": "Accepted", "certificateHashDataChain": chain},
            )
            installed = await _wait_installed(client, 1)
            sent, answer = await operator_call(
                station,
                client.delete(f"/stations/CS1/certificates/installed/{installed[0]['id']}"),
                "DeleteCertificate",
                {"status": "Failed"},
            )
            operations = await _operations(client, 2)
            still = (await client.get("/stations/CS1/certificates/installed")).json()
    assert sent == {"certificateHashData": reported}
    assert answer == {"status": "Failed"}
    assert [row["id"] for row in still] == [installed[0]["id"]]
    assert (operations[0]["action"], operations[0]["status"]) == ("DeleteCertificate", "Failed")


@contextmanager
def contract_pool(seen: list[dict[str, Any]]) -> Iterator[str]:
    """A contract-certificate pool over HTTP: answers every request with an EXI response
    naming the action it was asked for."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            seen.append(body)
            reply = json.dumps({"status": "Accepted", "exiResponse": f"EXI-{body['action']}"})
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, *args: object) -> None:
            return None

    with serving(Handler, "/contracts") as url:
        yield url


@pytest.mark.parametrize("action", ["Install", "Update"], ids=["TC_M_26_CSMS", "TC_M_28_CSMS"])
async def test_ev_contract_certificate(action: str) -> None:
    """TC_M_26_CSMS (Certificate Installation EV), TC_M_28_CSMS (Certificate Update EV): the
    EV's EXI request goes to the contract-certificate pool unchanged and the station gets
    Accepted with the pool's EXI response."""
    seen: list[dict[str, Any]] = []
    request = {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": action,
        "exiRequest": "gAMcZXhpLXJlcXVlc3Q=",
    }
    with contract_pool(seen) as url:
        async with (
            live_server(certificates={"contract_provider_url": url}) as server,
            raw_station(server, "CS1") as station,
        ):
            await station.boot()
            answer = await station.call("Get15118EVCertificate", request)
    assert answer[0] == 3
    assert answer[2]["status"] == "Accepted"
    assert answer[2]["exiResponse"] == f"EXI-{action}"
    assert seen == [request]
