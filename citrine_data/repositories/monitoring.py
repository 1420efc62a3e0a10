"""Variable monitors and event records (NotifyEvent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select

from citrine_data.errors import translate_errors
from citrine_data.models.monitoring import EventRecord, VariableMonitor
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


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

    async def list_monitors(self, station_pk: int) -> list[VariableMonitor]:
        statement = (
            select(VariableMonitor)
            .where(VariableMonitor.station_pk == station_pk)
            .order_by(VariableMonitor.id)
        )
        return await self._get_all(statement)

    async def delete_monitor(self, station_pk: int, monitor_id: int) -> bool:
        statement = delete(VariableMonitor).where(
            VariableMonitor.station_pk == station_pk, VariableMonitor.monitor_id == monitor_id
        )
        return await self._execute_dml(statement) > 0

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
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[EventRecord]:
        statement = select(EventRecord).where(EventRecord.station_pk == station_pk)
        if since is not None:
            statement = statement.where(EventRecord.timestamp >= since)
        statement = statement.order_by(EventRecord.timestamp.desc(), EventRecord.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)
