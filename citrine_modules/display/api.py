"""REST: display messages of a station (set, clear, list) and GetDisplayMessages queries.

Command endpoints wait for the station's answer and return it; the result handlers store
what it changes (``module.py``), so a GET right after may trail by a moment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_data import unit_of_work
from citrine_data.repositories import DisplayMessageRepository
from citrine_modules.deps import ModuleDeps
from citrine_modules.display.schemas import (
    DisplayMessageOut,
    MessageQueryIn,
    MessageQueryOut,
    SetMessageIn,
)
from citrine_modules.display.service import display_service
from citrine_modules.rest import NotFoundError, Operator, PageOut, Paging, Reader
from citrine_modules.station_api import (
    RequestStatusOut,
    StatusOut,
    TenantQuery,
    call_station,
    send_tracked,
    station_or_404,
)

STATION = "/display/stations/{station_id}"


def display_router(deps: ModuleDeps) -> APIRouter:
    router = APIRouter(tags=["display"])

    async def existing(key: StationKey) -> int:
        async with unit_of_work(deps.sessions) as uow:
            return (await station_or_404(uow.session, key)).id

    @router.get(f"{STATION}/messages", response_model=list[DisplayMessageOut])
    async def list_messages(
        station_id: str,
        principal: Reader,
        tenant: TenantQuery = None,
        priority: Annotated[enums.MessagePriorityEnum | None, Query()] = None,
        state: Annotated[enums.MessageStateEnum | None, Query()] = None,
        transaction_id: Annotated[str | None, Query(alias="transactionId", max_length=36)] = None,
    ) -> list[DisplayMessageOut]:
        """The station's messages (a station holds at most NumberOfDisplayMessages)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            found = await DisplayMessageRepository.from_session(uow.session).list(
                station.id,
                priority=priority.value if priority else None,
                state=state.value if state else None,
                transaction_id=transaction_id,
            )
        return [DisplayMessageOut.of(message) for message in found]

    @router.get(f"{STATION}/messages/{{message_id}}", response_model=DisplayMessageOut)
    async def get_message(
        station_id: str, message_id: int, principal: Reader, tenant: TenantQuery = None
    ) -> DisplayMessageOut:
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            message = await DisplayMessageRepository.from_session(uow.session).get(
                station.id, message_id
            )
        if message is None:
            raise NotFoundError(f"No display message {message_id} on {station_id}")
        return DisplayMessageOut.of(message)

    @router.post(f"{STATION}/messages", response_model=StatusOut)
    async def set_message(
        station_id: str, body: SetMessageIn, principal: Operator, tenant: TenantQuery = None
    ) -> StatusOut:
        """SetDisplayMessage (O01, O02, O06; TC_O_01, O_06, O_10, O_12-14, O_17-19, O_25-28):
        the station's status, e.g. NotSupportedPriority or UnknownTransaction."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        await existing(key)
        response = await call_station(
            deps.commands,
            key,
            Action.SET_DISPLAY_MESSAGE,
            messages.SetDisplayMessageRequest(message=body.message),
            messages.SetDisplayMessageResponse,
        )
        return StatusOut.of(response.status.value, response.status_info)

    @router.delete(f"{STATION}/messages/{{message_id}}", response_model=StatusOut)
    async def clear_message(
        station_id: str, message_id: int, principal: Operator, tenant: TenantQuery = None
    ) -> StatusOut:
        """ClearDisplayMessage (O05; TC_O_04, TC_O_05): Accepted, or Unknown."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        await existing(key)
        response = await call_station(
            deps.commands,
            key,
            Action.CLEAR_DISPLAY_MESSAGE,
            messages.ClearDisplayMessageRequest(id=message_id),
            messages.ClearDisplayMessageResponse,
        )
        return StatusOut.of(response.status.value, response.status_info)

    @router.post(f"{STATION}/messageQueries", response_model=RequestStatusOut)
    async def query_messages(
        station_id: str, body: MessageQueryIn, principal: Operator, tenant: TenantQuery = None
    ) -> RequestStatusOut:
        """GetDisplayMessages (O03, O04; TC_O_02, O_03, O_07-09, O_11) under a new request id;
        the NotifyDisplayMessages parts arrive afterwards (GET the query)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        template = messages.GetDisplayMessagesRequest(
            request_id=0, id=body.id, priority=body.priority, state=body.state
        )
        report, response = await send_tracked(
            deps.commands,
            deps.sessions,
            key,
            action=Action.GET_DISPLAY_MESSAGES,
            template=template,
            response_type=messages.GetDisplayMessagesResponse,
            open_record=lambda session, pk: display_service.open_report(session, pk, template),
            ensure_record=lambda session, pk, request_id: DisplayMessageRepository.from_session(
                session
            ).ensure_report(pk, request_id),
        )
        return RequestStatusOut.answered(
            report.request_id, response.status.value, response.status_info
        )

    @router.get(f"{STATION}/messageQueries", response_model=PageOut[MessageQueryOut])
    async def list_queries(
        station_id: str, principal: Reader, paging: Paging, tenant: TenantQuery = None
    ) -> PageOut[MessageQueryOut]:
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            page = await DisplayMessageRepository.from_session(uow.session).list_reports(
                station.id, limit=paging.limit, offset=paging.offset
            )
        return PageOut.of(page, MessageQueryOut.of)

    @router.get(f"{STATION}/messageQueries/{{request_id}}", response_model=MessageQueryOut)
    async def get_query(
        station_id: str, request_id: int, principal: Reader, tenant: TenantQuery = None
    ) -> MessageQueryOut:
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            report = await DisplayMessageRepository.from_session(uow.session).get_report(
                station.id, request_id
            )
        if report is None:
            raise NotFoundError(f"No display message query {request_id} for {station_id}")
        return MessageQueryOut.of(report)

    return router
