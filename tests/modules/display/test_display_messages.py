"""Display messages over real websockets: set, replace, clear, query with parts (block O)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.live import RawStation, live_server
from tests.modules.helpers import answer, booted, call_ok, client, eventually

STATION = "/display/stations/CS1"


def info(message_id: int, content: str = "Welcome", **extra: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "priority": "NormalCycle",
        "message": {"format": "UTF8", "language": "en", "content": content},
        **extra,
    }


async def set_message(
    station: RawStation,
    http: httpx.AsyncClient,
    message: dict[str, Any],
    answer_with: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    reply = asyncio.create_task(http.post(f"{STATION}/messages", json={"message": message}))
    sent = await answer(station, "SetDisplayMessage", answer_with)
    response = await reply
    assert response.status_code == 200, response.text
    return sent, response.json()


async def stored(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await http.get(f"{STATION}/messages")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def with_contents(http: httpx.AsyncClient, *contents: str) -> Any:
    async def check() -> list[dict[str, Any]] | None:
        found = await stored(http)
        return found if [m["message"]["content"] for m in found] == list(contents) else None

    return check


class TestSetDisplayMessage:
    async def test_set_then_replace_by_id(self) -> None:
        """TC_O_01_CSMS, TC_O_12_CSMS (same id replaces); start and end times are sent (the
        cases TC_O_13/O_14 on their own: test_display_timing.py)."""
        timed = info(1, startDateTime="2030-01-01T08:00:00Z", endDateTime="2030-01-01T20:00:00Z")
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, answered = await set_message(station, http, timed, {"status": "Accepted"})
            assert sent == {"message": timed}
            assert answered["status"] == "Accepted"
            await eventually(with_contents(http, "Welcome"))
            await set_message(
                station, http, info(1, "Bienvenue", priority="InFront"), {"status": "Accepted"}
            )
            [message] = await eventually(with_contents(http, "Bienvenue"))
        assert (message["id"], message["priority"], message["status"]) == (1, "InFront", "Accepted")

    async def test_transaction_message_and_unknown_transaction(self) -> None:
        """TC_O_06_CSMS (tied to a transaction; TC_O_27/O_28 with a running one:
        test_display_timing.py) and TC_O_10_CSMS (the station answers UnknownTransaction: the
        status is reported and kept)."""
        tied = info(
            2,
            "Charging...",
            transactionId="tx-1",
            state="Charging",
            endDateTime="2030-01-01T20:00:00Z",
        )
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, _ = await set_message(station, http, tied, {"status": "Accepted"})
            _, unknown = await set_message(
                station, http, info(3, transactionId="nope"), {"status": "UnknownTransaction"}
            )
            found = await eventually(with_contents(http, "Charging...", "Welcome"))
            by_transaction = (
                await http.get(f"{STATION}/messages", params={"transactionId": "tx-1"})
            ).json()
        assert sent["message"]["transactionId"] == "tx-1"
        assert unknown["status"] == "UnknownTransaction"
        assert [(m["transactionId"], m["status"]) for m in found] == [
            ("tx-1", "Accepted"),
            ("nope", "UnknownTransaction"),
        ]
        assert found[0]["state"] == "Charging"
        assert [m["id"] for m in by_transaction] == [2]

    @pytest.mark.parametrize(
        ("status", "message"),
        [
            ("NotSupportedPriority", info(4, priority="AlwaysFront")),  # TC_O_17_CSMS
            ("NotSupportedState", info(4, state="Faulted")),  # TC_O_18_CSMS
            (
                "NotSupportedMessageFormat",
                info(4, message={"format": "HTML", "content": "<b>x</b>"}),
            ),  # TC_O_19_CSMS
            ("Rejected", info(4)),  # TC_O_26_CSMS
        ],
    )
    async def test_refusals_are_reported(self, status: str, message: dict[str, Any]) -> None:
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            _, answered = await set_message(
                station,
                http,
                message,
                {"status": status, "statusInfo": {"reasonCode": "NoSupport"}},
            )
            [kept] = await eventually(lambda: stored(http))
        assert answered == {"status": status, "reasonCode": "NoSupport", "additionalInfo": None}
        assert (kept["status"], kept["statusReason"]) == (status, "NoSupport")

    async def test_refused_replacement_keeps_the_shown_message(self) -> None:
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await set_message(station, http, info(5, "shown"), {"status": "Accepted"})
            await eventually(with_contents(http, "shown"))
            await set_message(station, http, info(5, "refused"), {"status": "Rejected"})
            await asyncio.sleep(0.3)
            [message] = await stored(http)
        assert (message["message"]["content"], message["status"]) == ("shown", "Accepted")

    async def test_display_component_and_specific_state(self) -> None:
        """TC_O_25_CSMS: a specific state and a display are sent as given."""
        message = info(6, state="Idle", display={"name": "Display", "evse": {"id": 1}})
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, _ = await set_message(station, http, message, {"status": "Accepted"})
            [kept] = await eventually(lambda: stored(http))
        assert sent["message"]["display"] == {"name": "Display", "evse": {"id": 1}}
        assert kept["display"] == {
            "name": "Display",
            "instance": None,
            "evseId": 1,
            "connectorId": None,
        }
        assert kept["state"] == "Idle"

    async def test_bad_message_refused_before_the_station(self) -> None:
        async with live_server() as server, booted(server, "CS1"), client(server) as http:
            too_long = info(7, "x" * 513)
            response = await http.post(f"{STATION}/messages", json={"message": too_long})
            no_format = await http.post(
                f"{STATION}/messages",
                json={"message": {"id": 1, "priority": "NormalCycle", "message": {"content": "x"}}},
            )
        assert response.status_code == 422
        assert no_format.status_code == 422


class TestClearDisplayMessage:
    async def test_clear_and_unknown_key(self) -> None:
        """TC_O_04_CSMS (Accepted: gone) and TC_O_05_CSMS (Unknown)."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await set_message(station, http, info(1), {"status": "Accepted"})
            await eventually(lambda: stored(http))
            reply = asyncio.create_task(http.delete(f"{STATION}/messages/1"))
            assert await answer(station, "ClearDisplayMessage", {"status": "Accepted"}) == {"id": 1}
            cleared = (await reply).json()
            await eventually(lambda: _none(stored(http)))
            reply = asyncio.create_task(http.delete(f"{STATION}/messages/99"))
            await answer(station, "ClearDisplayMessage", {"status": "Unknown"})
            unknown = (await reply).json()
            missing = await http.get(f"{STATION}/messages/1")
        assert cleared["status"] == "Accepted"
        assert unknown["status"] == "Unknown"
        assert missing.status_code == 404


async def _none(pending: Any) -> str | None:
    return "none" if not await pending else None


async def query(
    station: RawStation, http: httpx.AsyncClient, criteria: dict[str, Any], status: str
) -> tuple[dict[str, Any], int]:
    reply = asyncio.create_task(http.post(f"{STATION}/messageQueries", json=criteria))
    sent = await answer(station, "GetDisplayMessages", {"status": status})
    body = (await reply).json()
    assert body["status"] == status
    return sent, body["requestId"]


def query_done(http: httpx.AsyncClient, request_id: int) -> Any:
    async def check() -> dict[str, Any] | None:
        body: dict[str, Any] = (await http.get(f"{STATION}/messageQueries/{request_id}")).json()
        return body if body["complete"] and body["status"] else None

    return check


class TestGetDisplayMessages:
    async def test_all_messages_in_parts(self) -> None:
        """TC_O_02_CSMS: the report comes in NotifyDisplayMessages parts (tbc); a report of
        everything replaces what we knew."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await set_message(station, http, info(9, "expired"), {"status": "Accepted"})
            await eventually(lambda: stored(http))
            sent, request_id = await query(station, http, {}, "Accepted")
            assert sent == {"requestId": request_id}
            for messages, tbc in (([info(1, "a"), info(2, "b")], True), ([info(3, "c")], False)):
                assert (
                    await call_ok(
                        station,
                        "NotifyDisplayMessages",
                        {"requestId": request_id, "messageInfo": messages, "tbc": tbc},
                    )
                    == {}
                )
            done = await eventually(query_done(http, request_id))
            found = await eventually(with_contents(http, "a", "b", "c"))
        assert done["partsReceived"] == 2
        assert [m["id"] for m in done["messages"]] == [1, 2, 3]
        assert {m["status"] for m in found} == {"Reported"}

    async def test_no_messages_configured(self) -> None:
        """TC_O_03_CSMS: Unknown to a query of everything: the station has no message."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await set_message(station, http, info(1), {"status": "Accepted"})
            await eventually(lambda: stored(http))
            _, request_id = await query(station, http, {}, "Unknown")
            done = await eventually(query_done(http, request_id))
            await eventually(lambda: _none(stored(http)))
        assert done["partsReceived"] == 0

    @pytest.mark.parametrize(
        "criteria",
        [
            {"id": [1]},  # TC_O_07_CSMS
            {"priority": "InFront"},  # TC_O_08_CSMS
            {"state": "Charging"},  # TC_O_09_CSMS
        ],
    )
    async def test_specific_query_sent_as_asked(self, criteria: dict[str, Any]) -> None:
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            sent, request_id = await query(station, http, criteria, "Accepted")
            await call_ok(
                station,
                "NotifyDisplayMessages",
                {"requestId": request_id, "messageInfo": [info(1, "one", priority="InFront")]},
            )
            done = await eventually(query_done(http, request_id))
        assert sent == {"requestId": request_id, **criteria}
        assert [m["id"] for m in done["messages"]] == [1]

    async def test_unknown_parameters(self) -> None:
        """TC_O_11_CSMS: a filtered query answered Unknown ends with nothing and forgets
        nothing."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await set_message(station, http, info(1), {"status": "Accepted"})
            await eventually(lambda: stored(http))
            _, request_id = await query(station, http, {"id": [42]}, "Unknown")
            done = await eventually(query_done(http, request_id))
            left = await stored(http)
        assert (done["status"], done["messages"]) == ("Unknown", [])
        assert len(left) == 1

    async def test_query_of_a_silent_station(self) -> None:
        async with (
            live_server(ocpp={"call_timeout": 0.5}) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(http.post(f"{STATION}/messageQueries", json={}))
            await station.recv()
            response = await reply
            listed = await eventually(lambda: _ended(http))
        assert response.status_code == 504
        assert listed[0]["status"] == "local:timeout"


async def _ended(http: httpx.AsyncClient) -> list[dict[str, Any]] | None:
    items: list[dict[str, Any]] = (await http.get(f"{STATION}/messageQueries")).json()["items"]
    return items if items and items[0]["status"] else None
