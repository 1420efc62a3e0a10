"""The site sharing rule and the fit of the CSMS's own TxProfile (pure code)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_modules.smart_charging.composite import Composite, CompositePeriod, Window
from citrine_modules.smart_charging.fitting import (
    FitInput,
    choose_unit,
    ev_needs,
    fit_schedule,
    needs_problem,
    reduce_periods,
)
from citrine_modules.smart_charging.sharing import MINIMUM_AMPS, Demand, share_limit

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class TestSharing:
    def test_equal_shares(self) -> None:
        assert share_limit(32.0, [Demand("a"), Demand("b")]) == {"a": 16.0, "b": 16.0}

    def test_rounded_down_to_a_tenth(self) -> None:
        assert share_limit(20.0, [Demand(1), Demand(2), Demand(3)]) == {1: 6.6, 2: 6.6, 3: 6.6}

    def test_a_capped_evse_leaves_the_rest_to_the_others(self) -> None:
        shares = share_limit(40.0, [Demand("a"), Demand("b", cap=10.0), Demand("c")])
        assert shares == {"a": 15.0, "b": 10.0, "c": 15.0}

    def test_the_newest_wait_below_the_minimum(self) -> None:
        shares = share_limit(16.0, [Demand("old"), Demand("mid"), Demand("new")])
        assert shares == {"old": 8.0, "mid": 8.0, "new": 0.0}

    def test_a_limit_below_the_minimum_pauses_everyone(self) -> None:
        assert share_limit(4.0, [Demand("a")]) == {"a": 0.0}

    def test_nobody(self) -> None:
        assert share_limit(32.0, []) == {}

    @given(
        st.floats(0, 500, allow_nan=False),
        st.lists(st.none() | st.floats(1, 80, allow_nan=False), max_size=12),
    )
    def test_never_more_than_the_limit_or_a_cap(
        self, limit: float, caps: list[float | None]
    ) -> None:
        demands = [Demand(index, cap) for index, cap in enumerate(caps)]
        shares = share_limit(limit, demands)
        assert set(shares) == set(range(len(caps)))
        assert sum(shares.values()) <= limit + 1e-6
        for demand in demands:
            given_amps = shares[demand.key]
            assert given_amps >= 0
            assert demand.cap is None or given_amps <= demand.cap + 1e-9
            assert given_amps == 0 or given_amps >= MINIMUM_AMPS
        # Served oldest first: once one waits, every newer one waits too.
        waiting = [shares[d.key] == 0 for d in demands if d.cap is None or d.cap >= MINIMUM_AMPS]
        assert waiting == sorted(waiting)


def others(*periods: tuple[int, float | None]) -> Composite:
    window = Window(evse_id=1, start=T0, duration=86400, unit="A")
    return Composite(window, [CompositePeriod(start, limit) for start, limit in periods])


def limits(schedule: datatypes.ChargingSchedule) -> list[tuple[int, float]]:
    return [(p.start_period, p.limit) for p in schedule.charging_schedule_period]


AC = datatypes.ChargingNeeds(
    requested_energy_transfer=enums.EnergyTransferModeEnum.AC_SINGLE_PHASE,
    ac_charging_parameters=datatypes.ACChargingParameters(
        energy_amount=20000, ev_min_current=6, ev_max_current=16, ev_max_voltage=230
    ),
)


class TestFitting:
    def test_the_smallest_of_share_ev_and_other_profiles(self) -> None:
        fit = FitInput(
            now=T0,
            unit="A",
            others=others((0, 32.0), (3600, 10.0), (7200, None)),
            share_amps=20.0,
            ev=ev_needs(AC),
        )
        schedule = fit_schedule(fit)
        assert limits(schedule) == [(0, 16.0), (3600, 10.0), (7200, 16.0)]
        assert schedule.min_charging_rate == 6.0
        assert schedule.charging_schedule_period[0].number_phases == 1
        assert schedule.start_schedule == T0

    def test_a_share_in_watts(self) -> None:
        fit = FitInput(now=T0, unit="W", others=others((0, None)), share_amps=10.0)
        assert limits(fit_schedule(fit)) == [(0, 6900.0)]

    def test_nothing_known_falls_back_to_the_evse_maximum(self) -> None:
        fit = FitInput(now=T0, unit="A", others=others((0, None)), evse_max_watts=11040.0)
        assert limits(fit_schedule(fit)) == [(0, 16.0)]
        assert limits(fit_schedule(FitInput(now=T0, unit="A", others=others((0, None))))) == [
            (0, 32.0)
        ]

    def test_periods_are_merged_to_the_evs_tuples_keeping_the_lower(self) -> None:
        steps = others(*((hour * 3600, 10.0 + hour) for hour in range(6)))
        fit = FitInput(now=T0, unit="A", others=steps, max_periods=3)
        merged = limits(fit_schedule(fit))
        assert len(merged) == 3
        for start, limit in limits(fit_schedule(FitInput(now=T0, unit="A", others=steps))):
            allowed = [value for begin, value in merged if begin <= start][-1]
            assert allowed <= limit

    def test_reduce_periods(self) -> None:
        assert reduce_periods([(0, 10.0), (60, 10.5), (120, 20.0)], 2) == [(0, 10.0), (120, 20.0)]
        assert reduce_periods([(0, 10.0)], 0) == [(0, 10.0)]

    def test_units_and_needs(self) -> None:
        dc = datatypes.ChargingNeeds(
            requested_energy_transfer=enums.EnergyTransferModeEnum.DC,
            dc_charging_parameters=datatypes.DCChargingParameters(
                ev_max_current=100, ev_max_voltage=400
            ),
        )
        assert ev_needs(dc).max_limit == 40000.0
        assert choose_unit(ev_needs(dc), None) == "W"
        assert choose_unit(ev_needs(AC), frozenset({"W"})) == "W"
        assert choose_unit(None, None) == "A"
        wrong = datatypes.ChargingNeeds(
            requested_energy_transfer=enums.EnergyTransferModeEnum.AC_THREE_PHASE,
            dc_charging_parameters=dc.dc_charging_parameters,
        )
        assert needs_problem(wrong) is not None
        assert needs_problem(AC) is None
