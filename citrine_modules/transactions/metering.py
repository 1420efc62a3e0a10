"""Meter values as stations send them: the rows we store, and the energy register (block J).

A SampledValue without a measurand is an ``Energy.Active.Import.Register`` reading and one
without a unit is in Wh (the schema's defaults, chosen to keep messages small). The register
only grows (J02.FR.16), so a transaction's energy is its highest reading minus its lowest,
whatever order the readings arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data.repositories.meter import SampledValueData

ENERGY_REGISTER = enums.MeasurandEnum.ENERGY_ACTIVE_IMPORT_REGISTER
PHASES = frozenset({enums.PhaseEnum.L1, enums.PhaseEnum.L2, enums.PhaseEnum.L3})
# Readings of the EV's or the station body's own meters are not the energy delivered here.
NOT_DELIVERED = frozenset({enums.LocationEnum.EV, enums.LocationEnum.BODY})
WH_PER_UNIT = {"Wh": 1.0, "kWh": 1000.0}


def sampled_rows(value: datatypes.MeterValue) -> list[SampledValueData]:
    """The sampled values of one MeterValue as stored, signed meter data included (the
    signature is kept as sent: TC_J_04_CSMS, TC_J_11_CSMS)."""
    return [_row(sample) for sample in value.sampled_value]


def _row(sample: datatypes.SampledValue) -> SampledValueData:
    unit = sample.unit_of_measure
    return SampledValueData(
        value=sample.value,
        measurand=(sample.measurand or ENERGY_REGISTER).value,
        context=sample.context.value if sample.context else None,
        phase=sample.phase.value if sample.phase else None,
        location=sample.location.value if sample.location else None,
        unit=unit.unit if unit else None,
        multiplier=unit.multiplier if unit else None,
        signed_meter_value=(
            sample.signed_meter_value.to_wire() if sample.signed_meter_value else None
        ),
    )


def register_wh(value: datatypes.MeterValue) -> float | None:
    """The import register in Wh at this MeterValue's instant: the reading without a phase,
    else the sum of the per-phase readings; None when it holds no register reading."""
    total: float | None = None
    per_phase: dict[enums.PhaseEnum, float] = {}
    for sample in value.sampled_value:
        if (sample.measurand or ENERGY_REGISTER) is not ENERGY_REGISTER:
            continue
        if sample.location in NOT_DELIVERED:
            continue
        wh = to_wh(sample)
        if wh is None:
            continue
        if sample.phase is None:
            total = wh
        elif sample.phase in PHASES:
            per_phase[sample.phase] = wh
    if total is not None:
        return total
    return sum(per_phase.values()) if per_phase else None


def to_wh(sample: datatypes.SampledValue) -> float | None:
    """The sample in Wh; None for a unit that is not an energy unit we know."""
    unit = sample.unit_of_measure
    factor = WH_PER_UNIT.get(unit.unit if unit and unit.unit else "Wh")
    if factor is None:
        return None
    multiplier = unit.multiplier if unit and unit.multiplier is not None else 0
    return float(sample.value) * factor * 10.0**multiplier


def register_readings(values: Iterable[datatypes.MeterValue]) -> list[float]:
    return [wh for wh in (register_wh(value) for value in values) if wh is not None]


def energy_span(
    readings: Sequence[float], start_wh: float | None, stop_wh: float | None
) -> tuple[float, float] | None:
    """The lowest and highest register reading, with those already known; None when there
    is none at all."""
    known = [*readings, *(wh for wh in (start_wh, stop_wh) if wh is not None)]
    if not known:
        return None
    return min(known), max(known)
