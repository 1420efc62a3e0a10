"""Display messages (block O): stored per station from the station's answers to
SetDisplayMessage and ClearDisplayMessage, and from the NotifyDisplayMessages parts that
answer a GetDisplayMessages, whoever sent the CALL.

A message with the id of an existing one replaces it (TC_O_12). A refused message is kept with the station's status when the station has no message
of that id; when it has one, that one stays (the station still shows it). A complete answer to
a GetDisplayMessages without filters is the station's truth: messages it did not list are
forgotten (expired after their end time, removed at a transaction's end, lost at a reset).
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import DisplayMessageReport
from citrine_data.repositories import DisplayMessageRepository
from citrine_data.repositories.display_message import DisplayMessageData
from citrine_modules.station_api import with_new_request_id

log = structlog.get_logger(__name__)

ACCEPTED = enums.DisplayMessageStatusEnum.ACCEPTED.value
ENDS_REPORT = (
    enums.GetDisplayMessagesStatusEnum.ACCEPTED.value,
    enums.GetDisplayMessagesStatusEnum.UNKNOWN.value,
)


def message_data(
    info: datatypes.MessageInfo, status: str | None = None, reason: str | None = None
) -> DisplayMessageData:
    display = info.display
    evse = display.evse if display else None
    return DisplayMessageData(
        message_id=info.id,
        priority=info.priority.value,
        state=info.state.value if info.state else None,
        start_at=info.start_date_time,
        end_at=info.end_date_time,
        transaction_id=info.transaction_id,
        format=info.message.format.value,
        language=info.message.language,
        content=info.message.content,
        display_name=display.name if display else None,
        display_instance=display.instance if display else None,
        display_evse_id=evse.id if evse else None,
        display_connector_id=evse.connector_id if evse else None,
        status=status,
        status_reason=reason,
    )


class DisplayService:
    async def set_answered(
        self,
        session: Session,
        station_pk: int,
        request: messages.SetDisplayMessageRequest,
        response: messages.SetDisplayMessageResponse,
    ) -> None:
        status = response.status.value
        reason = response.status_info.reason_code if response.status_info else None
        repository = DisplayMessageRepository.from_session(session)
        if status != ACCEPTED:
            existing = await repository.get(station_pk, request.message.id)
            if existing is not None and existing.status == ACCEPTED:
                log.info(
                    "display.replacement_refused", message_id=request.message.id, status=status
                )
                return
        await repository.upsert(station_pk, message_data(request.message, status, reason))

    async def clear_answered(
        self,
        session: Session,
        station_pk: int,
        request: messages.ClearDisplayMessageRequest,
        response: messages.ClearDisplayMessageResponse,
    ) -> None:
        """Accepted: removed. Unknown: the station has no such message (TC_O_05), so neither
        do we."""
        del response  # both answers mean the station does not show the message any more
        await DisplayMessageRepository.from_session(session).delete(station_pk, request.id)

    async def open_report(
        self, session: Session, station_pk: int, request: messages.GetDisplayMessagesRequest
    ) -> DisplayMessageReport:
        """Record a GetDisplayMessages about to be sent, under a free request id of the
        station's sequence; ``request.request_id`` is ignored."""
        repository = DisplayMessageRepository.from_session(session)
        return await with_new_request_id(
            session,
            station_pk,
            lambda request_id: repository.open_report(
                station_pk,
                request_id,
                ids=list(request.id) if request.id else None,
                priority=request.priority.value if request.priority else None,
                state=request.state.value if request.state else None,
                requested_at=datetime.now(UTC),
            ),
        )

    async def report_answered(
        self,
        session: Session,
        station_pk: int,
        request: messages.GetDisplayMessagesRequest,
        status: str,
    ) -> None:
        """Unknown (no matching message, TC_O_03) or a failure ends the query at once."""
        repository = DisplayMessageRepository.from_session(session)
        report = await repository.ensure_report(station_pk, request.request_id)
        if report.requested_at is None:  # sent by another module or tool: now we know
            report.ids = list(request.id) if request.id else None
            report.priority = request.priority.value if request.priority else None
            report.state = request.state.value if request.state else None
            report.requested_at = datetime.now(UTC)
        report.status = status
        if status != enums.GetDisplayMessagesStatusEnum.ACCEPTED and report.completed_at is None:
            report.completed_at = datetime.now(UTC)
        await session.flush()
        await self._reconcile(session, report)

    async def report_part(
        self, session: Session, station_pk: int, part: messages.NotifyDisplayMessagesRequest
    ) -> None:
        repository = DisplayMessageRepository.from_session(session)
        report = await repository.get_report(station_pk, part.request_id)
        if report is None:
            report = await repository.ensure_report(station_pk, part.request_id)
        infos = part.message_info or []
        await repository.record_report_part(
            report,
            [info.to_wire() for info in infos],
            to_be_continued=bool(part.tbc),
            at=datetime.now(UTC),
        )
        await repository.upsert_reported(station_pk, [message_data(info) for info in infos])
        await self._reconcile(session, report)

    async def _reconcile(self, session: Session, report: DisplayMessageReport) -> None:
        unfiltered = report.ids is None and report.priority is None and report.state is None
        done = report.completed_at is not None and report.status in ENDS_REPORT
        if unfiltered and done and report.requested_at is not None:
            listed = [message["id"] for message in report.messages]
            forgotten = await DisplayMessageRepository.from_session(session).delete_except(
                report.station_pk, listed, report.requested_at
            )
            if forgotten:
                log.info("display.messages_gone", request_id=report.request_id, count=forgotten)


display_service = DisplayService()
