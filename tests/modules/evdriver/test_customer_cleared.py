"""Clearing a customer's data on a station (N10) takes the customer's token off that
station's local list (N10.FR.02)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.live import LiveServer, RawStation
from tests.modules.evdriver.support import answer_next, booted, eventually
from tests.modules.evdriver.test_local_list import ACCEPTED, listed, push, state

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def clear_customer(
    client: httpx.AsyncClient, station: RawStation, station_id: str, token: str
) -> dict[str, Any]:
    """The operator clears the customer of ``token``; the station accepts. Its request."""
    body = {"report": False, "clear": True, "idToken": {"idToken": token, "type": "ISO14443"}}
    reply = asyncio.create_task(
        client.post(f"/monitoring/stations/{station_id}/customerInformation", json=body)
    )
    frame = await answer_next(station, ACCEPTED, "CustomerInformation")
    assert (await reply).status_code == 200
    request: dict[str, Any] = frame[3]
    return request


async def test_cleared_customer_leaves_the_local_list_TC_N_46_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """TC_N_46_CSMS: the station holds a local list with the customer's token; once it
    accepts to clear that customer, the CSMS sends a Differential SendLocalList removing
    the token (no idTokenInfo), and the operator sees the list without it. Clearing a
    customer who is not on the list sends no list."""
    await listed(client, "N46", "N46-KEEP")
    await listed(client, "N46", "N46-GONE")
    async with booted(server, "N46") as station:
        [full], _ = await push(client, station, "N46", "Full", [ACCEPTED])
        assert len(full["localAuthorizationList"]) == 2
        await clear_customer(client, station, "N46", "N46-NOT-LISTED")
        sent = await clear_customer(client, station, "N46", "N46-GONE")
        update = await answer_next(station, ACCEPTED, "SendLocalList")

        async def removed() -> dict[str, Any] | None:
            current = await state(client, "N46")
            return current if current["entries"] == 1 else None

        after = await eventually(removed)
    assert sent["clear"] is True
    assert update[3] == {
        "versionNumber": 2,
        "updateType": "Differential",
        "localAuthorizationList": [{"idToken": {"idToken": "N46-GONE", "type": "ISO14443"}}],
    }
    assert (after["version"], after["needsFull"]) == (2, False)
