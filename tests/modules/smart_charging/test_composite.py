"""The CSMS's own composite schedule (K08): stacking, purposes, kinds, validity, units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from citrine_modules.smart_charging.composite import (
    DAY,
    EXTERNAL,
    MAX_PROFILE,
    TX,
    TX_DEFAULT,
    WEEK,
    Period,
    Profile,
    Schedule,
    Window,
    compute,
)

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def absolute(
    profile_id: int,
    periods: list[tuple[int, float]],
    *,
    purpose: str = TX_DEFAULT,
    stack_level: int = 0,
    evse_id: int = 1,
    start: datetime = T0,
    duration: int | None = None,
    unit: str = "A",
    phases: int | None = None,
    **extra: object,
) -> Profile:
    return Profile(
        profile_id=profile_id,
        evse_id=evse_id,
        stack_level=stack_level,
        purpose=purpose,
        kind=str(extra.pop("kind", "Absolute")),
        schedule=Schedule(
            unit=unit,
            start_schedule=start,
            duration=duration,
            periods=tuple(Period(offset, limit, phases) for offset, limit in periods),
        ),
        **extra,  # type: ignore[arg-type]
    )


def window(duration: int = 3600, **extra: object) -> Window:
    values: dict[str, object] = {"evse_id": 1, "start": T0, "duration": duration, "unit": "A"}
    values.update(extra)
    return Window(**values)  # type: ignore[arg-type]


def limits(profiles: list[Profile], asked: Window) -> list[tuple[int, float | None]]:
    return [(period.start, period.limit) for period in compute(profiles, asked).periods]


class TestStacking:
    def test_the_composite_schedule_of_two_stacked_profiles_is_right(self) -> None:
        """TC_K_43_CSMS (the CSMS's own view): a stack-level-1 profile for the first 30 min
        over a stack-level-0 one for the hour; the higher one wins while it has a period."""
        base = absolute(1, [(0, 16.0), (1800, 20.0)], stack_level=0, duration=3600)
        boost = absolute(2, [(0, 10.0), (600, 12.0)], stack_level=1, duration=1800)
        assert limits([base, boost], window()) == [(0, 10.0), (600, 12.0), (1800, 20.0)]

    def test_higher_stack_level_wins_even_with_a_higher_limit(self) -> None:
        low = absolute(1, [(0, 8.0)], stack_level=0)
        high = absolute(2, [(0, 24.0)], stack_level=3)
        assert limits([low, high], window()) == [(0, 24.0)]

    def test_an_evse_profile_beats_an_evse_0_profile_of_the_same_level(self) -> None:
        station_wide = absolute(1, [(0, 8.0)], evse_id=0)
        this_evse = absolute(2, [(0, 14.0)], evse_id=1)
        assert limits([station_wide, this_evse], window()) == [(0, 14.0)]
        assert limits([station_wide], window()) == [(0, 8.0)]  # EVSE 0 applies to every EVSE


class TestPurposes:
    def test_tx_profile_overrides_tx_default(self) -> None:
        default = absolute(1, [(0, 10.0)], stack_level=5)
        tx = absolute(2, [(0, 20.0)], purpose=TX, transaction_id="T1")
        assert limits([default, tx], window(transaction_id="T1")) == [(0, 20.0)]

    def test_tx_profile_of_another_transaction_does_not_count(self) -> None:
        default = absolute(1, [(0, 10.0)])
        tx = absolute(2, [(0, 20.0)], purpose=TX, transaction_id="OLD")
        assert limits([default, tx], window(transaction_id="T1")) == [(0, 10.0)]
        assert limits([default, tx], window()) == [(0, 10.0)]

    def test_the_minimum_across_purposes(self) -> None:
        station_max = absolute(1, [(0, 12.0), (1200, 30.0)], purpose=MAX_PROFILE, evse_id=0)
        external = absolute(2, [(0, 40.0), (2400, 9.0)], purpose=EXTERNAL, evse_id=1)
        default = absolute(3, [(0, 16.0)])
        assert limits([station_max, external, default], window()) == [
            (0, 12.0),
            (1200, 16.0),
            (2400, 9.0),
        ]

    def test_evse_0_counts_only_station_wide_limits(self) -> None:
        station_max = absolute(1, [(0, 60.0)], purpose=MAX_PROFILE, evse_id=0)
        default = absolute(2, [(0, 16.0)], evse_id=0)
        assert limits([station_max, default], window(evse_id=0)) == [(0, 60.0)]

    def test_nothing_limits(self) -> None:
        assert limits([], window()) == [(0, None)]


class TestKinds:
    def test_absolute_starts_and_stops_at_its_times(self) -> None:
        later = absolute(1, [(0, 10.0)], start=T0 + timedelta(minutes=10), duration=600)
        assert limits([later], window()) == [(0, None), (600, 10.0), (1200, None)]

    def test_recurring_daily_repeats(self) -> None:
        nightly = absolute(
            1,
            [(0, 6.0), (3600, 32.0)],
            kind="Recurring",
            recurrency="Daily",
            start=T0 - timedelta(days=3),
            duration=7200,
        )
        two_days = window(duration=2 * DAY)
        assert limits([nightly], two_days) == [
            (0, 6.0),
            (3600, 32.0),
            (7200, None),
            (DAY, 6.0),
            (DAY + 3600, 32.0),
            (DAY + 7200, None),
        ]

    def test_recurring_weekly_without_duration_fills_the_week(self) -> None:
        weekly = absolute(
            1, [(0, 11.0), (DAY, 22.0)], kind="Recurring", recurrency="Weekly", start=T0
        )
        assert limits([weekly], window(duration=WEEK + DAY)) == [
            (0, 11.0),
            (DAY, 22.0),
            (WEEK, 11.0),
        ]

    def test_relative_starts_with_the_transaction(self) -> None:
        relative = absolute(1, [(0, 7.0), (900, 14.0)], kind="Relative", start=None)
        started = window(transaction_id="T1", transaction_started_at=T0 - timedelta(minutes=10))
        assert limits([relative], started) == [(0, 7.0), (300, 14.0)]
        assert limits([relative], window()) == [(0, 7.0), (900, 14.0)]  # as if starting now


class TestWholeSeconds:
    def test_a_change_within_a_second_counts_from_the_next_second(self) -> None:
        late = absolute(1, [(0, 10.0)], start=T0 + timedelta(milliseconds=300))
        assert limits([late], window()) == [(0, None), (1, 10.0)]
        later = absolute(1, [(0, 10.0)], start=T0 + timedelta(seconds=5, milliseconds=300))
        assert limits([later], window()) == [(0, None), (6, 10.0)]


class TestValidity:
    def test_valid_from_and_to_bound_the_profile(self) -> None:
        bounded = absolute(
            1,
            [(0, 10.0)],
            valid_from=T0 + timedelta(minutes=5),
            valid_to=T0 + timedelta(minutes=15),
        )
        assert limits([bounded], window()) == [(0, None), (300, 10.0), (900, None)]

    def test_an_expired_higher_profile_lets_the_lower_one_through(self) -> None:
        low = absolute(1, [(0, 16.0)])
        high = absolute(2, [(0, 6.0)], stack_level=1, valid_to=T0 + timedelta(minutes=20))
        assert limits([low, high], window()) == [(0, 6.0), (1200, 16.0)]


class TestUnits:
    def test_watts_become_amps_with_230_v_and_the_periods_phases(self) -> None:
        three = absolute(1, [(0, 11040.0)], unit="W")  # 11040 / (230 * 3) = 16 A
        one = absolute(2, [(0, 2300.0)], unit="W", phases=1, purpose=MAX_PROFILE, evse_id=0)
        assert limits([three], window()) == [(0, 16.0)]
        assert limits([three, one], window()) == [(0, 10.0)]

    def test_amps_become_watts(self) -> None:
        amps = absolute(1, [(0, 16.0)])
        assert limits([amps], window(unit="W")) == [(0, 11040.0)]


# An oracle written from the rules directly, instant by instant, without segments.


def _run_start(profile: Profile, asked: Window, instant: datetime) -> datetime | None:
    schedule = profile.schedule
    if profile.kind == "Relative":
        return asked.transaction_started_at or asked.start
    assert schedule.start_schedule is not None
    if profile.kind == "Absolute":
        return schedule.start_schedule
    cycle = timedelta(seconds=WEEK if profile.recurrency == "Weekly" else DAY)
    if instant < schedule.start_schedule:
        return None
    return schedule.start_schedule + ((instant - schedule.start_schedule) // cycle) * cycle


def _oracle_profile(profile: Profile, asked: Window, instant: datetime) -> float | None:
    if profile.valid_from and instant < profile.valid_from:
        return None
    if profile.valid_to and instant >= profile.valid_to:
        return None
    start = _run_start(profile, asked, instant)
    if start is None or instant < start:
        return None
    offset = (instant - start).total_seconds()
    duration = profile.schedule.duration
    if profile.kind == "Recurring":
        cycle = WEEK if profile.recurrency == "Weekly" else DAY
        duration = min(duration or cycle, cycle)
    if duration is not None and offset >= duration:
        return None
    limit = None
    for period in profile.schedule.periods:
        if period.start <= offset:
            limit = period.limit
    return limit


def _oracle(profiles: list[Profile], asked: Window, instant: datetime) -> float | None:
    def best(purpose: str) -> float | None:
        ranked = sorted(
            (p for p in profiles if p.purpose == purpose),
            key=lambda p: (p.stack_level, p.evse_id == asked.evse_id, p.profile_id),
            reverse=True,
        )
        for profile in ranked:
            value = _oracle_profile(profile, asked, instant)
            if value is not None:
                return value
        return None

    tx = best(TX)
    found = [value for value in (tx if tx is not None else best(TX_DEFAULT), best(MAX_PROFILE))]
    found = [value for value in found if value is not None]
    return min(found) if found else None


@st.composite
def random_profile(draw: st.DrawFn, profile_id: int) -> Profile:
    kind = draw(st.sampled_from(["Absolute", "Recurring", "Relative"]))
    purpose = draw(st.sampled_from([TX_DEFAULT, MAX_PROFILE, TX]))
    starts = sorted(draw(st.sets(st.integers(1, 7200), max_size=4)))
    periods = [(0, draw(st.integers(0, 64)) * 1.0)]
    periods += [(offset, draw(st.integers(0, 64)) * 1.0) for offset in starts]
    start = T0 + timedelta(seconds=draw(st.integers(-2 * DAY, 3600)))
    valid_from = draw(st.none() | st.integers(-3600, 7200))
    valid_to = draw(st.none() | st.integers(0, 3 * DAY))
    return absolute(
        profile_id,
        periods,
        kind=kind,
        purpose=purpose,
        evse_id={MAX_PROFILE: 0, TX: 1}.get(purpose, draw(st.sampled_from([0, 1]))),
        stack_level=draw(st.integers(0, 3)),
        start=None if kind == "Relative" else start,  # type: ignore[arg-type]
        duration=draw(st.none() | st.integers(60, 10_000)),
        recurrency="Daily" if kind == "Recurring" else None,
        transaction_id="T1" if purpose == TX else None,
        valid_from=None if valid_from is None else T0 + timedelta(seconds=valid_from),
        valid_to=None if valid_to is None else T0 + timedelta(seconds=valid_to),
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 1), min_size=0, max_size=5).flatmap(
        lambda ids: st.tuples(*(random_profile(index + 1) for index in range(len(ids))))
    ),
    st.integers(-1800, 0),
)
def test_the_composite_agrees_with_the_rules_at_every_instant(
    profiles: tuple[Profile, ...], since_start: int
) -> None:
    asked = window(
        duration=2 * DAY,
        transaction_id="T1",
        transaction_started_at=T0 + timedelta(seconds=since_start),
    )
    result = compute(list(profiles), asked)
    starts = [period.start for period in result.periods]
    assert starts[0] == 0
    assert starts == sorted(set(starts))
    for index, period in enumerate(result.periods):
        end = starts[index + 1] if index + 1 < len(starts) else asked.duration
        for offset in {period.start, (period.start + end) // 2, end - 1}:
            instant = T0 + timedelta(seconds=offset)
            assert _oracle(list(profiles), asked, instant) == period.limit, (offset, period)
