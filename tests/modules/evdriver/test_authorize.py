"""Authorize over a real websocket: what a station is told about each kind of token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from citrine_data import Session
from citrine_data.models import Location
from tests.live import LiveServer
from tests.modules.evdriver.support import (
    add_connector,
    authorize,
    booted,
    in_db,
    put_token,
    start_transaction,
    station_row,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


class TestStatus:
    async def test_unknown_and_invalid_tokens_TC_C_02_CSMS(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(client, "C02-INVALID", status="Invalid")
        async with booted(server, "C02") as station:
            assert await authorize(station, "C02-NOBODY") == {"idTokenInfo": {"status": "Unknown"}}
            assert (await authorize(station, "C02-INVALID"))["idTokenInfo"]["status"] == "Invalid"

    async def test_blocked_token_TC_C_06_CSMS(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(client, "C06-BLOCKED", status="Blocked")
        async with booted(server, "C06") as station:
            assert (await authorize(station, "C06-BLOCKED"))["idTokenInfo"]["status"] == "Blocked"

    async def test_expired_token_TC_C_07_CSMS(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        past = datetime(2026, 1, 1, tzinfo=UTC)
        future = datetime.now(UTC) + timedelta(days=30)
        await put_token(client, "C07-MARKED", status="Expired")
        await put_token(client, "C07-DATED", cacheExpiryDateTime=past.isoformat())
        await put_token(client, "C07-VALID", cacheExpiryDateTime=future.isoformat())
        async with booted(server, "C07") as station:
            assert (await authorize(station, "C07-MARKED"))["idTokenInfo"]["status"] == "Expired"
            dated = (await authorize(station, "C07-DATED"))["idTokenInfo"]
            assert dated == {"status": "Expired", "cacheExpiryDateTime": "2026-01-01T00:00:00Z"}
            valid = (await authorize(station, "C07-VALID"))["idTokenInfo"]
            assert valid["status"] == "Accepted"
            # C10.FR.08: the station caches the token until then, not for its own LifeTime.
            assert valid["cacheExpiryDateTime"].startswith(future.strftime("%Y-%m-%dT%H:%M"))

    async def test_free_vend_and_case_insensitive_tokens(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(client, "04A2B3C4", "ISO14443")
        async with booted(server, "CASE") as station:
            free = await authorize(station, "", "NoAuthorization")
            assert free == {"idTokenInfo": {"status": "Accepted"}}
            lower = await authorize(station, "04a2b3c4", "ISO14443")
            assert lower["idTokenInfo"]["status"] == "Accepted"
            other_type = await authorize(station, "04A2B3C4", "ISO15693")
            assert other_type["idTokenInfo"]["status"] == "Unknown"

    async def test_what_the_driver_sees_is_returned(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(
            client,
            "INFO-1",
            chargingPriority=3,
            language1="nl",
            language2="en",
            personalMessage={"format": "UTF8", "language": "nl", "content": "Welkom terug"},
        )
        async with booted(server, "INFO") as station:
            info = (await authorize(station, "INFO-1"))["idTokenInfo"]
        assert info == {
            "status": "Accepted",
            "chargingPriority": 3,
            "language1": "nl",
            "language2": "en",
            "personalMessage": {"format": "UTF8", "language": "nl", "content": "Welkom terug"},
        }


class TestGroups:
    async def test_group_token_returned_to_every_member_TC_C_39_CSMS(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(client, "C39-FLEET", "Central")
        group = {"idToken": "C39-FLEET", "type": "Central"}
        await put_token(client, "C39-CARD1", groupIdToken=group)
        await put_token(client, "C39-CARD2", groupIdToken=group)
        async with booted(server, "C39") as station:
            for card in ("C39-CARD1", "C39-CARD2"):
                info = (await authorize(station, card))["idTokenInfo"]
                assert info == {"status": "Accepted", "groupIdToken": group}

    async def test_a_blocked_group_blocks_its_members(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(client, "BG-FLEET", "Central", status="Blocked")
        await put_token(client, "BG-CARD", groupIdToken={"idToken": "BG-FLEET", "type": "Central"})
        async with booted(server, "BG") as station:
            info = (await authorize(station, "BG-CARD"))["idTokenInfo"]
        assert info["status"] == "Blocked"
        assert info["groupIdToken"]["idToken"] == "BG-FLEET"

    async def test_master_pass_is_accepted_while_others_charge_TC_C_47_CSMS(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        """TC_C_47_CSMS (the Authorize step of C_48/C_49 too): the master pass Authorize is
        Accepted with its group, even though two transactions of other tokens run on the
        station."""
        await put_token(client, "MP-GROUP", "Central", isMasterPass=True)
        await put_token(client, "MP-CARD", groupIdToken={"idToken": "MP-GROUP", "type": "Central"})
        await put_token(client, "MP-DRIVER1")
        await put_token(client, "MP-DRIVER2")
        async with booted(server, "C47") as station:
            await start_transaction(server, "C47", "tx-mp-1", "MP-DRIVER1")
            await start_transaction(server, "C47", "tx-mp-2", "MP-DRIVER2")
            info = (await authorize(station, "MP-CARD"))["idTokenInfo"]
        assert info == {
            "status": "Accepted",
            "groupIdToken": {"idToken": "MP-GROUP", "type": "Central"},
        }


class TestWhere:
    async def test_limited_to_other_stations_or_locations(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with booted(server, "LOC-A") as station:

            async def place_station(session: Session) -> int:
                location = Location(tenant_id="default", name="Depot")
                session.add(location)
                await session.flush()
                (await station_row(session, "LOC-A")).location_pk = location.id
                return location.id

            depot = await in_db(server, place_station)
            await put_token(client, "WHERE-ELSE", allowedStationIds=["LOC-B"])
            await put_token(client, "WHERE-HERE", allowedStationIds=["LOC-B", "LOC-A"])
            await put_token(client, "WHERE-DEPOT", allowedLocationIds=[depot])
            await put_token(client, "WHERE-NOTDEPOT", allowedLocationIds=[depot + 1])
            results = {
                name: (await authorize(station, name))["idTokenInfo"]["status"]
                for name in ("WHERE-ELSE", "WHERE-HERE", "WHERE-DEPOT", "WHERE-NOTDEPOT")
            }
        assert results == {
            "WHERE-ELSE": "NotAtThisLocation",
            "WHERE-HERE": "Accepted",
            "WHERE-DEPOT": "Accepted",
            "WHERE-NOTDEPOT": "NotAtThisLocation",
        }

    async def test_limited_to_evses_and_connector_types(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        async with booted(server, "EVSES") as station:
            await add_connector(server, "EVSES", 1, "cCCS2")
            await add_connector(server, "EVSES", 2, "cType2")
            await put_token(client, "E-TWO", allowedEvseIds=[2])
            await put_token(client, "E-NINE", allowedEvseIds=[9])
            await put_token(client, "E-AC", allowedConnectorTypes=["cType2"])
            await put_token(client, "E-TESLA", allowedConnectorTypes=["cTesla"])
            await put_token(client, "E-ALL", allowedEvseIds=[])
            infos = {
                name: (await authorize(station, name))["idTokenInfo"]
                for name in ("E-TWO", "E-NINE", "E-AC", "E-TESLA", "E-ALL")
            }
        assert infos == {
            "E-TWO": {"status": "Accepted", "evseId": [2]},
            "E-NINE": {"status": "NotAtThisLocation"},
            "E-AC": {"status": "Accepted", "evseId": [2]},
            "E-TESLA": {"status": "NotAllowedTypeEVSE"},
            "E-ALL": {"status": "Accepted"},  # an empty list is no limit
        }


class TestConcurrentTransactions:
    async def test_a_token_charging_elsewhere_is_refused(
        self, server: LiveServer, client: httpx.AsyncClient
    ) -> None:
        await put_token(client, "CTX-ONE")
        await put_token(client, "CTX-MANY", allowConcurrentTx=True)
        async with booted(server, "CTX-A") as here, booted(server, "CTX-B") as there:
            await start_transaction(server, "CTX-A", "tx-ctx-1", "CTX-ONE")
            await start_transaction(server, "CTX-A", "tx-ctx-2", "CTX-MANY")
            # At its own station the driver may be coming to stop: not refused.
            assert (await authorize(here, "CTX-ONE"))["idTokenInfo"]["status"] == "Accepted"
            elsewhere = (await authorize(there, "CTX-ONE"))["idTokenInfo"]["status"]
            many = (await authorize(there, "CTX-MANY"))["idTokenInfo"]["status"]
        assert (elsewhere, many) == ("ConcurrentTx", "Accepted")
