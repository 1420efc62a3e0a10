"""CustomerInformation and its NotifyCustomerInformation parts, over real websockets."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.live import RawStation, live_server
from tests.modules.helpers import answer, answer_error, booted, call_ok, client, eventually, now

PATH = "/monitoring/stations/CS1/customerInformation"
TOKEN = {"idToken": "04A2B3C4", "type": "ISO14443"}
CERTIFICATE = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a1b2",
    "issuerKeyHash": "c3d4",
    "serialNumber": "0f",
}


async def ask(
    station: RawStation, http: httpx.AsyncClient, body: dict[str, Any], status: str = "Accepted"
) -> tuple[dict[str, Any], dict[str, Any]]:
    reply = asyncio.create_task(http.post(PATH, json=body))
    sent = await answer(station, "CustomerInformation", {"status": status})
    response = await reply
    assert response.status_code == 200, response.text
    return sent, response.json()


async def notify(station: RawStation, request_id: int, seq_no: int, data: str, tbc: bool) -> None:
    payload = {
        "requestId": request_id,
        "seqNo": seq_no,
        "data": data,
        "tbc": tbc,
        "generatedAt": now(),
    }
    assert await call_ok(station, "NotifyCustomerInformation", payload) == {}


async def finished(http: httpx.AsyncClient, request_id: int) -> dict[str, Any] | None:
    body: dict[str, Any] = (await http.get(f"{PATH}/{request_id}")).json()
    return body if body["complete"] and body["status"] else None


class TestReport:
    async def test_accepted_with_data_in_parts(self) -> None:
        """TC_N_27_CSMS: report by idToken; the parts are assembled in seqNo order."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, started = await ask(
                station, http, {"report": True, "clear": False, "idToken": TOKEN}
            )
            request_id = started["requestId"]
            assert sent == {
                "requestId": request_id,
                "report": True,
                "clear": False,
                "idToken": TOKEN,
            }
            await notify(station, request_id, 0, "Name: J. Doe; ", True)
            await notify(station, request_id, 1, "Sessions: 12", False)
            done = await eventually(lambda: finished(http, request_id))
        assert started["status"] == "Accepted"
        assert done["data"] == "Name: J. Doe; Sessions: 12"
        assert (done["partsReceived"], done["missingSeqNos"]) == (2, [])
        assert (done["idToken"], done["idTokenType"]) == ("04A2B3C4", "ISO14443")

    async def test_accepted_no_data(self) -> None:
        """TC_N_28_CSMS: one part, empty data."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            _, started = await ask(
                station, http, {"report": True, "clear": False, "idToken": TOKEN}
            )
            await notify(station, started["requestId"], 0, "", False)
            done = await eventually(lambda: finished(http, started["requestId"]))
        assert (done["data"], done["partsReceived"]) == ("", 1)

    @pytest.mark.parametrize("status", ["Rejected", "Invalid"])
    async def test_not_accepted(self, status: str) -> None:
        """TC_N_29_CSMS: the refusal is shown and the request ends."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            _, started = await ask(
                station,
                http,
                {"report": True, "clear": False, "customerIdentifier": "cust-1"},
                status,
            )
            done = await eventually(lambda: finished(http, started["requestId"]))
        assert started["status"] == status
        assert (done["status"], done["partsReceived"]) == (status, 0)


class TestClear:
    async def test_clear_and_report_with_data(self) -> None:
        """TC_N_30_CSMS (with data) and TC_N_31_CSMS (a part without data)."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, started = await ask(
                station, http, {"report": True, "clear": True, "idToken": TOKEN}
            )
            await notify(station, started["requestId"], 0, "cleared: 3 records", False)
            done = await eventually(lambda: finished(http, started["requestId"]))
            _, second = await ask(station, http, {"report": True, "clear": True, "idToken": TOKEN})
            await notify(station, second["requestId"], 0, "", False)
            empty = await eventually(lambda: finished(http, second["requestId"]))
        assert (sent["clear"], sent["report"]) == (True, True)
        assert done["data"] == "cleared: 3 records"
        assert second["requestId"] != started["requestId"]
        assert empty["data"] == ""

    async def test_clear_without_report_ends_at_the_answer(self) -> None:
        """TC_N_32_CSMS: no report asked, so the Accepted answer completes the request."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            _, started = await ask(
                station, http, {"report": False, "clear": True, "idToken": TOKEN}
            )
            done = await eventually(lambda: finished(http, started["requestId"]))
        assert (done["status"], done["clear"], done["report"]) == ("Accepted", True, False)

    async def test_by_customer_identifier_and_certificate(self) -> None:
        """TC_N_62_CSMS (customerIdentifier) and TC_N_63_CSMS (customerCertificate)."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, _ = await ask(
                station, http, {"report": True, "clear": True, "customerIdentifier": "cust-42"}
            )
            by_certificate, _started = await ask(
                station, http, {"report": True, "clear": True, "customerCertificate": CERTIFICATE}
            )
            listed = (await http.get(PATH)).json()
        assert sent["customerIdentifier"] == "cust-42"
        assert by_certificate["customerCertificate"] == CERTIFICATE
        assert listed["total"] == 2
        assert listed["items"][0]["customerCertificate"] == CERTIFICATE


class TestRefusedBeforeTheStation:
    @pytest.mark.parametrize(
        "body",
        [
            {"report": True, "clear": False},
            {"report": True, "clear": False, "idToken": TOKEN, "customerIdentifier": "x"},
            {"report": False, "clear": False, "idToken": TOKEN},
            {"report": True, "clear": False, "idToken": {"idToken": "x", "type": "Nonsense"}},
        ],
    )
    async def test_bad_bodies(self, body: dict[str, Any]) -> None:
        async with live_server() as server, booted(server, "CS1"), client(server) as http:
            response = await http.post(PATH, json=body)
        assert response.status_code == 422

    async def test_station_call_error_and_silence(self) -> None:
        async with (
            live_server(ocpp={"call_timeout": 0.5}) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(
                http.post(PATH, json={"report": True, "clear": False, "idToken": TOKEN})
            )
            await answer_error(station, "CustomerInformation", "NotSupported")
            refused = await reply
            reply = asyncio.create_task(
                http.post(PATH, json={"report": True, "clear": False, "idToken": TOKEN})
            )
            await station.recv()
            silent = await reply
            listed = await eventually(lambda: _all_ended(http))
        assert refused.status_code == 502
        assert silent.status_code == 504
        assert sorted(item["status"] for item in listed) == ["NotSupported", "local:timeout"]


async def _all_ended(http: httpx.AsyncClient) -> list[dict[str, Any]] | None:
    items: list[dict[str, Any]] = (await http.get(PATH)).json()["items"]
    return items if items and all(item["status"] for item in items) else None
