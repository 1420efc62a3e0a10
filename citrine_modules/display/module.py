"""Display module (block O, DisplayMessage).

Handles: NotifyDisplayMessages.
Persists the answers to: SetDisplayMessage, ClearDisplayMessage, GetDisplayMessages (however
they were sent, including the configuration module's generic endpoints).
Sends (own endpoints, ``api.py``): SetDisplayMessage, ClearDisplayMessage, GetDisplayMessages.
"""

from __future__ import annotations

from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, messages
from citrine_data import Session
from citrine_data.repositories import ChargingStationRepository
from citrine_modules.deps import CsmsModule
from citrine_modules.display.api import display_router
from citrine_modules.display.service import display_service
from citrine_util.handler_runner import CallOutcome, HandlerContext


async def _station_pk(session: Session, key: StationKey) -> int:
    return (await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)).id


class DisplayModule(CsmsModule):
    name = "display"

    def routers(self) -> list[APIRouter]:
        return [display_router(self.deps)]

    @as_handler(Action.NOTIFY_DISPLAY_MESSAGES)
    async def notify_display_messages(
        self, ctx: HandlerContext, request: messages.NotifyDisplayMessagesRequest
    ) -> messages.NotifyDisplayMessagesResponse:
        station_pk = await _station_pk(ctx.session, ctx.station)
        await display_service.report_part(ctx.session, station_pk, request)
        return messages.NotifyDisplayMessagesResponse()

    @as_result_handler(Action.SET_DISPLAY_MESSAGE)
    async def display_message_set(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if isinstance(request, messages.SetDisplayMessageRequest) and isinstance(
            response, messages.SetDisplayMessageResponse
        ):
            station_pk = await _station_pk(outcome.session, outcome.station)
            await display_service.set_answered(outcome.session, station_pk, request, response)

    @as_result_handler(Action.CLEAR_DISPLAY_MESSAGE)
    async def display_message_cleared(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if isinstance(request, messages.ClearDisplayMessageRequest) and isinstance(
            response, messages.ClearDisplayMessageResponse
        ):
            station_pk = await _station_pk(outcome.session, outcome.station)
            await display_service.clear_answered(outcome.session, station_pk, request, response)

    @as_result_handler(Action.GET_DISPLAY_MESSAGES)
    async def display_messages_answered(self, outcome: CallOutcome) -> None:
        if not isinstance(outcome.request, messages.GetDisplayMessagesRequest):
            return
        response = outcome.response
        if isinstance(response, messages.GetDisplayMessagesResponse):
            status = response.status.value
        else:
            status = outcome.error_code or "unknown"
        station_pk = await _station_pk(outcome.session, outcome.station)
        await display_service.report_answered(outcome.session, station_pk, outcome.request, status)
