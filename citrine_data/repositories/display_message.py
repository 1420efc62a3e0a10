"""Display messages, and the GetDisplayMessages requests that listed them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, select

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
from citrine_data.models.display_message import DisplayMessage, DisplayMessageReport
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

REPORTED = "Reported"
"""Status of a message known from a NotifyDisplayMessages, not from an accepted Set."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DisplayMessageData:
    message_id: int
    priority: str
    format: str
    content: str
    state: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    transaction_id: str | None = None
    language: str | None = None
    display_name: str | None = None
    display_instance: str | None = None
    display_evse_id: int | None = None
    display_connector_id: int | None = None
    status: str | None = None
    status_reason: str | None = None


class DisplayMessageRepository(Repository):
    async def upsert(self, station_pk: int, data: DisplayMessageData) -> DisplayMessage:
        """Insert the message or replace the one with the same id."""
        values = {"station_pk": station_pk, **asdict(data)}
        return await self._upsert(DisplayMessage, values, key=["station_pk", "message_id"])

    async def upsert_reported(
        self, station_pk: int, messages: Sequence[DisplayMessageData]
    ) -> None:
        """Messages a station reported, in one statement: their content replaces ours; a
        message we set and the station accepted stays "Accepted", any other is "Reported"."""
        if not messages:
            return
        now = utc_now()
        rows = [
            {
                **asdict(m),
                "station_pk": station_pk,
                "status": REPORTED,
                "status_reason": None,
                "created_at": now,
                "updated_at": now,
            }
            for m in messages
        ]
        statement = self._insert(DisplayMessage).values(rows)
        excluded = statement.excluded
        content = [
            name
            for name in asdict(messages[0])
            if name not in ("message_id", "status", "status_reason")
        ]
        assignments: dict[str, Any] = {name: excluded[name] for name in content}
        assignments["status"] = case(
            (DisplayMessage.status == "Accepted", DisplayMessage.status), else_=excluded.status
        )
        assignments["updated_at"] = excluded.updated_at
        statement = statement.on_conflict_do_update(
            index_elements=["station_pk", "message_id"], set_=assignments
        )
        with translate_errors():
            await self.session.execute(statement)

    async def get(self, station_pk: int, message_id: int) -> DisplayMessage | None:
        statement = select(DisplayMessage).where(
            DisplayMessage.station_pk == station_pk, DisplayMessage.message_id == message_id
        )
        return await self._get_one_or_none(statement)

    async def list(
        self,
        station_pk: int,
        *,
        priority: str | None = None,
        state: str | None = None,
        transaction_id: str | None = None,
    ) -> builtins.list[DisplayMessage]:
        statement = select(DisplayMessage).where(DisplayMessage.station_pk == station_pk)
        if priority is not None:
            statement = statement.where(DisplayMessage.priority == priority)
        if state is not None:
            statement = statement.where(DisplayMessage.state == state)
        if transaction_id is not None:
            statement = statement.where(DisplayMessage.transaction_id == transaction_id)
        return await self._get_all(statement.order_by(DisplayMessage.message_id))

    async def delete(self, station_pk: int, message_id: int | None = None) -> int:
        """Delete one message, or all of the station's (ClearDisplayMessage semantics)."""
        statement = delete(DisplayMessage).where(DisplayMessage.station_pk == station_pk)
        if message_id is not None:
            statement = statement.where(DisplayMessage.message_id == message_id)
        return await self._execute_dml(statement)

    async def delete_except(self, station_pk: int, keep: Sequence[int], before: datetime) -> int:
        """After a complete report of every message: forget those it did not list, except
        messages changed after the report was asked for."""
        statement = delete(DisplayMessage).where(
            DisplayMessage.station_pk == station_pk, DisplayMessage.updated_at < before
        )
        if keep:
            statement = statement.where(DisplayMessage.message_id.not_in(list(keep)))
        return await self._execute_dml(statement)

    async def open_report(
        self,
        station_pk: int,
        request_id: int,
        *,
        ids: builtins.list[int] | None,
        priority: str | None,
        state: str | None,
        requested_at: datetime,
    ) -> DisplayMessageReport:
        """Record a GetDisplayMessages about to be sent; ``Conflict`` if the id is taken."""
        report = DisplayMessageReport(
            station_pk=station_pk,
            request_id=request_id,
            ids=ids,
            priority=priority,
            state=state,
            requested_at=requested_at,
            parts_received=0,
            messages=[],
        )
        return await self._add(report)

    async def ensure_report(self, station_pk: int, request_id: int) -> DisplayMessageReport:
        """The report of ``request_id``, created (what was asked unknown) for parts or an
        answer of a request this CSMS did not record."""
        return await self._upsert(
            DisplayMessageReport,
            {
                "station_pk": station_pk,
                "request_id": request_id,
                "parts_received": 0,
                "messages": [],
            },
            key=["station_pk", "request_id"],
            update=[],
        )

    async def get_report(self, station_pk: int, request_id: int) -> DisplayMessageReport | None:
        statement = select(DisplayMessageReport).where(
            DisplayMessageReport.station_pk == station_pk,
            DisplayMessageReport.request_id == request_id,
        )
        return await self._get_one_or_none(statement)

    async def list_reports(
        self, station_pk: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[DisplayMessageReport]:
        statement = (
            select(DisplayMessageReport)
            .where(DisplayMessageReport.station_pk == station_pk)
            .order_by(DisplayMessageReport.id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def record_report_part(
        self,
        report: DisplayMessageReport,
        messages: Sequence[dict[str, Any]],
        *,
        to_be_continued: bool,
        at: datetime,
    ) -> None:
        """Add a NotifyDisplayMessages part (MessageInfo, OCPP JSON). NotifyDisplayMessages has
        no sequence number: a part sent again replaces its messages by id."""
        merged = {message["id"]: message for message in report.messages}
        merged.update((message["id"], dict(message)) for message in messages)
        report.messages = sorted(merged.values(), key=lambda message: message["id"])
        report.parts_received += 1
        if not to_be_continued:
            report.completed_at = at
        await self._flush()
