"""The composite schedule of an EVSE (or the station) computed by the CSMS from what it has
stored, in the shape of GetCompositeScheduleResponse's ``schedule``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data import Session
from citrine_data.repositories import ChargingProfileRepository
from citrine_modules.smart_charging import composite
from citrine_modules.smart_charging.capabilities import station_capabilities
from citrine_modules.smart_charging.convert import floor_limit, stored_engine_profile
from citrine_modules.smart_charging.ev import running_on
from citrine_modules.smart_charging.profiles import station_pk

NO_LIMIT = 999_999.0
MAX_DURATION = 31 * 24 * 3600

ASSUMPTIONS = (
    "computed by the CSMS from the profiles it has stored (accepted by or reported by the "
    "station), not asked from the station",
    "A and W converted with 230 V per phase and the period's numberPhases, or 3 phases",
    "a Relative profile starts with the running transaction, or at scheduleStart when none runs",
    "only the first chargingSchedule of a profile counts",
)


@dataclass(frozen=True, slots=True)
class ComputedSchedule:
    schedule: datatypes.CompositeSchedule
    unlimited_periods: list[int]  # startPeriod of the periods no stored profile limits
    assumptions: list[str]


class ScheduleService:
    async def compute(
        self,
        session: Session,
        key: StationKey,
        *,
        evse_id: int,
        start: datetime,
        duration: int,
        unit: str | None,
    ) -> ComputedSchedule:
        pk = await station_pk(session, key)
        capabilities = await station_capabilities(session, pk)
        rate_units = capabilities.rate_units
        unit = unit or ("A" if not rate_units or "A" in rate_units else "W")
        transaction = await running_on(session, pk, evse_id) if evse_id > 0 else None
        window = composite.Window(
            evse_id=evse_id,
            start=start,
            duration=duration,
            unit=unit,
            transaction_id=transaction.transaction_id if transaction else None,
            transaction_started_at=transaction.started_at if transaction else None,
        )
        rows = await ChargingProfileRepository.from_session(session).list_installed(pk)
        profiles = [profile for row in rows if (profile := stored_engine_profile(row))]
        # Pure CPU work, milliseconds per profile-week: off the event loop.
        result = await asyncio.to_thread(composite.compute, profiles, window)
        maximum = capabilities.evse_max_power.get(evse_id)
        phases = capabilities.evse_phases.get(evse_id)
        no_limit = composite.convert(maximum, "W", unit, phases) if maximum else NO_LIMIT
        notes = list(ASSUMPTIONS)
        unlimited = [period.start for period in result.periods if period.limit is None]
        if unlimited:
            what = "the EVSE's maximum power" if maximum else f"{NO_LIMIT:g} (no limit known)"
            notes.append(f"periods that no stored profile limits carry {what}")
        periods = [
            datatypes.ChargingSchedulePeriod(
                start_period=period.start,
                limit=floor_limit(no_limit if period.limit is None else period.limit),
                number_phases=period.number_phases,
            )
            for period in result.periods
        ]
        schedule = datatypes.CompositeSchedule(
            evse_id=evse_id,
            duration=duration,
            schedule_start=start,
            charging_rate_unit=enums.ChargingRateUnitEnum(unit),
            charging_schedule_period=periods,
        )
        return ComputedSchedule(schedule, unlimited, notes)


schedule_service = ScheduleService()
