"""Charging profiles with their schedules and periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from citrine_data.models.smart_charging import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileSource,
)
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodData:
    start_period: int
    limit: float
    number_phases: int | None = None
    phase_to_use: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleData:
    schedule_id: int
    charging_rate_unit: str
    periods: Sequence[PeriodData]
    start_schedule: datetime | None = None
    duration: int | None = None
    min_charging_rate: float | None = None
    sales_tariff: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileData:
    profile_id: int
    stack_level: int
    purpose: str
    kind: str
    source: ProfileSource
    schedules: Sequence[ScheduleData]
    evse_id: int = 0
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None
    status: str | None = None


def _schedule(data: ScheduleData) -> ChargingSchedule:
    return ChargingSchedule(
        schedule_id=data.schedule_id,
        charging_rate_unit=data.charging_rate_unit,
        start_schedule=data.start_schedule,
        duration=data.duration,
        min_charging_rate=data.min_charging_rate,
        sales_tariff=data.sales_tariff,
        periods=[
            ChargingSchedulePeriod(
                start_period=period.start_period,
                limit=period.limit,
                number_phases=period.number_phases,
                phase_to_use=period.phase_to_use,
            )
            for period in data.periods
        ],
    )


def _loaded() -> Any:
    return selectinload(ChargingProfile.schedules).selectinload(ChargingSchedule.periods)


class ChargingProfileRepository(Repository):
    async def get(self, station_pk: int, profile_id: int) -> ChargingProfile | None:
        statement = (
            select(ChargingProfile)
            .where(
                ChargingProfile.station_pk == station_pk, ChargingProfile.profile_id == profile_id
            )
            .options(_loaded())
        )
        return await self._get_one_or_none(statement)

    async def replace(self, station_pk: int, data: ProfileData) -> ChargingProfile:
        """Store the profile, replacing one with the same id on the station (as the station
        itself does on SetChargingProfile)."""
        await self.delete(station_pk, data.profile_id)
        profile = ChargingProfile(
            station_pk=station_pk,
            profile_id=data.profile_id,
            evse_id=data.evse_id,
            stack_level=data.stack_level,
            purpose=data.purpose,
            kind=data.kind,
            recurrency=data.recurrency,
            valid_from=data.valid_from,
            valid_to=data.valid_to,
            transaction_id=data.transaction_id,
            source=data.source,
            status=data.status,
            schedules=[_schedule(schedule) for schedule in data.schedules],
        )
        return await self._add(profile)

    async def set_status(self, profile: ChargingProfile, status: str) -> None:
        profile.status = status
        await self._flush()

    async def delete(self, station_pk: int, profile_id: int) -> bool:
        statement = delete(ChargingProfile).where(
            ChargingProfile.station_pk == station_pk, ChargingProfile.profile_id == profile_id
        )
        return await self._execute_dml(statement) > 0

    async def list(
        self, station_pk: int, *, evse_id: int | None = None, purpose: str | None = None
    ) -> list[ChargingProfile]:
        statement = select(ChargingProfile).where(ChargingProfile.station_pk == station_pk)
        if evse_id is not None:
            statement = statement.where(ChargingProfile.evse_id == evse_id)
        if purpose is not None:
            statement = statement.where(ChargingProfile.purpose == purpose)
        statement = statement.options(_loaded()).order_by(
            ChargingProfile.evse_id, ChargingProfile.stack_level.desc(), ChargingProfile.profile_id
        )
        return await self._get_all(statement)
