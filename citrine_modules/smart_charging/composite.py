"""The composite schedule the CSMS computes itself from the profiles it has stored (K08).

Pure code, no I/O: profiles in, a piecewise-constant limit over a time window out.

The rules, as a station applies them (OCPP 2.0.1 Part 2 §K, "Smart charging"):

* a profile counts from ``validFrom`` to ``validTo``;
* its schedule starts at ``startSchedule`` (Absolute), at the last daily or weekly repetition
  of it (Recurring), or at the start of the transaction (Relative; with no transaction running
  we assume one starts at the beginning of the window, as a station computes the schedule a new
  transaction would get);
* within a purpose the highest ``stackLevel`` that has a period at that instant wins; a
  TxDefaultProfile for the EVSE beats one for EVSE 0 at the same level;
* a TxProfile (of the transaction running on the EVSE) overrides the TxDefaultProfile;
* the limit is the minimum across ChargingStationMaxProfile, ChargingStationExternalConstraints
  and the Tx(Default)Profile; for EVSE 0 (the grid connection) only the station-wide purposes
  (ChargingStationMaxProfile, ChargingStationExternalConstraints on EVSE 0) count;
* limits in the other unit are converted with ``P = I x V x phases``: ``VOLTAGE`` (230 V) per
  phase and the period's ``numberPhases``, or 3 when absent (the spec's default);
* where no profile limits, the period's limit is ``None`` (no limit known to the CSMS).

Only a profile's first schedule is used: several are only offered to an ISO 15118 EV, which
picks one; the CSMS does not know which.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

VOLTAGE = 230.0
DEFAULT_PHASES = 3
DAY = 24 * 3600
WEEK = 7 * DAY

MAX_PROFILE = "ChargingStationMaxProfile"
EXTERNAL = "ChargingStationExternalConstraints"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"


@dataclass(frozen=True, slots=True)
class Period:
    start: int  # seconds from the schedule's start
    limit: float
    number_phases: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    start_schedule: datetime | None = None
    duration: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    profile_id: int
    evse_id: int
    stack_level: int
    purpose: str
    kind: str  # Absolute, Recurring, Relative
    schedule: Schedule
    recurrency: str | None = None  # Daily, Weekly
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """What is asked: which EVSE, from when, for how long, in which unit; and the
    transaction running on the EVSE, if any (for TxProfiles and Relative schedules)."""

    evse_id: int
    start: datetime
    duration: int
    unit: str
    transaction_id: str | None = None
    transaction_started_at: datetime | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)


@dataclass(frozen=True, slots=True)
class CompositePeriod:
    start: int  # seconds from the window's start
    limit: float | None  # None: nothing limits
    number_phases: int | None = None
    profile_id: int | None = None  # the profile that sets the limit


@dataclass(frozen=True, slots=True)
class Composite:
    window: Window
    periods: list[CompositePeriod]


def convert(limit: float, from_unit: str, to_unit: str, number_phases: int | None) -> float:
    """A limit in the other unit, with ``VOLTAGE`` per phase."""
    if from_unit == to_unit:
        return limit
    phases = number_phases or DEFAULT_PHASES
    if to_unit == "W":
        return limit * VOLTAGE * phases
    return limit / (VOLTAGE * phases)


@dataclass(slots=True)
class _Segments:
    """One profile's limit over time: sorted, non-overlapping [start, end) runs."""

    profile: Profile
    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)
    phases: list[int | None] = field(default_factory=list)

    def at(self, instant: datetime) -> int | None:
        index = bisect.bisect_right(self.starts, instant) - 1
        if index >= 0 and instant < self.ends[index]:
            return index
        return None


def applicable(profiles: Iterable[Profile], window: Window) -> list[Profile]:
    """The profiles that bear on the window's EVSE (see the module docstring)."""
    chosen = []
    for profile in profiles:
        if window.evse_id == 0:
            relevant = profile.purpose in (MAX_PROFILE, EXTERNAL) and profile.evse_id == 0
        elif profile.purpose == TX:
            relevant = (
                profile.evse_id == window.evse_id
                and window.transaction_id is not None
                and profile.transaction_id == window.transaction_id
            )
        elif profile.purpose == MAX_PROFILE:
            relevant = profile.evse_id == 0
        else:
            relevant = profile.evse_id in (0, window.evse_id)
        if relevant:
            chosen.append(profile)
    return chosen


def _occurrences(profile: Profile, window: Window) -> list[tuple[datetime, datetime | None]]:
    """Where each run of the schedule starts, and where it stops (None: open-ended)."""
    schedule = profile.schedule
    length = timedelta(seconds=schedule.duration) if schedule.duration else None
    if profile.kind == "Relative":
        start = window.transaction_started_at or window.start
        return [(start, start + length if length else None)]
    if schedule.start_schedule is None:  # refused by validation; reported ones may lack it
        return []
    if profile.kind != "Recurring":
        start = schedule.start_schedule
        return [(start, start + length if length else None)]
    cycle = timedelta(seconds=WEEK if profile.recurrency == "Weekly" else DAY)
    run = min(length, cycle) if length else cycle
    first = max(0, (window.start - schedule.start_schedule) // cycle)
    runs: list[tuple[datetime, datetime | None]] = []
    k = first
    while schedule.start_schedule + k * cycle < window.end:
        start = schedule.start_schedule + k * cycle
        runs.append((start, start + run))
        k += 1
    return runs


def _segments(profile: Profile, window: Window) -> _Segments:
    result = _Segments(profile)
    valid_from = max(profile.valid_from or window.start, window.start)
    valid_to = min(profile.valid_to or window.end, window.end)
    periods = profile.schedule.periods
    for run_start, run_end in _occurrences(profile, window):
        for index, period in enumerate(periods):
            start = run_start + timedelta(seconds=period.start)
            if index + 1 < len(periods):
                end: datetime | None = run_start + timedelta(seconds=periods[index + 1].start)
            else:
                end = run_end
            if run_end is not None and (end is None or end > run_end):
                end = run_end
            start, stop = max(start, valid_from), min(end or valid_to, valid_to)
            if start >= stop:
                continue
            limit = convert(period.limit, profile.schedule.unit, window.unit, period.number_phases)
            result.starts.append(start)
            result.ends.append(stop)
            result.limits.append(limit)
            result.phases.append(period.number_phases)
    return result


def _priority(segments: _Segments, window: Window) -> tuple[int, int, int]:
    profile = segments.profile
    specific = 1 if profile.evse_id == window.evse_id else 0
    return (profile.stack_level, specific, profile.profile_id)


def _group(purpose: str, profile: Profile) -> str:
    # External constraints on EVSE 0 and on the EVSE are separate limits; both hold.
    return f"{purpose}@{profile.evse_id}" if purpose == EXTERNAL else purpose


def _winner(
    candidates: Sequence[_Segments], instant: datetime
) -> tuple[float, int | None, int] | None:
    """(limit, phases, profile id) of the first candidate (highest priority) active now."""
    for segments in candidates:
        index = segments.at(instant)
        if index is not None:
            return segments.limits[index], segments.phases[index], segments.profile.profile_id
    return None


def compute(profiles: Iterable[Profile], window: Window) -> Composite:
    """The composite schedule of ``window``; adjacent equal periods are merged."""
    groups: dict[str, list[_Segments]] = {}
    cuts = {window.start, window.end}
    for profile in applicable(profiles, window):
        segments = _segments(profile, window)
        if segments.starts:
            groups.setdefault(_group(profile.purpose, profile), []).append(segments)
            cuts.update(segments.starts)
            cuts.update(segments.ends)
    for members in groups.values():
        members.sort(key=lambda item: _priority(item, window), reverse=True)
    # Periods start on whole seconds: a change within a second counts from the next one.
    offsets = sorted(
        {math.ceil((cut - window.start).total_seconds()) for cut in cuts if cut >= window.start}
    )
    periods: list[CompositePeriod] = []
    for offset in (item for item in offsets if item < window.duration):
        period = _limit_at(groups, window.start + timedelta(seconds=offset), window)
        if periods and (periods[-1].limit, periods[-1].number_phases) == (
            period.limit,
            period.number_phases,
        ):
            continue
        periods.append(period)
    return Composite(window, periods)


def _limit_at(
    groups: dict[str, list[_Segments]], instant: datetime, window: Window
) -> CompositePeriod:
    offset = int((instant - window.start).total_seconds())
    found: list[tuple[float, int | None, int]] = []
    tx = _winner(groups.get(TX, []), instant) or _winner(groups.get(TX_DEFAULT, []), instant)
    if tx is not None:
        found.append(tx)
    for name, members in groups.items():
        if name not in (TX, TX_DEFAULT):
            winner = _winner(members, instant)
            if winner is not None:
                found.append(winner)
    if not found:
        return CompositePeriod(offset, None)
    limit, phases, profile_id = min(found, key=lambda item: item[0])
    return CompositePeriod(offset, limit, phases, profile_id)
