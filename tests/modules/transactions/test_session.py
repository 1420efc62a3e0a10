"""A whole charging session driven by an independent OCPP implementation (mobilityhouse
``ocpp``'s v201 ChargePoint, which validates every frame against the official schemas on its
side), checked the way an operator sees it: through the REST API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
from ocpp.exceptions import NotSupportedError
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result, datatypes, enums
from websockets.asyncio.client import connect

from citrine_base.decorators import collect_handlers
from citrine_base.ocpp.v201 import Action
from citrine_data import unit_of_work
from citrine_data.repositories import IdTokenRepository
from citrine_data.repositories.authorization import TokenInfo
from tests.live import LiveServer, live_server
from tests.modules.transactions.helpers import at, eventually

TOKEN = datatypes.IdTokenType(id_token="RFID-0001", type=enums.IdTokenEnumType.iso14443)


class Station(ChargePoint):  # type: ignore[misc]
    """A station that shows the running cost it is sent and reports its transactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.costs: list[tuple[str, float]] = []
        self.cost_calls = 0
        self.shows_costs = True
        self.ongoing = True

    @on("CostUpdated")  # type: ignore[misc]
    async def on_cost_updated(
        self, total_cost: float, transaction_id: str, **kwargs: object
    ) -> call_result.CostUpdated:
        self.cost_calls += 1
        if not self.shows_costs:
            raise NotSupportedError("no display here")
        self.costs.append((transaction_id, total_cost))
        return call_result.CostUpdated()

    @on("GetTransactionStatus")  # type: ignore[misc]
    async def on_get_transaction_status(self, **kwargs: object) -> call_result.GetTransactionStatus:
        return call_result.GetTransactionStatus(
            messages_in_queue=False, ongoing_indicator=self.ongoing
        )


@asynccontextmanager
async def ocpp_station(server: LiveServer, station_id: str) -> AsyncIterator[Station]:
    async with connect(server.ws_url(station_id), subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        station = Station(station_id, ws)
        reader = asyncio.create_task(station.start())
        try:
            boot = await station.call(
                call.BootNotification(
                    charging_station=datatypes.ChargingStationType(
                        vendor_name="Acme", model="Z1", serial_number="42"
                    ),
                    reason=enums.BootReasonEnumType.power_up,
                )
            )
            assert boot.status == "Accepted"
            yield station
        finally:
            reader.cancel()


def energy(wh: float, minutes: float, context: enums.ReadingContextEnumType) -> list[Any]:
    return [
        datatypes.MeterValueType(
            timestamp=at(minutes),
            sampled_value=[
                datatypes.SampledValueType(
                    value=wh,
                    context=context,
                    measurand=enums.MeasurandEnumType.energy_active_import_register,
                    unit_of_measure=datatypes.UnitOfMeasureType(unit="kWh"),
                )
            ],
        )
    ]


def transaction_event(
    event_type: enums.TransactionEventEnumType,
    seq_no: int,
    trigger: enums.TriggerReasonEnumType,
    minutes: float,
    **kwargs: Any,
) -> call.TransactionEvent:
    info = kwargs.pop("info", {})
    return call.TransactionEvent(
        event_type=event_type,
        timestamp=at(minutes),
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info=datatypes.TransactionType(transaction_id="MH-TX-1", **info),
        **kwargs,
    )


async def provision_token(server: LiveServer) -> None:
    async with unit_of_work(server.runtime.sessions) as uow:
        await IdTokenRepository.from_session(uow.session).upsert(
            "default", TOKEN.id_token, TOKEN.type, TokenInfo()
        )


def authorize_is_handled(server: LiveServer) -> bool:
    runtime = server.runtime
    return any(
        Action.AUTHORIZE in collect_handlers(module, runtime.actions) for module in runtime.modules
    )


async def test_a_whole_session_shows_up_in_the_rest_api_with_energy_and_cost() -> None:
    """TC_E_04_CSMS (authorization first) and TC_I_02_CSMS (final total cost), from the
    station's first StatusNotification to the REST view of the ended transaction.

    Authorize belongs to the EVDriver module; where it runs, the session begins with it.
    Either way the CSMS re-checks the token in the Started event (E01.FR.11)."""
    async with (
        live_server() as server,
        ocpp_station(server, "MH-SESSION") as station,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        await provision_token(server)
        tariff = {"currency": "EUR", "pricePerKwh": "0.30", "pricePerSession": "1.00"}
        tariff |= {"taxRate": "0.20", "stationId": "MH-SESSION"}
        assert (await http.post("/tariffs", json=tariff)).status_code == 201
        await station.call(
            call.StatusNotification(
                timestamp=at(0),
                connector_status=enums.ConnectorStatusEnumType.available,
                evse_id=1,
                connector_id=1,
            )
        )
        if authorize_is_handled(server):
            authorized = await station.call(call.Authorize(id_token=TOKEN))
            assert authorized.id_token_info["status"] == "Accepted"

        started = await station.call(
            transaction_event(
                enums.TransactionEventEnumType.started,
                0,
                enums.TriggerReasonEnumType.authorized,
                1,
                id_token=TOKEN,
                evse=datatypes.EVSEType(id=1, connector_id=1),
                meter_value=energy(12.0, 1, enums.ReadingContextEnumType.transaction_begin),
                info={"charging_state": enums.ChargingStateEnumType.charging},
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        assert started.total_cost is None  # only once charging has ended
        await station.call(
            transaction_event(
                enums.TransactionEventEnumType.updated,
                1,
                enums.TriggerReasonEnumType.meter_value_periodic,
                16,
                meter_value=energy(19.5, 16, enums.ReadingContextEnumType.sample_periodic),
            )
        )
        ended = await station.call(
            transaction_event(
                enums.TransactionEventEnumType.ended,
                2,
                enums.TriggerReasonEnumType.stop_authorized,
                31,
                id_token=TOKEN,
                meter_value=energy(32.0, 31, enums.ReadingContextEnumType.transaction_end),
                info={"stopped_reason": enums.ReasonEnumType.local, "time_spent_charging": 1800},
            )
        )
        # 20 kWh x 0.30 + 1.00 session fee = 7.00, plus 20 % tax.
        assert Decimal(str(ended.total_cost)) == Decimal("8.40")
        assert ended.id_token_info["status"] == "Accepted"

        listed = (await http.get("/transactions", params={"stationId": "MH-SESSION"})).json()
        assert [item["transactionId"] for item in listed["items"]] == ["MH-TX-1"]
        detail = (await http.get("/transactions/MH-TX-1")).json()
        assert detail["state"] == "ended"
        assert detail["endedBy"] == "station"
        assert (detail["evseId"], detail["connectorId"]) == (1, 1)
        assert (detail["meterStartWh"], detail["meterStopWh"]) == (12000.0, 32000.0)
        assert detail["energyWh"] == 20000.0
        assert (detail["totalCost"], detail["currency"]) == ("8.40", "EUR")
        assert detail["durationSeconds"] == 30 * 60
        assert detail["timeSpentCharging"] == 1800
        assert detail["idToken"] == TOKEN.id_token
        assert detail["stoppedReason"] == "Local"
        assert detail["isComplete"] is True
        assert [event["seqNo"] for event in detail["events"]] == [0, 1, 2]
        assert [value["sampledValues"][0]["context"] for value in detail["meterValues"]] == [
            "Transaction.Begin",
            "Sample.Periodic",
            "Transaction.End",
        ]
        connectors = (await http.get("/stations/MH-SESSION/connectors")).json()
        assert connectors[0]["status"] == "Available"


async def test_the_running_cost_is_pushed_to_the_station() -> None:
    """TC_I_01_CSMS: during charging the CSMS sends CostUpdated with the cost so far."""
    async with (
        live_server(transactions={"cost_updated_interval": 0.3}) as server,
        ocpp_station(server, "MH-COST") as station,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        tariff = {"currency": "EUR", "pricePerKwh": "0.50", "stationId": "MH-COST"}
        assert (await http.post("/tariffs", json=tariff)).status_code == 201
        await station.call(
            transaction_event(
                enums.TransactionEventEnumType.started,
                0,
                enums.TriggerReasonEnumType.cable_plugged_in,
                0,
                evse=datatypes.EVSEType(id=1, connector_id=1),
                meter_value=energy(1.0, 0, enums.ReadingContextEnumType.transaction_begin),
            )
        )
        await station.call(
            transaction_event(
                enums.TransactionEventEnumType.updated,
                1,
                enums.TriggerReasonEnumType.meter_value_periodic,
                5,
                meter_value=energy(5.0, 5, enums.ReadingContextEnumType.sample_periodic),
            )
        )

        async def pushed_after_the_update() -> bool:
            # 4 kWh x 0.50; no time price, so the clock does not move it.
            return bool(station.costs) and station.costs[-1] == ("MH-TX-1", 2.0)

        assert await eventually(pushed_after_the_update), station.costs

        await station.call(
            transaction_event(
                enums.TransactionEventEnumType.ended,
                2,
                enums.TriggerReasonEnumType.ev_departed,
                6,
                info={"stopped_reason": enums.ReasonEnumType.ev_disconnected},
            )
        )
        await asyncio.sleep(0.2)  # a round already under way may still deliver
        count = len(station.costs)
        await asyncio.sleep(1.0)
        assert len(station.costs) == count  # nothing is pushed for an ended transaction


async def test_a_station_without_tariff_support_is_left_alone() -> None:
    """A station that answers CostUpdated with NotSupported is not asked again each round."""
    async with (
        live_server(transactions={"cost_updated_interval": 0.2}) as server,
        ocpp_station(server, "MH-NOCOST") as station,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        station.shows_costs = False
        tariff = {"currency": "EUR", "pricePerSession": "1", "stationId": "MH-NOCOST"}
        assert (await http.post("/tariffs", json=tariff)).status_code == 201
        await station.call(
            transaction_event(
                enums.TransactionEventEnumType.started,
                0,
                enums.TriggerReasonEnumType.cable_plugged_in,
                0,
                evse=datatypes.EVSEType(id=1, connector_id=1),
            )
        )

        async def asked() -> bool:
            return station.cost_calls > 0

        assert await eventually(asked)
        await asyncio.sleep(1.0)  # five more rounds
        assert station.cost_calls == 1


async def test_get_transaction_status_from_the_rest_api() -> None:
    """TC_E_30_CSMS / TC_E_34_CSMS: the operator asks the station over REST; a transaction
    the station says is over, with no messages queued, is ended here too (its Ended was
    lost), so its token is free again."""
    async with (
        live_server() as server,
        ocpp_station(server, "MH-STATUS") as station,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        await station.call(
            transaction_event(
                enums.TransactionEventEnumType.started,
                0,
                enums.TriggerReasonEnumType.cable_plugged_in,
                0,
                evse=datatypes.EVSEType(id=1, connector_id=1),
            )
        )
        url = "/ocpp/2.0.1/transactions/getTransactionStatus"
        params = {"identifier": "MH-STATUS", "wait": 10}
        asked = await http.post(url, params=params, json={"transactionId": "MH-TX-1"})
        assert asked.status_code == 200, asked.text
        assert asked.json()[0]["payload"] == {"messagesInQueue": False, "ongoingIndicator": True}
        assert (await http.get("/transactions/MH-TX-1")).json()["state"] == "active"

        station.ongoing = False
        asked = await http.post(url, params=params, json={"transactionId": "MH-TX-1"})
        assert asked.json()[0]["payload"]["ongoingIndicator"] is False

        async def ended() -> bool:
            detail = (await http.get("/transactions/MH-TX-1")).json()
            return detail["state"] == "ended" and detail["endedBy"] == "csms"

        assert await eventually(ended)
        without_id = await http.post(url, params=params, json={})
        assert without_id.json()[0]["payload"]["messagesInQueue"] is False
