"""The schedule of the CSMS's own TxProfile for a transaction (pure).

At every instant of the next ``HORIZON`` seconds its limit is the smallest of:

* the transaction's share of its site's grid limit (``share_amps``, per phase);
* what the EV can take (``evMaxCurrent`` for AC, ``evMaxPower`` or current x voltage for DC);
* what the station's other profiles allow for the EVSE (their composite), because this
  TxProfile overrides the TxDefaultProfile and lower TxProfiles of the transaction and must
  never raise what they set.

When none of these limits (an ISO 15118 EV that told nothing, no site limit, no profiles), the
EVSE's maximum from the device model is used, else ``DEFAULT_AC_AMPS`` / ``DEFAULT_DC_WATTS``.
Limits are rounded down to one decimal; periods are merged until the count fits the EV's
``maxScheduleTuples`` and the station's ``PeriodsPerSchedule``, always keeping the lower limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_modules.smart_charging.composite import Composite, convert
from citrine_modules.smart_charging.convert import floor_limit

HORIZON = 24 * 3600
DEFAULT_AC_AMPS = 32.0
DEFAULT_DC_WATTS = 50_000.0
MAX_PERIODS = 1024
MANAGED_SCHEDULE_ID = 1

_PHASES = {
    enums.EnergyTransferModeEnum.AC_SINGLE_PHASE: 1,
    enums.EnergyTransferModeEnum.AC_TWO_PHASE: 2,
    enums.EnergyTransferModeEnum.AC_THREE_PHASE: 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class EvNeeds:
    """An EV's charging needs as the fit uses them."""

    ac: bool
    phases: int | None  # AC only
    max_limit: float | None  # A per phase for AC, W for DC
    min_limit: float | None  # A per phase for AC


def ev_needs(needs: datatypes.ChargingNeeds) -> EvNeeds:
    mode = needs.requested_energy_transfer
    if mode in _PHASES:
        ac = needs.ac_charging_parameters
        return EvNeeds(
            ac=True,
            phases=_PHASES[mode],
            max_limit=float(ac.ev_max_current) if ac else None,
            min_limit=float(ac.ev_min_current) if ac else None,
        )
    dc = needs.dc_charging_parameters
    most: float | None = None
    if dc is not None:
        most = float(dc.ev_max_power or dc.ev_max_current * dc.ev_max_voltage)
    return EvNeeds(ac=False, phases=None, max_limit=most, min_limit=None)


def needs_problem(needs: datatypes.ChargingNeeds) -> str | None:
    """Why the needs cannot be served, or None: parameters that contradict the mode."""
    ac_mode = needs.requested_energy_transfer in _PHASES
    if ac_mode and needs.dc_charging_parameters and not needs.ac_charging_parameters:
        return "an AC energy transfer with only DC charging parameters"
    if not ac_mode and needs.ac_charging_parameters and not needs.dc_charging_parameters:
        return "a DC energy transfer with only AC charging parameters"
    return None


def choose_unit(ev: EvNeeds | None, rate_units: frozenset[str] | None) -> str:
    """A for AC, W for DC (as the EV counts), unless the station takes only the other."""
    preferred = "W" if ev is not None and not ev.ac else "A"
    if rate_units and preferred not in rate_units:
        return next(iter(sorted(rate_units)))
    return preferred


@dataclass(frozen=True, slots=True, kw_only=True)
class FitInput:
    now: datetime
    unit: str
    others: Composite  # the other profiles' composite for the EVSE, in ``unit``, from now
    share_amps: float | None = None
    ev: EvNeeds | None = None
    evse_max_watts: float | None = None
    phases: int | None = None  # of the EVSE when known
    max_periods: int | None = None


def _phases(fit: FitInput) -> int:
    if fit.ev is not None and fit.ev.phases is not None:
        return fit.ev.phases
    return fit.phases or 3


def _caps(fit: FitInput) -> list[float]:
    phases = _phases(fit)
    caps = []
    if fit.share_amps is not None:
        caps.append(convert(fit.share_amps, "A", fit.unit, phases))
    if fit.ev is not None and fit.ev.max_limit is not None:
        caps.append(convert(fit.ev.max_limit, "W" if not fit.ev.ac else "A", fit.unit, phases))
    return caps


def _fallback(fit: FitInput) -> float:
    if fit.evse_max_watts is not None:
        return convert(fit.evse_max_watts, "W", fit.unit, _phases(fit))
    if fit.ev is not None and not fit.ev.ac:
        return convert(DEFAULT_DC_WATTS, "W", fit.unit, _phases(fit))
    return convert(DEFAULT_AC_AMPS, "A", fit.unit, _phases(fit))


def fit_schedule(fit: FitInput) -> datatypes.ChargingSchedule:
    caps = _caps(fit)
    fallback = _fallback(fit)
    runs: list[tuple[int, float]] = []
    for period in fit.others.periods:
        bounds = [*caps, *([period.limit] if period.limit is not None else [])]
        limit = floor_limit(max(0.0, min(bounds) if bounds else fallback))
        if not runs or runs[-1][1] != limit:
            runs.append((period.start, limit))
    if not runs:
        runs = [(0, floor_limit(min(caps) if caps else fallback))]
    most = min(fit.max_periods or MAX_PERIODS, MAX_PERIODS)
    runs = reduce_periods(runs, most)
    phases = fit.ev.phases if fit.ev is not None and fit.ev.ac else fit.phases
    number_phases = phases if fit.unit == "A" and phases not in (None, 3) else None
    minimum = fit.ev.min_limit if fit.ev is not None and fit.ev.ac else None
    return datatypes.ChargingSchedule(
        id=MANAGED_SCHEDULE_ID,
        start_schedule=fit.now,
        charging_rate_unit=enums.ChargingRateUnitEnum(fit.unit),
        charging_schedule_period=[
            datatypes.ChargingSchedulePeriod(
                start_period=start, limit=limit, number_phases=number_phases
            )
            for start, limit in runs
        ],
        min_charging_rate=(
            floor_limit(convert(minimum, "A", fit.unit, _phases(fit))) if minimum else None
        ),
    )


def reduce_periods(runs: Sequence[tuple[int, float]], most: int) -> list[tuple[int, float]]:
    """At most ``most`` periods: repeatedly merge the neighbours closest in limit, keeping the
    lower limit, so the result never allows more than the input."""
    merged = list(runs)
    while len(merged) > max(1, most):
        index = min(range(len(merged) - 1), key=lambda i: abs(merged[i][1] - merged[i + 1][1]))
        start = merged[index][0]
        merged[index : index + 2] = [(start, min(merged[index][1], merged[index + 1][1]))]
    return merged
