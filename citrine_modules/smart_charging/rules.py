"""The rules a charging profile must follow before the CSMS sends it (K01), as pure functions.

``check_profile`` returns every violation as a sentence naming the field; an empty list means
the profile may be sent. What the station itself allows comes from its stored device model
(``Capabilities``); an unknown capability is not held against the profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from citrine_base.ocpp.v201 import datatypes, messages
from citrine_modules.smart_charging.composite import (
    DAY,
    EXTERNAL,
    MAX_PROFILE,
    TX,
    WEEK,
    Profile,
)

MAX_PHASES = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What the station's device model says about smart charging (None: not reported)."""

    rate_units: frozenset[str] | None = None  # SmartChargingCtrlr.RateUnit
    periods_per_schedule: int | None = None  # SmartChargingCtrlr.PeriodsPerSchedule
    max_stack_level: int | None = None  # SmartChargingCtrlr.ProfileStackLevel
    max_profiles: int | None = None  # SmartChargingCtrlr.Entries[ChargingProfiles] maxLimit
    phase_switching: bool | None = None  # SmartChargingCtrlr.ACPhaseSwitchingSupported
    iso15118: bool = False  # an ISO15118Ctrlr component exists
    evse_ids: frozenset[int] | None = None  # the EVSEs the CSMS knows of
    evse_max_power: Mapping[int, float] = field(default_factory=dict)  # EVSE.Power maxLimit W
    evse_phases: Mapping[int, int] = field(default_factory=dict)  # EVSE.SupplyPhases


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileContext:
    """What the rules look at besides the profile."""

    now: datetime
    capabilities: Capabilities
    installed: Sequence[Profile]  # believed to be on the station
    running: Mapping[str, int | None]  # transaction id -> EVSE id (None: unknown)
    managed: Mapping[str, int] = field(default_factory=dict)  # transaction id -> profile id


def _overlaps(a: Profile, b: datatypes.ChargingProfile, now: datetime) -> bool:
    """Whether the validity of installed ``a`` and new ``b`` overlap; ``b`` without validFrom
    is valid from when the station receives it (now)."""
    a_from, a_to = a.valid_from, a.valid_to
    b_from, b_to = b.valid_from or now, b.valid_to
    starts_before_b_ends = b_to is None or a_from is None or a_from < b_to
    ends_after_b_starts = a_to is None or b_from is None or b_from < a_to
    return starts_before_b_ends and ends_after_b_starts


def check_profile(
    evse_id: int, profile: datatypes.ChargingProfile, context: ProfileContext
) -> list[str]:
    """Every reason not to send ``profile`` for ``evse_id``."""
    return [
        *_purpose_rules(evse_id, profile, context),
        *_stacking_rules(evse_id, profile, context),
        *_kind_rules(profile, context),
        *_schedule_rules(profile, context),
    ]


def _purpose_rules(
    evse_id: int, profile: datatypes.ChargingProfile, context: ProfileContext
) -> list[str]:
    purpose = profile.charging_profile_purpose.value
    problems = []
    known = context.capabilities.evse_ids
    if evse_id < 0:
        problems.append(f"evseId {evse_id} is negative")
    elif evse_id > 0 and known is not None and evse_id not in known:
        problems.append(f"evseId {evse_id} is not an EVSE of this station (known: {sorted(known)})")
    if purpose == EXTERNAL:
        problems.append(
            "chargingProfilePurpose ChargingStationExternalConstraints is set by external "
            "systems only; the CSMS never sends it (K01.FR.22)"
        )
    if purpose == MAX_PROFILE and evse_id != 0:
        problems.append("a ChargingStationMaxProfile is only set on evseId 0")
    if purpose == MAX_PROFILE and profile.charging_profile_kind.value == "Relative":
        problems.append("a ChargingStationMaxProfile cannot be Relative")
    if purpose != TX and profile.transaction_id is not None:
        problems.append("transactionId is only allowed in a TxProfile")
    if purpose == TX:
        problems.extend(_tx_rules(evse_id, profile, context))
    return problems


def _tx_rules(
    evse_id: int, profile: datatypes.ChargingProfile, context: ProfileContext
) -> list[str]:
    if evse_id <= 0:
        return ["a TxProfile needs an evseId > 0"]
    transaction = profile.transaction_id
    if transaction is None:
        return ["a TxProfile needs the transactionId of the transaction it limits"]
    if transaction not in context.running:
        return [f"transaction {transaction} is not running on this station"]
    where = context.running[transaction]
    if where is not None and where != evse_id:
        return [f"transaction {transaction} runs on EVSE {where}, not on EVSE {evse_id}"]
    return []


def _stacking_rules(
    evse_id: int, profile: datatypes.ChargingProfile, context: ProfileContext
) -> list[str]:
    problems = []
    purpose = profile.charging_profile_purpose.value
    limit = context.capabilities.max_stack_level
    if profile.stack_level < 0:
        problems.append(f"stackLevel {profile.stack_level} is negative")
    elif limit is not None and profile.stack_level > limit:
        problems.append(f"stackLevel {profile.stack_level} is above the station's maximum {limit}")
    for other in context.installed:
        if other.profile_id == profile.id:  # the same id replaces it
            continue
        same_level = other.stack_level == profile.stack_level and other.purpose == purpose
        if purpose == TX:
            if same_level and other.transaction_id == profile.transaction_id:
                problems.append(
                    f"profile {other.profile_id} already is the TxProfile of transaction "
                    f"{profile.transaction_id} at stackLevel {profile.stack_level} (K01.FR.39)"
                )
        elif same_level and other.evse_id == evse_id and _overlaps(other, profile, context.now):
            problems.append(
                f"profile {other.profile_id} already is a {purpose} at stackLevel "
                f"{profile.stack_level} on EVSE {evse_id} with an overlapping validity (K01.FR.06)"
            )
    problems.extend(_capacity_rule(profile, context))
    return problems


def _capacity_rule(profile: datatypes.ChargingProfile, context: ProfileContext) -> list[str]:
    maximum = context.capabilities.max_profiles
    if maximum is None or any(item.profile_id == profile.id for item in context.installed):
        return []
    if len(context.installed) + 1 > maximum:
        return [
            f"the station holds {len(context.installed)} profiles, its maximum "
            f"(SmartChargingCtrlr.Entries[ChargingProfiles]) is {maximum}"
        ]
    return []


def _kind_rules(profile: datatypes.ChargingProfile, context: ProfileContext) -> list[str]:
    problems = []
    kind = profile.charging_profile_kind.value
    starts = [schedule.start_schedule for schedule in profile.charging_schedule]
    if kind in ("Absolute", "Recurring") and any(start is None for start in starts):
        problems.append(f"an {kind} profile needs chargingSchedule.startSchedule")
    if kind == "Relative" and any(start is not None for start in starts):
        problems.append("a Relative profile must not have chargingSchedule.startSchedule")
    if kind == "Recurring" and profile.recurrency_kind is None:
        problems.append("a Recurring profile needs recurrencyKind (Daily or Weekly)")
    if kind != "Recurring" and profile.recurrency_kind is not None:
        problems.append(f"recurrencyKind is only for Recurring profiles, not {kind}")
    if kind == "Recurring" and profile.recurrency_kind is not None:
        cycle = WEEK if profile.recurrency_kind.value == "Weekly" else DAY
        for schedule in profile.charging_schedule:
            if schedule.duration is not None and schedule.duration > cycle:
                problems.append(
                    f"chargingSchedule {schedule.id}: duration {schedule.duration} s is longer "
                    f"than one {profile.recurrency_kind.value} recurrence ({cycle} s)"
                )
    if profile.valid_from and profile.valid_to and profile.valid_from >= profile.valid_to:
        problems.append("validFrom must be before validTo")
    if profile.valid_to is not None and profile.valid_to <= context.now:
        problems.append("validTo is in the past: the profile would never apply")
    return problems


def _schedule_rules(profile: datatypes.ChargingProfile, context: ProfileContext) -> list[str]:
    problems = []
    schedules = profile.charging_schedule
    iso = context.capabilities.iso15118 and profile.charging_profile_purpose.value == TX
    if len(schedules) > 1 and not iso:
        problems.append(
            "more than one chargingSchedule is only for a TxProfile on a station with ISO 15118 "
            "(K01.FR.34)"
        )
    if len({schedule.id for schedule in schedules}) != len(schedules):
        problems.append("chargingSchedule ids must be unique within the profile")
    for schedule in schedules:
        problems.extend(_periods_rules(schedule, context.capabilities))
    return problems


def _periods_rules(schedule: datatypes.ChargingSchedule, capabilities: Capabilities) -> list[str]:
    name = f"chargingSchedule {schedule.id}"
    problems = []
    unit = schedule.charging_rate_unit.value
    if capabilities.rate_units is not None and unit not in capabilities.rate_units:
        allowed = ", ".join(sorted(capabilities.rate_units)) or "none"
        problems.append(f"{name}: chargingRateUnit {unit} is not supported (RateUnit: {allowed})")
    periods = schedule.charging_schedule_period
    most = capabilities.periods_per_schedule
    if most is not None and len(periods) > most:
        problems.append(f"{name}: {len(periods)} periods, the station takes at most {most}")
    if periods[0].start_period != 0:
        problems.append(f"{name}: the first startPeriod must be 0 (K01.FR.31)")
    for before, after in pairwise(periods):
        if after.start_period <= before.start_period:
            problems.append(
                f"{name}: startPeriod {after.start_period} does not come after "
                f"{before.start_period}; periods must be in ascending order"
            )
    if schedule.duration is not None and schedule.duration <= 0:
        problems.append(f"{name}: duration must be positive")
    elif schedule.duration is not None and periods[-1].start_period >= schedule.duration:
        problems.append(f"{name}: startPeriod {periods[-1].start_period} is past the duration")
    for period in periods:
        problems.extend(_period_rules(name, period, capabilities))
    if schedule.min_charging_rate is not None and not _one_decimal(schedule.min_charging_rate):
        problems.append(f"{name}: minChargingRate takes at most one decimal")
    return problems


def _period_rules(
    name: str, period: datatypes.ChargingSchedulePeriod, capabilities: Capabilities
) -> list[str]:
    where = f"{name}, startPeriod {period.start_period}"
    problems = []
    if period.start_period < 0:
        problems.append(f"{where}: startPeriod is negative")
    if period.limit < 0:
        problems.append(f"{where}: limit {period.limit} is negative")
    elif not _one_decimal(period.limit):
        problems.append(f"{where}: limit {period.limit} has more than one decimal")
    phases = period.number_phases
    if phases is not None and not 1 <= phases <= MAX_PHASES:
        problems.append(f"{where}: numberPhases must be 1, 2 or 3")
    if period.phase_to_use is not None:
        if phases != 1:
            problems.append(f"{where}: phaseToUse is only allowed with numberPhases 1")
        if not 1 <= period.phase_to_use <= MAX_PHASES:
            problems.append(f"{where}: phaseToUse must be 1, 2 or 3")
        if capabilities.phase_switching is False:
            problems.append(
                f"{where}: phaseToUse needs ACPhaseSwitchingSupported, which the station lacks"
            )
    return problems


def _one_decimal(value: float) -> bool:
    # The schema's "at most one digit fraction", checked without binary floating point traps
    # (8.1 * 10 is 80.99999999999999).
    return abs(value * 10 - round(value * 10)) < 1e-6


def check_composite_request(
    request: messages.GetCompositeScheduleRequest, capabilities: Capabilities
) -> list[str]:
    """Every reason not to send a GetCompositeSchedule."""
    problems = []
    if request.duration <= 0:
        problems.append("duration must be positive")
    known = capabilities.evse_ids
    if request.evse_id < 0:
        problems.append(f"evseId {request.evse_id} is negative")
    elif request.evse_id > 0 and known is not None and request.evse_id not in known:
        problems.append(f"evseId {request.evse_id} is not an EVSE of this station")
    unit = request.charging_rate_unit
    units = capabilities.rate_units
    if unit is not None and units is not None and unit.value not in units:
        problems.append(f"chargingRateUnit {unit.value} is not supported by the station")
    return problems
