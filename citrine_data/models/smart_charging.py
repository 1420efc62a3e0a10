"""Smart charging as last known by the CSMS.

* charging profiles (with schedules and periods): set by us and accepted, or reported by the
  station (ReportChargingProfiles);
* the GetChargingProfiles requests and the report parts received for them;
* external limits the station told us about (NotifyChargingLimit);
* the EV's charging needs and proposed schedule per EVSE (ISO 15118, K15-K17);
* the TxProfile the CSMS itself manages per transaction (site limit, EV needs).
"""

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
    # Who installed it, as ReportChargingProfiles says (CSO for ours, EMS/SO/Other external).
    charging_limit_source: Mapped[str] = mapped_column(
        sa.String(10), default="CSO", server_default="CSO"
    )

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


class ChargingProfileReport(TimestampMixin, Base):
    """A GetChargingProfiles request and the ReportChargingProfiles parts received for it."""

    __tablename__ = "charging_profile_reports"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    # What was asked: evseId (None: all) and the ChargingProfileCriterion as sent (wire JSON);
    # None when the station reported for a request the CSMS has no record of.
    evse_id: Mapped[int | None]
    criteria: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    # requested -> Accepted/NoProfiles (the station's answer) -> complete (last part, tbc false)
    status: Mapped[str] = mapped_column(sa.String(20), default="requested")
    parts_received: Mapped[int] = mapped_column(default=0, server_default="0")
    # (evseId, profile id) pairs reported so far, to drop stored profiles the station lacks.
    seen: Mapped[list[list[int]]] = mapped_column(sa.JSON(), default=list)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExternalChargingLimit(TimestampMixin, Base):
    """A limit set on the station by an external system (NotifyChargingLimit, K11/K12),
    until ClearedChargingLimit releases it (K13)."""

    __tablename__ = "external_charging_limits"
    __table_args__ = (sa.UniqueConstraint("station_pk", "evse_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    evse_id: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: grid connection
    source: Mapped[str] = mapped_column(sa.String(10))  # EMS, Other, SO, CSO
    is_grid_critical: Mapped[bool | None]
    schedules: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())  # wire JSON


class EvChargingNeeds(TimestampMixin, Base):
    """The latest charging needs (NotifyEVChargingNeeds) and proposed schedule
    (NotifyEVChargingSchedule) of the EV at an EVSE, with what the CSMS answered."""

    __tablename__ = "ev_charging_needs"
    __table_args__ = (sa.UniqueConstraint("station_pk", "evse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    evse_id: Mapped[int]
    transaction_id: Mapped[str | None] = mapped_column(sa.String(36))
    needs: Mapped[dict[str, Any]] = mapped_column(sa.JSON())  # ChargingNeedsType, wire JSON
    max_schedule_tuples: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20))  # our answer: Accepted/Processing/...
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ev_schedule: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    ev_schedule_time_base: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ev_schedule_status: Mapped[str | None] = mapped_column(sa.String(20))


class ManagedProfile(TimestampMixin, Base):
    """The TxProfile the CSMS computes itself for a transaction (its share of a site limit,
    fitted to the EV's needs): what was last sent, and the station's answer."""

    __tablename__ = "managed_profiles"
    __table_args__ = (
        sa.UniqueConstraint("station_pk", "transaction_id"),
        sa.UniqueConstraint("station_pk", "profile_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    transaction_id: Mapped[str] = mapped_column(sa.String(36))
    evse_id: Mapped[int]
    profile_id: Mapped[int]
    stack_level: Mapped[int]
    share_amps: Mapped[float | None] = mapped_column(sa.Double())  # None: no site limit
    schedule: Mapped[dict[str, Any]] = mapped_column(sa.JSON())  # ChargingScheduleType sent
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str | None] = mapped_column(sa.String(20))  # None until answered
