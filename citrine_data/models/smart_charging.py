"""Charging profiles as last known by the CSMS: set by us, or reported by the station."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, enum_check, station_fk, str_enum


class ProfileSource(StrEnum):
    CSMS = "csms"  # sent by us with SetChargingProfile
    STATION = "station"  # reported by the station (ReportChargingProfiles)


class ChargingProfile(TimestampMixin, Base):
    __tablename__ = "charging_profiles"
    __table_args__ = (
        sa.UniqueConstraint("station_pk", "profile_id"),
        enum_check("source", ProfileSource),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    profile_id: Mapped[int]  # ChargingProfileType.id
    evse_id: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: whole station
    stack_level: Mapped[int]
    purpose: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(20))
    recurrency: Mapped[str | None] = mapped_column(sa.String(10))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transaction_id: Mapped[str | None] = mapped_column(sa.String(36))
    source: Mapped[ProfileSource] = mapped_column(str_enum(ProfileSource))
    # The station's answer to SetChargingProfile (Accepted/Rejected), None until it answers.
    status: Mapped[str | None] = mapped_column(sa.String(20))

    schedules: Mapped[list[ChargingSchedule]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ChargingSchedule.schedule_id",
    )


class ChargingSchedule(Base):
    __tablename__ = "charging_schedules"
    __table_args__ = (sa.UniqueConstraint("profile_pk", "schedule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("charging_profiles.id", ondelete="CASCADE")
    )
    schedule_id: Mapped[int]  # ChargingScheduleType.id
    start_schedule: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration: Mapped[int | None]  # seconds
    charging_rate_unit: Mapped[str] = mapped_column(sa.String(1))  # "A" or "W"
    min_charging_rate: Mapped[float | None] = mapped_column(sa.Double())
    sales_tariff: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())

    periods: Mapped[list[ChargingSchedulePeriod]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ChargingSchedulePeriod.start_period",
    )


class ChargingSchedulePeriod(Base):
    __tablename__ = "charging_schedule_periods"
    __table_args__ = (sa.UniqueConstraint("schedule_pk", "start_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("charging_schedules.id", ondelete="CASCADE")
    )
    start_period: Mapped[int]  # seconds from the schedule's start
    limit: Mapped[float] = mapped_column(sa.Double())
    number_phases: Mapped[int | None]
    phase_to_use: Mapped[int | None]
