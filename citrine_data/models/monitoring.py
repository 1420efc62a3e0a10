"""Variable monitors set on stations, the monitoring reports that list them, and the events
(NotifyEvent) they raise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, BigIntKey, TimestampMixin, UTCDateTime, station_fk, utc_now

MONITOR_SOURCES = ("set", "report")
"""Where the CSMS learned of a monitor: it set it (SetVariableMonitoring) or a station's
NotifyMonitoringReport listed it."""


class VariableMonitor(TimestampMixin, Base):
    """A monitor on a station's variable, as far as the CSMS knows.

    ``monitor_id`` is the station's id. It is NULL only for a refused SetVariableMonitoring
    item, kept with the station's ``status`` so an operator sees why (one per variable and
    monitor type); NULLs do not collide in the unique key.
    """

    __tablename__ = "variable_monitors"
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
    # The station's SetMonitoringResult status; None for a monitor learned from a report.
    status: Mapped[str | None] = mapped_column(sa.String(30))
    source: Mapped[str] = mapped_column(sa.String(10), default="set", server_default="set")
    # The request id of the last NotifyMonitoringReport that listed it: a complete report of
    # everything removes the monitors it did not list (the station no longer has them).
    reported_in: Mapped[int | None]


class MonitoringReport(TimestampMixin, Base):
    """A GetMonitoringReport request and the NotifyMonitoringReport parts received for it.

    ``requested_at`` is None when the parts came for a request this CSMS did not record (sent
    before a restart of its records, or by another tool); what was asked is then unknown.
    """

    __tablename__ = "monitoring_reports"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    criteria: Mapped[list[str] | None] = mapped_column(sa.JSON())  # MonitoringCriterionEnumType
    component_variables: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())
    # The station's answer (Accepted, Rejected, NotSupported, EmptyResultSet) or local:<why>.
    status: Mapped[str | None] = mapped_column(sa.String(30))
    parts_received: Mapped[int] = mapped_column(default=0, server_default="0")
    last_seq_no: Mapped[int | None]
    monitors_reported: Mapped[int] = mapped_column(default=0, server_default="0")
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
