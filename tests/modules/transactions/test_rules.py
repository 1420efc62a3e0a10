"""The pure rules, without a network or a database: cost, meter readings, event progress."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest

from citrine_base.ocpp.v201 import datatypes, messages
from citrine_data.models import EndedBy, Tariff, Transaction, TransactionState
from citrine_data.repositories.transaction import _note_seq_no
from citrine_modules.transactions import progress
from citrine_modules.transactions.cost import round_money, session_cost
from citrine_modules.transactions.metering import register_wh, sampled_rows
from tests.modules.transactions.helpers import T0, event


def tariff(**prices: str) -> Tariff:
    values = {"currency": "EUR", "price_per_kwh": "0", "price_per_minute": "0"}
    values |= {"price_per_session": "0", "tax_rate": "0", **prices}
    currency = values.pop("currency")
    return Tariff(currency=currency, **{name: Decimal(value) for name, value in values.items()})


def request(payload: dict[str, Any]) -> messages.TransactionEventRequest:
    return messages.TransactionEventRequest.model_validate_json(orjson.dumps(payload))


def meter_value(*samples: dict[str, Any]) -> datatypes.MeterValue:
    payload = {"timestamp": "2026-06-01T08:00:00Z", "sampledValue": list(samples)}
    return datatypes.MeterValue.model_validate_json(orjson.dumps(payload))


class TestCost:
    def test_energy_time_session_and_tax(self) -> None:
        priced = tariff(
            price_per_kwh="0.30", price_per_minute="0.05", price_per_session="1", tax_rate="0.19"
        )
        cost = session_cost(priced, 12_345.0, T0, T0 + timedelta(minutes=90))
        # (12.345 x 0.30 + 90 x 0.05 + 1) x 1.19 = 10.9522... -> 10.95
        assert cost == Decimal("10.95")

    def test_nothing_used_costs_the_session_fee(self) -> None:
        assert session_cost(tariff(price_per_session="2.5"), None, None, T0) == Decimal("2.50")

    @pytest.mark.parametrize(
        ("currency", "amount", "rounded"),
        [("EUR", "1.005", "1.01"), ("JPY", "149.5", "150"), ("KWD", "1.2345", "1.235")],
    )
    def test_rounded_to_the_currency_minor_unit(
        self, currency: str, amount: str, rounded: str
    ) -> None:
        assert str(round_money(Decimal(amount), currency)) == rounded


class TestMetering:
    def test_defaults_are_an_import_register_in_wh(self) -> None:
        assert register_wh(meter_value({"value": 1500})) == 1500.0
        row = sampled_rows(meter_value({"value": 1500}))[0]
        assert (row.measurand, row.unit, row.signed_meter_value) == (
            "Energy.Active.Import.Register",
            None,
            None,
        )

    def test_units_multipliers_phases_and_other_measurands(self) -> None:
        kwh = {"value": 1.5, "unitOfMeasure": {"unit": "kWh", "multiplier": 1}}
        assert register_wh(meter_value(kwh)) == 15_000.0
        phases = [{"value": 100, "phase": phase} for phase in ("L1", "L2", "L3")]
        assert register_wh(meter_value(*phases)) == 300.0
        total = {"value": 250}
        assert register_wh(meter_value(*phases, total)) == 250.0  # the total wins
        power = {"value": 7000, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}}
        assert register_wh(meter_value(power)) is None
        ev_meter = {"value": 999, "location": "EV"}
        assert register_wh(meter_value(ev_meter)) is None
        unknown_unit = {"value": 1, "unitOfMeasure": {"unit": "varh"}}
        assert register_wh(meter_value(unknown_unit)) is None


class TestProgress:
    def new(self) -> Transaction:
        return Transaction(
            transaction_id="TX-1",
            station_pk=1,
            started_at=T0 + timedelta(hours=5),
            state=TransactionState.ACTIVE,
            event_count=0,
            is_complete=False,
        )

    def run(self, payloads: list[dict[str, Any]]) -> Transaction:
        transaction = self.new()
        for payload in payloads:
            parsed = request(payload)
            readings = [wh for wh in map(register_wh, parsed.meter_value or []) if wh is not None]
            token = None
            if progress.starts_authorization(transaction, parsed) and parsed.id_token:
                token = progress.TokenUse(parsed.id_token.id_token, "ISO14443", None)
            for name, value in progress.plan(transaction, parsed, readings, token).items():
                setattr(transaction, name, value)
            _note_seq_no(transaction, parsed.seq_no, parsed.event_type.value)
        return transaction

    def test_every_arrival_order_gives_the_same_transaction(self) -> None:
        session = [
            event(
                "Started", 0, trigger="CablePluggedIn", evse=1, wh=100, chargingState="EVConnected"
            ),
            event("Updated", 1, trigger="Authorized", token="T", chargingState="Charging"),
            event("Updated", 2, wh=600, timeSpentCharging=60),
            event("Updated", 3, trigger="ChargingStateChanged", chargingState="SuspendedEV"),
            event("Ended", 4, trigger="EVDeparted", wh=900, stoppedReason="EVDisconnected"),
            event("Updated", 5, wh=5000, chargingState="Charging"),  # after Ended: ignored
        ]
        columns = [
            "started_at", "ended_at", "state", "ended_by", "charging_state", "stopped_reason",
            "evse_id", "id_token", "meter_start_wh", "meter_stop_wh", "energy_wh",
            "time_spent_charging",
        ]  # fmt: skip
        outcomes = {
            tuple(getattr(self.run(list(order)), name) for name in columns)
            for order in itertools.permutations(session[:5])
        }
        assert len(outcomes) == 1
        in_order = self.run(session)
        assert tuple(getattr(in_order, name) for name in columns) == outcomes.pop()
        assert in_order.charging_state == "SuspendedEV"
        assert (in_order.energy_wh, in_order.ended_by) == (800.0, EndedBy.STATION.value)
        assert (in_order.started_at, in_order.ended_at) == (T0, T0 + timedelta(minutes=4))

    def test_nothing_reopens_an_ended_transaction(self) -> None:
        ended = self.run([event("Started", 0, evse=1), event("Ended", 1)])
        assert ended.stopped_reason == "Local"  # left out only when Local
        for late in (event("Started", 7, evse=1), event("Updated", 8, chargingState="Charging")):
            changes = progress.plan(ended, request(late), [], None)
            assert "state" not in changes
            assert "ended_at" not in changes

    def test_a_stopping_token_is_not_the_starting_one(self) -> None:
        transaction = self.new()
        stop = request(event("Updated", 3, trigger="StopAuthorized", token="MASTER"))
        assert not progress.starts_authorization(transaction, stop)
        start = request(event("Updated", 3, trigger="Authorized", token="CARD"))
        assert progress.starts_authorization(transaction, start)
        transaction.id_token = "CARD"
        assert not progress.starts_authorization(transaction, start)
