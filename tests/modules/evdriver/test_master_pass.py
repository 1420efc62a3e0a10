"""A master pass on a station with a user interface (C16): it stops the transactions the
officer picks there, and only those."""

from __future__ import annotations

import httpx
import pytest

from tests.live import LiveServer
from tests.modules.evdriver.support import authorize, booted, put_token
from tests.modules.helpers import call_ok
from tests.modules.transactions.helpers import event

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_master_pass_stops_the_chosen_transaction_TC_C_48_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """TC_C_48_CSMS: two drivers charge; the master pass is Authorized with its group; the
    station ends only the transaction picked on its UI (StopAuthorized, MasterPass, the
    master pass token), which the CSMS accepts; the other one goes on charging."""
    await put_token(client, "C48-MASTER", "Central", isMasterPass=True)
    await put_token(
        client, "C48-OFFICER", groupIdToken={"idToken": "C48-MASTER", "type": "Central"}
    )
    await put_token(client, "C48-DRIVER1")
    await put_token(client, "C48-DRIVER2")
    async with booted(server, "C48") as station:
        for evse, name in ((1, "C48-TX-1"), (2, "C48-TX-2")):
            started = event("Started", 0, name, "Authorized", evse=evse, token=f"C48-DRIVER{evse}")
            answer = await call_ok(station, "TransactionEvent", started)
            assert answer["idTokenInfo"]["status"] == "Accepted"
        info = (await authorize(station, "C48-OFFICER"))["idTokenInfo"]
        ended = event(
            "Ended",
            1,
            "C48-TX-2",
            "StopAuthorized",
            token="C48-OFFICER",
            stoppedReason="MasterPass",
        )
        stopped = await call_ok(station, "TransactionEvent", ended)
    first = (await client.get("/transactions/C48-TX-1")).json()
    second = (await client.get("/transactions/C48-TX-2")).json()
    assert info == {
        "status": "Accepted",
        "groupIdToken": {"idToken": "C48-MASTER", "type": "Central"},
    }
    assert stopped["idTokenInfo"]["status"] == "Accepted"
    assert (second["state"], second["stoppedReason"]) == ("ended", "MasterPass")
    assert (first["state"], first["idToken"]) == ("active", "C48-DRIVER1")
