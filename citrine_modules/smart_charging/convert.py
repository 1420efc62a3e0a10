"""Between the OCPP models, the stored rows and the composite engine's profiles."""

from __future__ import annotations

import math

import orjson

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data.models import ChargingProfile, ChargingSchedule, ProfileSource
from citrine_data.repositories.smart_charging import PeriodData, ProfileData, ScheduleData
from citrine_modules.smart_charging import composite


def engine_profile(evse_id: int, profile: datatypes.ChargingProfile) -> composite.Profile:
    """An OCPP profile as the composite engine sees it (first schedule only)."""
    schedule = profile.charging_schedule[0]
    return composite.Profile(
        profile_id=profile.id,
        evse_id=evse_id,
        stack_level=profile.stack_level,
        purpose=profile.charging_profile_purpose.value,
        kind=profile.charging_profile_kind.value,
        recurrency=profile.recurrency_kind.value if profile.recurrency_kind else None,
        valid_from=profile.valid_from,
        valid_to=profile.valid_to,
        transaction_id=profile.transaction_id,
        schedule=engine_schedule(schedule),
    )


def engine_schedule(schedule: datatypes.ChargingSchedule) -> composite.Schedule:
    return composite.Schedule(
        unit=schedule.charging_rate_unit.value,
        start_schedule=schedule.start_schedule,
        duration=schedule.duration,
        periods=tuple(
            composite.Period(period.start_period, period.limit, period.number_phases)
            for period in schedule.charging_schedule_period
        ),
    )


def stored_engine_profile(row: ChargingProfile) -> composite.Profile | None:
    """A stored profile for the engine; None for one without a schedule (never sent so)."""
    if not row.schedules:
        return None
    schedule = row.schedules[0]
    return composite.Profile(
        profile_id=row.profile_id,
        evse_id=row.evse_id,
        stack_level=row.stack_level,
        purpose=row.purpose,
        kind=row.kind,
        recurrency=row.recurrency,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        transaction_id=row.transaction_id,
        schedule=composite.Schedule(
            unit=schedule.charging_rate_unit,
            start_schedule=schedule.start_schedule,
            duration=schedule.duration,
            periods=tuple(
                composite.Period(period.start_period, period.limit, period.number_phases)
                for period in schedule.periods
            ),
        ),
    )


def profile_data(
    evse_id: int,
    profile: datatypes.ChargingProfile,
    *,
    source: ProfileSource,
    status: str | None,
    limit_source: str = "CSO",
) -> ProfileData:
    return ProfileData(
        profile_id=profile.id,
        evse_id=evse_id,
        stack_level=profile.stack_level,
        purpose=profile.charging_profile_purpose.value,
        kind=profile.charging_profile_kind.value,
        recurrency=profile.recurrency_kind.value if profile.recurrency_kind else None,
        valid_from=profile.valid_from,
        valid_to=profile.valid_to,
        transaction_id=profile.transaction_id,
        source=source,
        status=status,
        charging_limit_source=limit_source,
        schedules=[_schedule_data(schedule) for schedule in profile.charging_schedule],
    )


def _schedule_data(schedule: datatypes.ChargingSchedule) -> ScheduleData:
    return ScheduleData(
        schedule_id=schedule.id,
        charging_rate_unit=schedule.charging_rate_unit.value,
        start_schedule=schedule.start_schedule,
        duration=schedule.duration,
        min_charging_rate=schedule.min_charging_rate,
        sales_tariff=schedule.sales_tariff.to_wire() if schedule.sales_tariff else None,
        periods=[
            PeriodData(
                start_period=period.start_period,
                limit=period.limit,
                number_phases=period.number_phases,
                phase_to_use=period.phase_to_use,
            )
            for period in schedule.charging_schedule_period
        ],
    )


def ocpp_profile(row: ChargingProfile) -> datatypes.ChargingProfile:
    """A stored profile in the OCPP shape, as SetChargingProfile carried it."""
    return datatypes.ChargingProfile(
        id=row.profile_id,
        stack_level=row.stack_level,
        charging_profile_purpose=enums.ChargingProfilePurposeEnum(row.purpose),
        charging_profile_kind=enums.ChargingProfileKindEnum(row.kind),
        recurrency_kind=enums.RecurrencyKindEnum(row.recurrency) if row.recurrency else None,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        transaction_id=row.transaction_id,
        charging_schedule=[ocpp_schedule(schedule) for schedule in row.schedules],
    )


def ocpp_schedule(schedule: ChargingSchedule) -> datatypes.ChargingSchedule:
    tariff = schedule.sales_tariff
    return datatypes.ChargingSchedule(
        id=schedule.schedule_id,
        start_schedule=schedule.start_schedule,
        duration=schedule.duration,
        charging_rate_unit=enums.ChargingRateUnitEnum(schedule.charging_rate_unit),
        min_charging_rate=schedule.min_charging_rate,
        sales_tariff=(
            datatypes.SalesTariff.model_validate_json(orjson.dumps(tariff)) if tariff else None
        ),
        charging_schedule_period=[
            datatypes.ChargingSchedulePeriod(
                start_period=period.start_period,
                limit=period.limit,
                number_phases=period.number_phases,
                phase_to_use=period.phase_to_use,
            )
            for period in schedule.periods
        ],
    )


def floor_limit(value: float) -> float:
    """A limit as sent to a station: at most one decimal, rounded down (never above)."""
    return math.floor(value * 10 + 1e-9) / 10
