"""The K01 rules on their own, and the capabilities read from a device model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from citrine_base.ocpp.v201 import datatypes
from citrine_data.models import Component, Variable, VariableAttribute, VariableCharacteristics
from citrine_modules.smart_charging.capabilities import from_variables
from citrine_modules.smart_charging.rules import Capabilities, ProfileContext, check_profile

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def profile(**changes: Any) -> datatypes.ChargingProfile:
    schedule: dict[str, Any] = {
        "id": 1,
        "chargingRateUnit": "A",
        "startSchedule": "2026-06-01T08:00:00Z",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    }
    schedule.update(changes.pop("schedule", {}))
    body: dict[str, Any] = {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": changes.pop("schedules", [schedule]),
        **changes,
    }
    return datatypes.ChargingProfile.model_validate_json(orjson.dumps(body))


def problems(item: datatypes.ChargingProfile, evse_id: int = 1, **capabilities: Any) -> list[str]:
    context = ProfileContext(
        now=NOW, capabilities=Capabilities(**capabilities), installed=[], running={}
    )
    return check_profile(evse_id, item, context)


def test_a_good_profile_passes() -> None:
    assert problems(profile()) == []


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (profile(validTo="2026-05-01T00:00:00Z"), "validTo is in the past"),
        (
            profile(validFrom="2026-07-02T00:00:00Z", validTo="2026-07-01T00:00:00Z"),
            "validFrom must be before validTo",
        ),
        (profile(chargingProfileKind="Recurring"), "needs recurrencyKind"),
        (profile(recurrencyKind="Daily"), "only for Recurring profiles"),
        (
            profile(
                chargingProfileKind="Recurring",
                recurrencyKind="Daily",
                schedule={"duration": 90000},
            ),
            "longer than one Daily recurrence",
        ),
        (profile(transactionId="T1"), "only allowed in a TxProfile"),
        (
            profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 8.15}]}),
            "more than one decimal",
        ),
        (
            profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": -1.0}]}),
            "negative",
        ),
        (profile(schedule={"duration": 0}), "duration must be positive"),
        (profile(stackLevel=-1), "stackLevel -1 is negative"),
    ],
)
def test_a_rule_is_broken(item: datatypes.ChargingProfile, expected: str) -> None:
    assert any(expected in problem for problem in problems(item)), problems(item)


def test_one_decimal_is_fine_despite_binary_floats() -> None:
    item = profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 8.1}]})
    assert problems(item) == []


def test_several_schedules_only_for_iso15118_tx_profiles() -> None:
    base = profile().charging_schedule[0].to_wire()
    two = [base, {**base, "id": 2}]
    assert any("K01.FR.34" in p for p in problems(profile(schedules=two)))
    tx = profile(schedules=two, chargingProfilePurpose="TxProfile", transactionId="T1")
    context = ProfileContext(
        now=NOW, capabilities=Capabilities(iso15118=True), installed=[], running={"T1": 1}
    )
    assert check_profile(1, tx, context) == []


def test_unknown_evse_and_phase_switching() -> None:
    assert any("not an EVSE" in p for p in problems(profile(), 3, evse_ids=frozenset({1, 2})))
    single = profile(
        schedule={
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 16.0, "numberPhases": 1, "phaseToUse": 2}
            ]
        }
    )
    assert problems(single) == []
    assert any("ACPhaseSwitchingSupported" in p for p in problems(single, phase_switching=False))


def _variable(component: Component, name: str, value: str | None, **kw: Any) -> Variable:
    variable = Variable(name=name, instance=kw.pop("instance", ""))
    variable.component = component
    variable.attributes = [VariableAttribute(type="Actual", value=value)] if value else []
    most = kw.pop("max_limit", None)
    variable.characteristics = (
        VariableCharacteristics(data_type="integer", max_limit=most) if most else None
    )
    return variable


def test_capabilities_from_the_device_model() -> None:
    ctrlr = Component(name="SmartChargingCtrlr", instance="", evse_id=0, connector_id=0)
    evse = Component(name="EVSE", instance="", evse_id=2, connector_id=0)
    iso = Component(name="ISO15118Ctrlr", instance="", evse_id=0, connector_id=0)
    variables = [
        _variable(ctrlr, "RateUnit", "A,W"),
        _variable(ctrlr, "PeriodsPerSchedule", "24"),
        _variable(ctrlr, "ProfileStackLevel", "8"),
        _variable(ctrlr, "Entries", "3", instance="ChargingProfiles", max_limit=20),
        _variable(ctrlr, "ACPhaseSwitchingSupported", "false"),
        _variable(evse, "Power", None, max_limit=22080),
        _variable(evse, "SupplyPhases", "3"),
        _variable(iso, "Enabled", "true"),
    ]
    found = from_variables(variables, [1])
    assert found == Capabilities(
        rate_units=frozenset({"A", "W"}),
        periods_per_schedule=24,
        max_stack_level=8,
        max_profiles=20,
        phase_switching=False,
        iso15118=True,
        evse_ids=frozenset({1, 2}),
        evse_max_power={2: 22080},
        evse_phases={2: 3},
    )
    assert from_variables([], []) == Capabilities()
