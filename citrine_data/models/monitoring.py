"""Variable monitors set on stations, and the events (NotifyEvent) they report."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, BigIntKey, TimestampMixin, UTCDateTime, station_fk, utc_now


class VariableMonitor(TimestampMixin, Base):
    __tablename__ = "variable_monitors"
    # monitor_id is NULL until the station assigns one; NULLs do not collide in a unique key.
    __table_args__ = (sa.UniqueConstraint("station_pk", "monitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    variable_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("variables.id", ondelete="CASCADE"), index=True
    )
    monitor_id: Mapped[int | None]
    type: Mapped[str] = mapped_column(sa.String(30))  # OCPP MonitorEnumType
    value: Mapped[float] = mapped_column(sa.Double())
    severity: Mapped[int]
    transaction: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[str | None] = mapped_column(sa.String(30))  # last SetMonitoringResult status


class EventRecord(Base):
    """One EventData of a NotifyEvent. Component and variable are kept by name: a station may
    report on parts of its device model the CSMS has not seen in a report yet."""

    __tablename__ = "event_records"
    __table_args__ = (sa.Index(None, "station_pk", "timestamp"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    event_id: Mapped[int]
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(sa.String(20))
    cause: Mapped[int | None]
    actual_value: Mapped[str] = mapped_column(sa.String(2500))
    tech_code: Mapped[str | None] = mapped_column(sa.String(50))
    tech_info: Mapped[str | None] = mapped_column(sa.String(500))
    cleared: Mapped[bool | None]
    transaction_id: Mapped[str | None] = mapped_column(sa.String(36))
    variable_monitoring_id: Mapped[int | None]
    event_notification_type: Mapped[str] = mapped_column(sa.String(30))
    component_name: Mapped[str] = mapped_column(sa.String(50))
    component_instance: Mapped[str | None] = mapped_column(sa.String(50))
    evse_id: Mapped[int | None]
    connector_id: Mapped[int | None]
    variable_name: Mapped[str] = mapped_column(sa.String(50))
    variable_instance: Mapped[str | None] = mapped_column(sa.String(50))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
