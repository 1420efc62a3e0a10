"""``authorization.authorize`` as the Transactions module calls it for the idToken of a
TransactionEvent (E01-E05: the CSMS re-checks what the station accepted from its cache or
local list), against the running server's database."""

from __future__ import annotations

import httpx
import pytest

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data import Session
from citrine_modules.evdriver.authorization import Authorization, authorization
from tests.live import LiveServer
from tests.modules.evdriver.support import (
    add_connector,
    booted,
    in_db,
    put_token,
    start_transaction,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATION = "RULES"


async def check(
    server: LiveServer,
    id_token: str,
    type: str = "ISO14443",
    *,
    station: str = STATION,
    **options: object,
) -> Authorization:
    token = datatypes.IdToken(id_token=id_token, type=enums.IdTokenEnum(type))

    async def work(session: Session) -> Authorization:
        return await authorization.authorize(
            session, StationKey("default", station), token, **options
        )  # type: ignore[arg-type]

    return await in_db(server, work)


async def status(server: LiveServer, id_token: str, **options: object) -> str:
    return (await check(server, id_token, **options)).info.status.value


async def test_cached_tokens_are_checked_again_TC_C_08_CSMS_TC_C_20_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """A TransactionEvent(Authorized) with a token the station took from its cache."""
    await put_token(client, "C08-VALID")
    await put_token(client, "C20-NOW-INVALID", status="Invalid")
    async with booted(server, STATION):
        valid = await check(server, "C08-VALID", evse_id=1, starting=True, transaction_id="t1")
        assert valid.accepted
        assert valid.token is not None
        assert await status(server, "C20-NOW-INVALID", evse_id=1) == "Invalid"
        assert await status(server, "C20-UNKNOWN", evse_id=1) == "Unknown"


async def test_another_member_of_the_group_stops_TC_C_40_CSMS_TC_C_43_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    """Both cards are in the local list with the same group; the second stops the
    transaction of the first: Accepted with the group, in both TransactionEventResponses."""
    await put_token(client, "C40-GROUP", "Central")
    group = {"idToken": "C40-GROUP", "type": "Central"}
    await put_token(client, "C40-A", groupIdToken=group, inLocalList=True)
    await put_token(client, "C40-B", groupIdToken=group, inLocalList=True)
    async with booted(server, STATION):
        started = await check(server, "C40-A", evse_id=1, starting=True, transaction_id="c40")
        await start_transaction(server, STATION, "c40", "C40-A")
        stopping = await check(server, "C40-B", evse_id=1, transaction_id="c40")
    for result in (started, stopping):
        assert result.info.status.value == "Accepted"
        assert result.info.group_id_token is not None
        assert result.info.group_id_token.id_token == "C40-GROUP"


async def test_master_pass_stops_but_never_starts_TC_C_49_CSMS(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "C49-MASTER", "Central", isMasterPass=True)
    await put_token(
        client, "C49-OFFICER", groupIdToken={"idToken": "C49-MASTER", "type": "Central"}
    )
    await put_token(client, "C49-DRIVER")
    async with booted(server, STATION):
        await start_transaction(server, STATION, "c49-1", "C49-DRIVER")
        stop = await check(server, "C49-OFFICER", evse_id=1, transaction_id="c49-1")
        assert stop.accepted  # TransactionEvent Ended, stoppedReason MasterPass
        assert stop.info.group_id_token is not None
        start = await check(server, "C49-OFFICER", evse_id=2, starting=True, transaction_id="x")
        assert start.info.status.value == "Invalid"


async def test_concurrent_transactions(server: LiveServer, client: httpx.AsyncClient) -> None:
    await put_token(client, "CC-ONE")
    await put_token(client, "CC-MANY", allowConcurrentTx=True)
    async with booted(server, STATION):
        await start_transaction(server, STATION, "cc-1", "CC-ONE")
        await start_transaction(server, STATION, "cc-2", "CC-MANY")
        # The same transaction again (a repeated Started) is not a second one.
        assert await status(server, "CC-ONE", starting=True, transaction_id="cc-1") == "Accepted"
        assert (
            await status(server, "CC-ONE", starting=True, transaction_id="cc-3") == "ConcurrentTx"
        )
        assert await status(server, "CC-ONE", transaction_id="cc-1") == "Accepted"  # an update
        assert await status(server, "CC-MANY", starting=True, transaction_id="cc-4") == "Accepted"


async def test_the_evse_of_the_transaction_counts(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await put_token(client, "EV-TWO", allowedEvseIds=[2])
    await put_token(client, "EV-AC", allowedConnectorTypes=["cType2"])
    async with booted(server, STATION):
        await add_connector(server, STATION, 1, "cCCS2")
        await add_connector(server, STATION, 2, "cType2")
        assert await status(server, "EV-TWO", evse_id=1) == "NotAllowedTypeEVSE"
        on_two = await check(server, "EV-TWO", evse_id=2)
        assert on_two.accepted
        assert on_two.info.evse_id == [2]
        assert await status(server, "EV-AC", evse_id=1) == "NotAllowedTypeEVSE"
        assert await status(server, "EV-AC", evse_id=2) == "Accepted"
