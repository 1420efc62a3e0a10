"""Device-model reports (GetBaseReport/GetReport) and the NotifyReport parts that fill them.

A report is complete once the part with ``tbc`` false arrived and every part before it
(B07.FR.10: seqNo starts at 0 and rises). A part that arrives twice (a station retrying an
unanswered NotifyReport) is counted once: each part is a row of ``report_parts``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from citrine_data.errors import translate_errors
from citrine_data.models.device_model import Report, ReportPart
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

REQUESTED = "requested"
UNSOLICITED = "unsolicited"


class ReportRepository(Repository):
    async def start(
        self,
        station_pk: int,
        request_id: int,
        *,
        report_base: str | None,
        requested_at: datetime,
        status: str = REQUESTED,
    ) -> Report:
        """``Conflict`` if the station already has a report with this request id."""
        report = Report(
            station_pk=station_pk,
            request_id=request_id,
            report_base=report_base,
            requested_at=requested_at,
            status=status,
            parts_received=0,
            items_received=0,
        )
        return await self._add(report)

    async def get(self, station_pk: int, request_id: int) -> Report | None:
        statement = select(Report).where(
            Report.station_pk == station_pk, Report.request_id == request_id
        )
        return await self._get_one_or_none(statement)

    async def get_or_start(self, station_pk: int, request_id: int, at: datetime) -> Report:
        """The report of ``request_id``; one nobody here asked for is started as unsolicited."""
        values = {
            "station_pk": station_pk,
            "request_id": request_id,
            "status": UNSOLICITED,
            "requested_at": at,
            "parts_received": 0,
            "items_received": 0,
            "created_at": at,
            "updated_at": at,
        }
        return await self._upsert(Report, values, key=["station_pk", "request_id"], update=[])

    async def set_status(self, station_pk: int, request_id: int, status: str) -> bool:
        """Record the station's answer to the request; False for an unknown report."""
        statement = (
            update(Report)
            .where(Report.station_pk == station_pk, Report.request_id == request_id)
            .values(status=status)
        )
        return await self._execute_dml(statement) > 0

    async def record_part(
        self, report: Report, *, seq_no: int, to_be_continued: bool, items: int, at: datetime
    ) -> bool:
        """Note a NotifyReport part; False (and nothing changed) when it was seen before."""
        insert = self._insert(ReportPart).values(report_pk=report.id, seq_no=seq_no, received_at=at)
        statement = insert.on_conflict_do_nothing().returning(ReportPart.seq_no)
        with translate_errors():
            added = (await self.session.execute(statement)).first() is not None
        if not added:
            return False
        report.parts_received += 1
        report.items_received += items
        report.last_seq_no = (
            seq_no if report.last_seq_no is None else max(seq_no, report.last_seq_no)
        )
        if not to_be_continued:
            report.final_seq_no = seq_no
        if report.final_seq_no is not None and report.parts_received > report.final_seq_no:
            report.completed_at = report.completed_at or at
        await self._flush()
        return True

    async def list(
        self, station_pk: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[Report]:
        statement = (
            select(Report)
            .where(Report.station_pk == station_pk)
            .order_by(Report.requested_at.desc(), Report.request_id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)
