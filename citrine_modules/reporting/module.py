"""Reporting module (blocks B05-B08, the device model).

Handles: NotifyReport (stored into the device model, part by part, B07.FR.10).
Result handlers: GetVariables and SetVariables (read values, accepted values and the
station's answers are stored, however the CALL was sent).
Sends (own endpoints, ``api.py``): GetBaseReport, GetReport (the CSMS picks the requestId),
GetVariables, SetVariables (split to the station's ItemsPerMessage/BytesPerMessage).
"""

from __future__ import annotations

from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.ocpp.v201 import Action, messages
from citrine_modules.deps import CsmsModule
from citrine_modules.reporting.api import ReportingApi
from citrine_modules.reporting.reports import REPORTS_TOPIC, completion_event
from citrine_modules.reporting.service import device_model
from citrine_util.handler_runner import CallOutcome, HandlerContext


class ReportingModule(CsmsModule):
    name = "reporting"

    @as_handler(Action.NOTIFY_REPORT)
    async def notify_report(
        self, ctx: HandlerContext, request: messages.NotifyReportRequest
    ) -> messages.NotifyReportResponse:
        part = await device_model.ingest_report(ctx.session, ctx.station, request)
        if part.completed_now:
            event = completion_event(ctx.station, request.request_id, self.deps.config.instance_id)

            async def announce() -> None:  # whoever waits for the report (Pending boot)
                await self.deps.broker.publish(REPORTS_TOPIC, event)

            ctx.after_commit(announce)
        return messages.NotifyReportResponse()

    @as_result_handler(Action.GET_VARIABLES)
    async def variables_read(self, outcome: CallOutcome) -> None:
        if isinstance(outcome.response, messages.GetVariablesResponse):
            await device_model.record_get(outcome.session, outcome.station, outcome.response)

    @as_result_handler(Action.SET_VARIABLES)
    async def variables_set(self, outcome: CallOutcome) -> None:
        if isinstance(outcome.response, messages.SetVariablesResponse) and isinstance(
            outcome.request, messages.SetVariablesRequest
        ):
            await device_model.record_set(
                outcome.session, outcome.station, outcome.request, outcome.response
            )

    def routers(self) -> list[APIRouter]:
        return [ReportingApi(self.deps).router]
