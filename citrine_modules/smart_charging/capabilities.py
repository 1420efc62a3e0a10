"""What a station's stored device model says about its smart charging (``Capabilities``).

Read in one query per call. A variable the station never reported stays None: the rules do not
hold an unknown capability against a profile.
"""

from __future__ import annotations

from collections.abc import Sequence

from citrine_data import Session
from citrine_data.models import Variable
from citrine_data.repositories import SiteRepository
from citrine_modules.smart_charging.rules import Capabilities

CTRLR = "SmartChargingCtrlr"
ISO15118 = "ISO15118Ctrlr"
EVSE = "EVSE"


def _actual(variable: Variable) -> str | None:
    for attribute in variable.attributes:
        if attribute.type == "Actual":
            return attribute.value
    return None


def _as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _as_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() == "true"


def _max_limit(variable: Variable) -> float | None:
    characteristics = variable.characteristics
    return characteristics.max_limit if characteristics is not None else None


def from_variables(variables: Sequence[Variable], evse_ids: Sequence[int]) -> Capabilities:
    """Capabilities from the device-model variables of one station."""
    values: dict[str, object] = {}
    power: dict[int, float] = {}
    phases: dict[int, int] = {}
    iso = False
    known_evses = set(evse_ids)
    for variable in variables:
        component = variable.component
        if component.name == ISO15118:
            iso = True
        elif component.name == EVSE and component.evse_id:
            known_evses.add(component.evse_id)
            _evse_variable(variable, component.evse_id, power, phases)
        elif component.name == CTRLR:
            values.update(_ctrlr_variable(variable))
    return Capabilities(
        rate_units=_units(values.get("RateUnit")),
        periods_per_schedule=_as_int(_text(values.get("PeriodsPerSchedule"))),
        max_stack_level=_as_int(_text(values.get("ProfileStackLevel"))),
        max_profiles=_as_int(_text(values.get("Entries"))),
        phase_switching=_as_bool(_text(values.get("ACPhaseSwitchingSupported"))),
        iso15118=iso,
        evse_ids=frozenset(known_evses) if known_evses else None,
        evse_max_power=power,
        evse_phases=phases,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _units(value: object) -> frozenset[str] | None:
    if not isinstance(value, str):
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _ctrlr_variable(variable: Variable) -> dict[str, object]:
    if variable.name == "Entries":
        # Entries[ChargingProfiles]: the value is how many are installed, maxLimit the most.
        if variable.instance != "ChargingProfiles":
            return {}
        most = _max_limit(variable)
        return {"Entries": str(int(most))} if most is not None else {}
    return {variable.name: _actual(variable)}


def _evse_variable(
    variable: Variable, evse_id: int, power: dict[int, float], phases: dict[int, int]
) -> None:
    if variable.name == "Power":
        most = _max_limit(variable)
        if most is not None and most > 0:
            power[evse_id] = most
    elif variable.name == "SupplyPhases":
        count = _as_int(_actual(variable))
        if count in (1, 2, 3):
            phases[evse_id] = count


async def station_capabilities(session: Session, station_pk: int) -> Capabilities:
    site = SiteRepository.from_session(session)
    variables = await site.device_variables([station_pk], [CTRLR, ISO15118, EVSE])
    return from_variables(variables, await site.evse_ids(station_pk))
