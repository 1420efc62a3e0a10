"""SetDisplayMessage with a start or end time, alone or for a running transaction (O01, O02):
the time reaches the station as the operator set it and the operator sees it kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.live import live_server
from tests.modules.display.test_display_messages import STATION, info, set_message
from tests.modules.helpers import booted, call_ok, client, eventually
from tests.modules.transactions.helpers import event

WHEN = "2030-01-01T08:00:00Z"


@pytest.mark.parametrize(
    ("field", "transaction"),
    [
        ("startDateTime", False),
        ("endDateTime", False),
        ("startDateTime", True),
        ("endDateTime", True),
    ],
    ids=["TC_O_13_CSMS", "TC_O_14_CSMS", "TC_O_27_CSMS", "TC_O_28_CSMS"],
)
async def test_message_with_a_time(field: str, transaction: bool) -> None:
    """TC_O_13_CSMS (display at StartTime), TC_O_14_CSMS (remove after EndTime), and for a
    specific, ongoing transaction TC_O_27_CSMS (StartTime), TC_O_28_CSMS (EndTime)."""
    extra = {field: WHEN}
    async with (
        live_server() as server,
        booted(server, "CS1") as station,
        client(server) as http,
    ):
        if transaction:
            started = event("Started", 0, "TX-O", "Authorized", evse=1, token="TOKEN-O")
            await call_ok(station, "TransactionEvent", started)
            extra["transactionId"] = "TX-O"
        message = info(5, "Charging at night", **extra)
        sent, answered = await set_message(station, http, message, {"status": "Accepted"})
        params = {"transactionId": "TX-O"} if transaction else {}

        async def listed() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (
                await http.get(f"{STATION}/messages", params=params)
            ).json()
            return found

        [shown] = await eventually(listed)
    assert sent == {"message": message}
    assert answered["status"] == "Accepted"
    other = "endDateTime" if field == "startDateTime" else "startDateTime"
    assert datetime.fromisoformat(shown[field]) == datetime(2030, 1, 1, 8, tzinfo=UTC)
    assert shown[other] is None
    assert shown["transactionId"] == ("TX-O" if transaction else None)
    assert (shown["status"], shown["message"]["content"]) == ("Accepted", "Charging at night")
