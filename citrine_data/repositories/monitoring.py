"""Variable monitors, monitoring reports, and event records (NotifyEvent).

Monitors are written in bulk: a SetVariableMonitoring answer or a NotifyMonitoringReport part
costs one statement for all of its monitors, whatever their number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
from citrine_data.models.device_model import Component, Variable
from citrine_data.models.monitoring import EventRecord, MonitoringReport, VariableMonitor
from citrine_data.repositories.base import (
    DEFAULT_LIMIT,
    Page,
    Repository,
    check_offset,
    clamp_limit,
)

# Rows per multi-row INSERT: 10 parameters each, far below both backends' limits.
MONITOR_BATCH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecordData:
    event_id: int
    timestamp: datetime
    trigger: str
    actual_value: str
    event_notification_type: str
    component_name: str
    variable_name: str
    cause: int | None = None
    tech_code: str | None = None
    tech_info: str | None = None
    cleared: bool | None = None
    transaction_id: str | None = None
    variable_monitoring_id: int | None = None
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    variable_instance: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorData:
    """A monitor as the station has it (``monitor_id`` set) or refused it (None)."""

    variable_pk: int
    type: str
    value: float
    severity: int
    monitor_id: int | None = None
    transaction: bool = False
    status: str | None = None
    source: str = "set"
    reported_in: int | None = None


@dataclass(frozen=True, slots=True)
class MonitorView:
    """A monitor with the component and variable it watches."""

    monitor: VariableMonitor
    component: Component
    variable: Variable


class MonitoringRepository(Repository):
    async def add_monitor(
        self,
        station_pk: int,
        variable_pk: int,
        *,
        type: str,
        value: float,
        severity: int,
        transaction: bool = False,
        monitor_id: int | None = None,
    ) -> VariableMonitor:
        monitor = VariableMonitor(
            station_pk=station_pk,
            variable_pk=variable_pk,
            monitor_id=monitor_id,
            type=type,
            value=value,
            severity=severity,
            transaction=transaction,
        )
        return await self._add(monitor)

    async def set_monitor_result(
        self, monitor: VariableMonitor, *, status: str, monitor_id: int | None
    ) -> None:
        """The station's SetMonitoringResult: its status and the id it assigned."""
        monitor.status = status
        if monitor_id is not None:
            monitor.monitor_id = monitor_id
        await self._flush()

    async def upsert_monitors(
        self, station_pk: int, monitors: Sequence[MonitorData], *, keep_origin: bool = False
    ) -> None:
        """Insert or replace monitors by the station's id; a monitor moved to another
        variable (a station reusing an id) follows. With ``keep_origin`` a monitor already
        known keeps its status and source (a report listing a monitor the CSMS set).
        Monitors without an id are refused ones: see ``record_refusals``."""
        replaced = ["variable_pk", "type", "value", "severity", "transaction", "reported_in"]
        if not keep_origin:
            replaced += ["status", "source"]
        now = utc_now()
        # One row per id: PostgreSQL refuses an upsert that touches a row twice.
        by_id = {
            m.monitor_id: {
                "station_pk": station_pk,
                **asdict(m),
                "created_at": now,
                "updated_at": now,
            }
            for m in monitors
            if m.monitor_id is not None
        }
        rows = list(by_id.values())
        for start in range(0, len(rows), MONITOR_BATCH):
            statement = self._insert(VariableMonitor).values(rows[start : start + MONITOR_BATCH])
            assignments = {name: statement.excluded[name] for name in [*replaced, "updated_at"]}
            statement = statement.on_conflict_do_update(
                index_elements=["station_pk", "monitor_id"], set_=assignments
            )
            with translate_errors():
                await self.session.execute(statement)

    async def record_refusals(self, station_pk: int, refusals: Sequence[MonitorData]) -> None:
        """Keep the station's refusal of a monitor, one per (variable, monitor type): the
        latest replaces the earlier ones."""
        if not refusals:
            return
        earlier = or_(
            *(
                and_(VariableMonitor.variable_pk == r.variable_pk, VariableMonitor.type == r.type)
                for r in refusals
            )
        )
        await self._execute_dml(
            delete(VariableMonitor).where(
                VariableMonitor.station_pk == station_pk,
                VariableMonitor.monitor_id.is_(None),
                earlier,
            )
        )
        rows = [{"station_pk": station_pk, **asdict(r), "monitor_id": None} for r in refusals]
        now = utc_now()
        with translate_errors():
            await self.session.execute(
                insert(VariableMonitor),
                [{**row, "created_at": now, "updated_at": now} for row in rows],
            )

    async def delete_monitors(self, station_pk: int, monitor_ids: Sequence[int]) -> int:
        if not monitor_ids:
            return 0
        statement = delete(VariableMonitor).where(
            VariableMonitor.station_pk == station_pk,
            VariableMonitor.monitor_id.in_(list(monitor_ids)),
        )
        return await self._execute_dml(statement)

    async def delete_set_monitors(self, station_pk: int) -> int:
        """Forget the monitors the CSMS set (a monitoring base that removes custom monitors)."""
        statement = delete(VariableMonitor).where(
            VariableMonitor.station_pk == station_pk, VariableMonitor.source == "set"
        )
        return await self._execute_dml(statement)

    async def delete_unreported(self, station_pk: int, request_id: int, before: datetime) -> int:
        """After a complete report of every monitor: forget the monitors it did not list,
        except those set after the report was asked for."""
        statement = delete(VariableMonitor).where(
            VariableMonitor.station_pk == station_pk,
            VariableMonitor.monitor_id.is_not(None),
            or_(VariableMonitor.reported_in.is_(None), VariableMonitor.reported_in != request_id),
            VariableMonitor.updated_at < before,
        )
        return await self._execute_dml(statement)

    async def list_monitors(self, station_pk: int) -> list[VariableMonitor]:
        statement = (
            select(VariableMonitor)
            .where(VariableMonitor.station_pk == station_pk)
            .order_by(VariableMonitor.id)
        )
        return await self._get_all(statement)

    async def list_monitor_views(
        self,
        station_pk: int,
        *,
        component_name: str | None = None,
        variable_name: str | None = None,
        refused: bool = False,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[MonitorView]:
        """Monitors with their component and variable: the station's (``refused`` False) or
        the refused ones."""
        limit, offset = clamp_limit(limit), check_offset(offset)
        id_filter = (
            VariableMonitor.monitor_id.is_(None)
            if refused
            else VariableMonitor.monitor_id.is_not(None)
        )
        conditions: list[Any] = [VariableMonitor.station_pk == station_pk, id_filter]
        if component_name is not None:
            conditions.append(Component.name == component_name)
        if variable_name is not None:
            conditions.append(Variable.name == variable_name)
        base = (
            select(VariableMonitor, Component, Variable)
            .join(Variable, Variable.id == VariableMonitor.variable_pk)
            .join(Component, Component.id == Variable.component_pk)
            .where(*conditions)
        )
        with translate_errors():
            total = (
                await self.session.execute(select(func.count()).select_from(base.subquery()))
            ).scalar_one()
            rows = (
                await self.session.execute(
                    base.order_by(VariableMonitor.monitor_id, VariableMonitor.id)
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        items = [MonitorView(row[0], row[1], row[2]) for row in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def delete_monitor(self, station_pk: int, monitor_id: int) -> bool:
        return await self.delete_monitors(station_pk, [monitor_id]) > 0

    async def open_report(
        self,
        station_pk: int,
        request_id: int,
        *,
        criteria: list[str] | None,
        component_variables: list[dict[str, Any]] | None,
        requested_at: datetime,
    ) -> MonitoringReport:
        """Record a GetMonitoringReport about to be sent; ``Conflict`` if the request id is
        taken."""
        report = MonitoringReport(
            station_pk=station_pk,
            request_id=request_id,
            criteria=criteria,
            component_variables=component_variables,
            requested_at=requested_at,
            parts_received=0,
            monitors_reported=0,
        )
        return await self._add(report)

    async def ensure_report(self, station_pk: int, request_id: int) -> MonitoringReport:
        """The report of ``request_id``, created (what was asked unknown) when the station's
        parts or answer come for a request this CSMS did not record."""
        return await self._upsert(
            MonitoringReport,
            {
                "station_pk": station_pk,
                "request_id": request_id,
                "parts_received": 0,
                "monitors_reported": 0,
            },
            key=["station_pk", "request_id"],
            update=[],
        )

    async def get_report(self, station_pk: int, request_id: int) -> MonitoringReport | None:
        statement = select(MonitoringReport).where(
            MonitoringReport.station_pk == station_pk, MonitoringReport.request_id == request_id
        )
        return await self._get_one_or_none(statement)

    async def list_reports(
        self, station_pk: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[MonitoringReport]:
        statement = (
            select(MonitoringReport)
            .where(MonitoringReport.station_pk == station_pk)
            .order_by(MonitoringReport.id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def record_report_part(
        self,
        report: MonitoringReport,
        *,
        seq_no: int,
        to_be_continued: bool,
        monitors: int,
        at: datetime,
    ) -> bool:
        """Note a NotifyMonitoringReport part; False for a part already counted (a station
        retrying a part it got no answer for). The last part (tbc false) completes it."""
        if report.last_seq_no is not None and seq_no <= report.last_seq_no:
            return False
        report.parts_received += 1
        report.monitors_reported += monitors
        report.last_seq_no = seq_no
        if not to_be_continued:
            report.completed_at = at
        await self._flush()
        return True

    async def add_events(self, station_pk: int, events: Sequence[EventRecordData]) -> None:
        """All EventData of one NotifyEvent in one multi-row INSERT."""
        if not events:
            return
        rows = [{"station_pk": station_pk, **asdict(event)} for event in events]
        with translate_errors():
            await self.session.execute(
                insert(EventRecord), rows, execution_options={"render_nulls": True}
            )

    async def list_events(
        self,
        station_pk: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        component_name: str | None = None,
        variable_name: str | None = None,
        trigger: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[EventRecord]:
        statement = select(EventRecord).where(EventRecord.station_pk == station_pk)
        if since is not None:
            statement = statement.where(EventRecord.timestamp >= since)
        if until is not None:
            statement = statement.where(EventRecord.timestamp < until)
        if component_name is not None:
            statement = statement.where(EventRecord.component_name == component_name)
        if variable_name is not None:
            statement = statement.where(EventRecord.variable_name == variable_name)
        if trigger is not None:
            statement = statement.where(EventRecord.trigger == trigger)
        statement = statement.order_by(EventRecord.timestamp.desc(), EventRecord.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)
