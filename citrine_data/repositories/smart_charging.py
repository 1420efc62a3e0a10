"""Charging profiles with their schedules and periods, and the GetChargingProfiles reports.

A profile is *installed* (believed to be on the station) when the station accepted it or
reported it; a Rejected one is kept only so that an operator sees what was refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.orm import selectinload

from citrine_data.errors import translate_errors
from citrine_data.models.smart_charging import (
    ChargingProfile,
    ChargingProfileReport,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileSource,
)
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

ACCEPTED = "Accepted"


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
    charging_limit_source: str = "CSO"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileFilter:
    """Which stored profiles a clear or a report covers; None matches anything."""

    evse_id: int | None = None
    purpose: str | None = None
    stack_level: int | None = None
    profile_ids: Sequence[int] | None = None
    limit_sources: Sequence[str] | None = None
    exclude_purpose: str | None = None


def _installed() -> ColumnElement[bool]:
    return or_(ChargingProfile.source == ProfileSource.STATION, ChargingProfile.status == ACCEPTED)


def _matching(station_pk: int, which: ProfileFilter) -> list[ColumnElement[bool]]:
    clauses = [ChargingProfile.station_pk == station_pk]
    if which.evse_id is not None:
        clauses.append(ChargingProfile.evse_id == which.evse_id)
    if which.purpose is not None:
        clauses.append(ChargingProfile.purpose == which.purpose)
    if which.stack_level is not None:
        clauses.append(ChargingProfile.stack_level == which.stack_level)
    if which.profile_ids is not None:
        clauses.append(ChargingProfile.profile_id.in_(list(which.profile_ids)))
    if which.limit_sources is not None:
        clauses.append(ChargingProfile.charging_limit_source.in_(list(which.limit_sources)))
    if which.exclude_purpose is not None:
        clauses.append(ChargingProfile.purpose != which.exclude_purpose)
    return clauses


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
            charging_limit_source=data.charging_limit_source,
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

    async def list_installed(self, station_pk: int) -> list[ChargingProfile]:
        """The profiles believed to be on the station, with schedules and periods."""
        statement = select(ChargingProfile).where(
            ChargingProfile.station_pk == station_pk, _installed()
        )
        return await self._get_all(_ordered(statement))

    async def page(
        self,
        station_pk: int,
        which: ProfileFilter,
        *,
        source: ProfileSource | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[ChargingProfile]:
        statement = select(ChargingProfile).where(*_matching(station_pk, which))
        if source is not None:
            statement = statement.where(ChargingProfile.source == source)
        return await self._paginate(_ordered(statement), limit=limit, offset=offset)

    async def delete_matching(
        self, station_pk: int, which: ProfileFilter, *, keep: Sequence[tuple[int, int]] = ()
    ) -> list[int]:
        """Delete the matching profiles except the (evse id, profile id) pairs in ``keep``;
        the ids of those deleted."""
        statement = select(ChargingProfile.id, ChargingProfile.evse_id, ChargingProfile.profile_id)
        with translate_errors():
            rows = (
                await self.session.execute(statement.where(*_matching(station_pk, which)))
            ).all()
        kept = {tuple(pair) for pair in keep}
        doomed = [(row[0], row[2]) for row in rows if (row[1], row[2]) not in kept]
        if doomed:
            keys = [key for key, _ in doomed]
            await self._execute_dml(delete(ChargingProfile).where(ChargingProfile.id.in_(keys)))
        return [profile_id for _, profile_id in doomed]

    async def delete_tx_profiles(self, station_pk: int, transaction_ids: Sequence[str]) -> int:
        """Drop the TxProfiles of ended transactions (the station drops them at the end)."""
        if not transaction_ids:
            return 0
        statement = delete(ChargingProfile).where(
            ChargingProfile.station_pk == station_pk,
            ChargingProfile.transaction_id.in_(list(transaction_ids)),
        )
        return await self._execute_dml(statement)

    async def max_profile_id(self, station_pk: int) -> int:
        statement = select(func.max(ChargingProfile.profile_id)).where(
            ChargingProfile.station_pk == station_pk
        )
        with translate_errors():
            value = (await self.session.execute(statement)).scalar_one_or_none()
        return int(value or 0)

    async def list(
        self, station_pk: int, *, evse_id: int | None = None, purpose: str | None = None
    ) -> list[ChargingProfile]:
        statement = select(ChargingProfile).where(
            *_matching(station_pk, ProfileFilter(evse_id=evse_id, purpose=purpose))
        )
        return await self._get_all(_ordered(statement))


def _ordered(statement: Select[Any]) -> Select[Any]:
    return statement.options(_loaded()).order_by(
        ChargingProfile.evse_id, ChargingProfile.stack_level.desc(), ChargingProfile.profile_id
    )


class ChargingProfileReportRepository(Repository):
    """GetChargingProfiles requests and the ReportChargingProfiles parts that answer them."""

    async def start(
        self,
        station_pk: int,
        request_id: int,
        *,
        evse_id: int | None,
        criteria: dict[str, Any] | None,
        requested_at: datetime,
        status: str = "requested",
    ) -> ChargingProfileReport:
        """``Conflict`` when the station already has a report with this request id."""
        report = ChargingProfileReport(
            station_pk=station_pk,
            request_id=request_id,
            evse_id=evse_id,
            criteria=criteria,
            status=status,
            parts_received=0,
            seen=[],
            requested_at=requested_at,
        )
        return await self._add(report)

    async def get(self, station_pk: int, request_id: int) -> ChargingProfileReport | None:
        statement = select(ChargingProfileReport).where(
            ChargingProfileReport.station_pk == station_pk,
            ChargingProfileReport.request_id == request_id,
        )
        return await self._get_one_or_none(statement)

    async def set_status(
        self, report: ChargingProfileReport, status: str, *, completed_at: datetime | None = None
    ) -> None:
        report.status = status
        if completed_at is not None:
            report.completed_at = completed_at
        await self._flush()

    async def record_part(
        self,
        report: ChargingProfileReport,
        seen: Sequence[tuple[int, int]],
        *,
        to_be_continued: bool,
        at: datetime,
    ) -> None:
        """Note a part; the report completes with the last one (tbc false)."""
        report.parts_received += 1
        # A new list: the JSON column notices a replaced value, not an in-place append.
        report.seen = [*report.seen, *([evse, profile] for evse, profile in seen)]
        if not to_be_continued:
            report.status = "complete"
            report.completed_at = at
        await self._flush()
