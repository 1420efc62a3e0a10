"""SetChargingProfile from the REST API to a station over a real websocket: the K01 rules are
applied before anything is sent, and the profile is stored with the station's answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, messages
from citrine_data.repositories.device_model import ComponentKey, VariableKey
from tests.live import LiveServer
from tests.modules.smart_charging.helpers import (
    SET,
    Station,
    command,
    eventually,
    profile,
    set_device_variable,
    smart_charging_ctrlr,
    start_transaction,
)

PROFILES = "/smart-charging/stations/CS1/charging-profiles"


async def stored(client: httpx.AsyncClient, count: int = 1) -> list[dict[str, Any]]:
    async def listing() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await client.get(PROFILES)).json()["items"]
        return items if len(items) == count else None

    return await eventually(listing) or (await client.get(PROFILES)).json()["items"]


async def refused(client: httpx.AsyncClient, station: Station, body: dict[str, Any]) -> str:
    """The command is refused with 422 and nothing reaches the station."""
    response, _ = await command(client, station, SET, body)
    assert response.status_code == 422, response.text
    assert await station.nothing_sent()
    detail: str = response.json()["detail"]
    return detail


class TestAccepted:
    async def test_tx_default_profile_on_one_evse_is_sent_and_stored(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_01_CSMS."""
        body = {"evseId": 1, "chargingProfile": profile(7, limit=6.0)}
        response, frame = await command(client, station, SET, body, {"status": "Accepted"})
        assert response.status_code == 200
        assert frame is not None
        assert frame[2] == "SetChargingProfile"
        assert frame[3]["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 6.0}
        ]
        [item] = await stored(client)
        assert (item["evseId"], item["status"], item["source"]) == (1, "Accepted", "csms")
        assert item["chargingProfile"]["id"] == 7

    async def test_tx_default_profile_for_all_evses(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_10_CSMS: evseId 0 applies the TxDefaultProfile to every EVSE."""
        body = {"evseId": 0, "chargingProfile": profile(2)}
        response, frame = await command(client, station, SET, body, {"status": "Accepted"})
        assert response.status_code == 200
        assert frame is not None
        assert frame[3]["evseId"] == 0
        [item] = await stored(client)
        assert item["evseId"] == 0

    async def test_station_max_profile(self, client: httpx.AsyncClient, station: Station) -> None:
        """TC_K_03_CSMS."""
        body = {"evseId": 0, "chargingProfile": profile(3, purpose="ChargingStationMaxProfile")}
        response, _ = await command(client, station, SET, body, {"status": "Accepted"})
        assert response.status_code == 200
        [item] = await stored(client)
        assert item["chargingProfile"]["chargingProfilePurpose"] == "ChargingStationMaxProfile"

    async def test_the_same_id_replaces_the_profile(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_04_CSMS: a second profile with the same id, same stack level and purpose is
        not a K01.FR.06 conflict; it replaces the first."""
        for limit in (10.0, 12.0):
            body = {"evseId": 1, "chargingProfile": profile(5, limit=limit)}
            response, _ = await command(client, station, SET, body, {"status": "Accepted"})
            assert response.status_code == 200

        async def replaced() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await client.get(PROFILES)).json()["items"]
            period = items[0]["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"]
            return items if period[0]["limit"] == 12.0 else None

        assert len(await eventually(replaced)) == 1

    async def test_recurring_profile(self, client: httpx.AsyncClient, station: Station) -> None:
        """TC_K_19_CSMS."""
        body = {
            "evseId": 1,
            "chargingProfile": profile(
                4,
                kind="Recurring",
                recurrencyKind="Daily",
                periods=[{"startPeriod": 0, "limit": 8.0}, {"startPeriod": 3600, "limit": 16.0}],
                schedule={"duration": 7200},
            ),
        }
        response, _ = await command(client, station, SET, body, {"status": "Accepted"})
        assert response.status_code == 200
        [item] = await stored(client)
        assert item["chargingProfile"]["recurrencyKind"] == "Daily"

    async def test_multiple_profiles(self, client: httpx.AsyncClient, station: Station) -> None:
        """TC_K_70_CSMS: two ids, two purposes, two stack levels."""
        first = {"evseId": 1, "chargingProfile": profile(1, stack_level=0, limit=6.0)}
        second = {
            "evseId": 0,
            "chargingProfile": profile(
                2, purpose="ChargingStationMaxProfile", stack_level=1, limit=8.0
            ),
        }
        for body in (first, second):
            response, _ = await command(client, station, SET, body, {"status": "Accepted"})
            assert response.status_code == 200
        assert {item["chargingProfile"]["id"] for item in await stored(client, 2)} == {1, 2}

    async def test_tx_profile_with_a_running_transaction(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_60_CSMS."""
        await start_transaction(server, "CS1", "TX-60", evse_id=1)
        tx = profile(9, purpose="TxProfile", transactionId="TX-60")
        response, frame = await command(
            client, station, SET, {"evseId": 1, "chargingProfile": tx}, {"status": "Accepted"}
        )
        assert response.status_code == 200
        assert frame is not None
        assert frame[3]["chargingProfile"]["transactionId"] == "TX-60"


class TestRemoteStart:
    async def test_the_tx_profile_of_a_remote_start_is_stored(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_37_CSMS: RequestStartTransaction with a TxProfile (sent by the module that
        owns it; here straight through the command sender)."""
        request = messages.RequestStartTransactionRequest.model_validate_json(
            orjson.dumps(
                {
                    "idToken": {"idToken": "TOKEN1", "type": "ISO14443"},
                    "remoteStartId": 1,
                    "evseId": 1,
                    "chargingProfile": profile(21, purpose="TxProfile", limit=10.0),
                }
            )
        )
        sending = asyncio.create_task(
            server.runtime.deps.commands.call(
                StationKey("default", "CS1"), Action.REQUEST_START_TRANSACTION, request
            )
        )
        frame = await station.next_call("RequestStartTransaction")
        assert frame[3]["chargingProfile"]["chargingProfilePurpose"] == "TxProfile"
        await station.reply(frame, {"status": "Accepted", "transactionId": "TX-37"})
        await sending
        [item] = await stored(client)
        assert item["chargingProfile"]["transactionId"] == "TX-37"
        assert (item["evseId"], item["status"]) == (1, "Accepted")


class TestStationAnswers:
    async def test_rejected_is_stored_as_rejected(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        body = {"evseId": 1, "chargingProfile": profile(3)}
        response, _ = await command(client, station, SET, body, {"status": "Rejected"})
        assert response.status_code == 200
        assert response.json()[0]["payload"] == {"status": "Rejected"}
        [item] = await stored(client)
        assert item["status"] == "Rejected"

    async def test_a_rejected_replacement_keeps_the_installed_profile(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        accepted = {"evseId": 1, "chargingProfile": profile(3, limit=10.0)}
        await command(client, station, SET, accepted, {"status": "Accepted"})
        await stored(client)
        refused_by_station = {"evseId": 1, "chargingProfile": profile(3, limit=20.0)}
        await command(client, station, SET, refused_by_station, {"status": "Rejected"})
        [item] = (await client.get(PROFILES)).json()["items"]
        assert item["status"] == "Accepted"
        schedule = item["chargingProfile"]["chargingSchedule"][0]
        assert schedule["chargingSchedulePeriod"][0]["limit"] == 10.0

    async def test_a_station_without_smart_charging(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_15_CSMS: the station answers CALLERROR NotSupported; the operator sees it and
        nothing is stored as installed."""
        body = {"evseId": 1, "chargingProfile": profile(1, limit=6.0, schedule={"duration": 600})}
        sent = client.post(SET, params={"identifier": "CS1", "wait": 10}, json=body)
        reply = asyncio.create_task(sent)
        frame = await station.next_call("SetChargingProfile")
        await station.reply_error(frame, "NotSupported", "No smart charging here")
        response = await reply
        assert response.status_code == 502
        assert response.json()[0]["error"]["code"] == "NotSupported"
        await asyncio.sleep(0.3)
        assert (await client.get(PROFILES)).json()["items"] == []


class TestRefusedBeforeSending:
    """An invalid profile never reaches the station: 422 with what is wrong."""

    async def test_external_constraints_are_never_sent(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        body = {
            "evseId": 0,
            "chargingProfile": profile(1, purpose="ChargingStationExternalConstraints"),
        }
        assert "K01.FR.22" in await refused(client, station, body)

    async def test_station_max_profile_only_on_evse_0_and_not_relative(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        on_evse = {"evseId": 1, "chargingProfile": profile(1, purpose="ChargingStationMaxProfile")}
        assert "only set on evseId 0" in await refused(client, station, on_evse)
        relative = {
            "evseId": 0,
            "chargingProfile": profile(1, purpose="ChargingStationMaxProfile", kind="Relative"),
        }
        assert "cannot be Relative" in await refused(client, station, relative)

    async def test_tx_profile_needs_a_running_transaction(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """TC_K_02_CSMS: refused here, before the station could reject it."""
        no_id = {"evseId": 1, "chargingProfile": profile(1, purpose="TxProfile")}
        assert "needs the transactionId" in await refused(client, station, no_id)
        unknown = {
            "evseId": 1,
            "chargingProfile": profile(1, purpose="TxProfile", transactionId="NOPE"),
        }
        assert "not running" in await refused(client, station, unknown)
        await start_transaction(server, "CS1", "TX-2", evse_id=2)
        elsewhere = {
            "evseId": 1,
            "chargingProfile": profile(1, purpose="TxProfile", transactionId="TX-2"),
        }
        assert "runs on EVSE 2" in await refused(client, station, elsewhere)
        on_station = {
            "evseId": 0,
            "chargingProfile": profile(1, purpose="TxProfile", transactionId="TX-2"),
        }
        assert "evseId > 0" in await refused(client, station, on_station)

    async def test_schedule_shape(self, client: httpx.AsyncClient, station: Station) -> None:
        late_start = profile(1, periods=[{"startPeriod": 60, "limit": 10.0}])
        detail = await refused(client, station, {"evseId": 1, "chargingProfile": late_start})
        assert "first startPeriod must be 0" in detail
        backwards = profile(
            1,
            periods=[
                {"startPeriod": 0, "limit": 10.0},
                {"startPeriod": 600, "limit": 8.0},
                {"startPeriod": 300, "limit": 6.0},
            ],
        )
        detail = await refused(client, station, {"evseId": 1, "chargingProfile": backwards})
        assert "ascending" in detail
        no_start = profile(1)
        del no_start["chargingSchedule"][0]["startSchedule"]
        detail = await refused(client, station, {"evseId": 1, "chargingProfile": no_start})
        assert "needs chargingSchedule.startSchedule" in detail
        relative = profile(1, kind="Relative", schedule={"startSchedule": "2026-01-01T00:00:00Z"})
        detail = await refused(client, station, {"evseId": 1, "chargingProfile": relative})
        assert "must not have chargingSchedule.startSchedule" in detail
        three_phase = profile(
            1, periods=[{"startPeriod": 0, "limit": 10.0, "numberPhases": 3, "phaseToUse": 1}]
        )
        detail = await refused(client, station, {"evseId": 1, "chargingProfile": three_phase})
        assert "phaseToUse is only allowed with numberPhases 1" in detail

    async def test_no_two_profiles_on_one_stack_level(
        self, client: httpx.AsyncClient, station: Station
    ) -> None:
        """K01.FR.06: same stack level, purpose and EVSE with overlapping validity."""
        first = {"evseId": 1, "chargingProfile": profile(1, stack_level=2)}
        await command(client, station, SET, first, {"status": "Accepted"})
        await stored(client)
        clash = {"evseId": 1, "chargingProfile": profile(2, stack_level=2)}
        assert "K01.FR.06" in await refused(client, station, clash)
        now = datetime.now(UTC)
        later = profile(
            3,
            stack_level=2,
            validFrom=(now + timedelta(days=1)).isoformat(),
            validTo=(now + timedelta(days=2)).isoformat(),
        )
        assert "K01.FR.06" in await refused(
            client, station, {"evseId": 1, "chargingProfile": later}
        )
        other_evse = {"evseId": 2, "chargingProfile": profile(4, stack_level=2)}
        response, _ = await command(client, station, SET, other_evse, {"status": "Accepted"})
        assert response.status_code == 200

    async def test_no_two_tx_profiles_of_a_transaction_on_one_level(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        """K01.FR.39."""
        await start_transaction(server, "CS1", "TX-39", evse_id=1)
        first = profile(1, purpose="TxProfile", transactionId="TX-39", stack_level=1)
        await command(
            client, station, SET, {"evseId": 1, "chargingProfile": first}, {"status": "Accepted"}
        )
        await stored(client)
        again = profile(2, purpose="TxProfile", transactionId="TX-39", stack_level=1)
        assert "K01.FR.39" in await refused(
            client, station, {"evseId": 1, "chargingProfile": again}
        )

    async def test_the_station_device_model_limits(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        await smart_charging_ctrlr(
            server, "CS1", RateUnit="W", PeriodsPerSchedule="2", ProfileStackLevel="3"
        )
        amps = {"evseId": 1, "chargingProfile": profile(1, unit="A")}
        assert "chargingRateUnit A is not supported" in await refused(client, station, amps)
        many = profile(
            1,
            unit="W",
            periods=[{"startPeriod": offset, "limit": 4000.0} for offset in (0, 60, 120)],
        )
        detail = await refused(client, station, {"evseId": 1, "chargingProfile": many})
        assert "3 periods, the station takes at most 2" in detail
        high = {"evseId": 1, "chargingProfile": profile(1, unit="W", stack_level=4, limit=4000.0)}
        assert "above the station's maximum 3" in await refused(client, station, high)

    async def test_the_station_profile_entries(
        self, server: LiveServer, client: httpx.AsyncClient, station: Station
    ) -> None:
        await set_device_variable(
            server,
            "CS1",
            ComponentKey("SmartChargingCtrlr"),
            VariableKey("Entries", "ChargingProfiles"),
            value="0",
            max_limit=1,
        )
        first = {"evseId": 1, "chargingProfile": profile(1)}
        await command(client, station, SET, first, {"status": "Accepted"})
        await stored(client)
        second = {"evseId": 2, "chargingProfile": profile(2)}
        assert "its maximum" in await refused(client, station, second)
        replacing = {"evseId": 1, "chargingProfile": profile(1, limit=8.0)}
        response, _ = await command(client, station, SET, replacing, {"status": "Accepted"})
        assert response.status_code == 200

    async def test_an_unknown_station_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            SET,
            params={"identifier": "NOBODY", "wait": 2},
            json={"evseId": 1, "chargingProfile": profile(1)},
        )
        assert response.status_code == 404
