"""Monitoring module (block N: monitoring, events, security events, customer information).

Handles: NotifyEvent, NotifyMonitoringReport, SecurityEventNotification,
NotifyCustomerInformation.
Persists the answers to: SetVariableMonitoring, ClearVariableMonitoring, SetMonitoringBase,
SetMonitoringLevel, GetMonitoringReport, CustomerInformation (however they were sent).
Sends (own endpoints, ``api.py``): those six; Set/ClearVariableMonitoring split to fit the
station's ItemsPerMessage and BytesPerMessage.
Announces to webhook subscribers, once committed: NotifyEvent, SecurityEventNotification.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.interfaces.envelope import Envelope
from citrine_base.ocpp.v201 import Action, messages
from citrine_data.unit_of_work import Effect
from citrine_modules.deps import CsmsModule
from citrine_modules.monitoring.api import monitoring_router
from citrine_modules.monitoring.api_events import events_router
from citrine_modules.monitoring.customers import customer_service
from citrine_modules.monitoring.events import event_service
from citrine_modules.monitoring.monitors import monitor_service
from citrine_util.handler_runner import CallOutcome, HandlerContext
from citrine_util.security_events import announce_security_event, record_security_event
from citrine_util.webhook_events import publish_webhook_event, webhook_event


class MonitoringModule(CsmsModule):
    name = "monitoring"

    def routers(self) -> list[APIRouter]:
        return [monitoring_router(self.deps), events_router(self.deps)]

    def _in_background(self, name: str, effect: Callable[[], Coroutine[Any, Any, None]]) -> Effect:
        """An after-commit effect that never holds up the station's answer: the broker may
        be slow, the CALLRESULT must not wait for it."""

        async def spawn() -> None:
            self.deps.tasks.spawn(effect(), name)

        return spawn

    def _announce(self, event: Envelope) -> Effect:
        return self._in_background(
            "webhook-event", functools.partial(publish_webhook_event, self.deps.broker, event)
        )

    @as_handler(Action.NOTIFY_EVENT)
    async def notify_event(
        self, ctx: HandlerContext, request: messages.NotifyEventRequest
    ) -> messages.NotifyEventResponse:
        await event_service.record(ctx.session, ctx.station, request)
        ctx.after_commit(
            self._announce(webhook_event(ctx.station, Action.NOTIFY_EVENT, request.to_wire()))
        )
        return messages.NotifyEventResponse()

    @as_handler(Action.SECURITY_EVENT_NOTIFICATION)
    async def security_event_notification(
        self, ctx: HandlerContext, request: messages.SecurityEventNotificationRequest
    ) -> messages.SecurityEventNotificationResponse:
        """Always acknowledged (A04.FR.03): the answer has no status to refuse with."""
        event = await record_security_event(
            ctx.session, ctx.station, request.type, request.tech_info, request.timestamp
        )
        if event is not None:
            ctx.after_commit(
                self._in_background(
                    "webhook-event",
                    functools.partial(announce_security_event, self.deps.broker, event),
                )
            )
        return messages.SecurityEventNotificationResponse()

    @as_handler(Action.NOTIFY_MONITORING_REPORT)
    async def notify_monitoring_report(
        self, ctx: HandlerContext, request: messages.NotifyMonitoringReportRequest
    ) -> messages.NotifyMonitoringReportResponse:
        station_pk = await monitor_service.station_pk(ctx.session, ctx.station)
        await monitor_service.report_part(ctx.session, station_pk, request)
        return messages.NotifyMonitoringReportResponse()

    @as_handler(Action.NOTIFY_CUSTOMER_INFORMATION)
    async def notify_customer_information(
        self, ctx: HandlerContext, request: messages.NotifyCustomerInformationRequest
    ) -> messages.NotifyCustomerInformationResponse:
        station_pk = await monitor_service.station_pk(ctx.session, ctx.station)
        await customer_service.part(ctx.session, station_pk, request)
        return messages.NotifyCustomerInformationResponse()

    @as_result_handler(Action.SET_VARIABLE_MONITORING)
    async def variable_monitoring_set(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if isinstance(request, messages.SetVariableMonitoringRequest) and isinstance(
            response, messages.SetVariableMonitoringResponse
        ):
            station_pk = await monitor_service.station_pk(outcome.session, outcome.station)
            await monitor_service.set_answered(outcome.session, station_pk, request, response)

    @as_result_handler(Action.CLEAR_VARIABLE_MONITORING)
    async def variable_monitoring_cleared(self, outcome: CallOutcome) -> None:
        if isinstance(outcome.response, messages.ClearVariableMonitoringResponse):
            station_pk = await monitor_service.station_pk(outcome.session, outcome.station)
            await monitor_service.clear_answered(outcome.session, station_pk, outcome.response)

    @as_result_handler(Action.SET_MONITORING_BASE)
    async def monitoring_base_set(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if (
            isinstance(request, messages.SetMonitoringBaseRequest)
            and isinstance(response, messages.SetMonitoringBaseResponse)
            and response.status.value == "Accepted"
        ):
            station_pk = await monitor_service.station_pk(outcome.session, outcome.station)
            await monitor_service.base_set(outcome.session, station_pk, request.monitoring_base)

    @as_result_handler(Action.SET_MONITORING_LEVEL)
    async def monitoring_level_set(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if (
            isinstance(request, messages.SetMonitoringLevelRequest)
            and isinstance(response, messages.SetMonitoringLevelResponse)
            and response.status.value == "Accepted"
        ):
            station_pk = await monitor_service.station_pk(outcome.session, outcome.station)
            await monitor_service.level_set(outcome.session, station_pk, request.severity)

    @as_result_handler(Action.GET_MONITORING_REPORT)
    async def monitoring_report_answered(self, outcome: CallOutcome) -> None:
        if isinstance(outcome.request, messages.GetMonitoringReportRequest):
            status = _status(outcome)
            station_pk = await monitor_service.station_pk(outcome.session, outcome.station)
            await monitor_service.report_answered(
                outcome.session, station_pk, outcome.request, status
            )

    @as_result_handler(Action.CUSTOMER_INFORMATION)
    async def customer_information_answered(self, outcome: CallOutcome) -> None:
        if isinstance(outcome.request, messages.CustomerInformationRequest):
            station_pk = await monitor_service.station_pk(outcome.session, outcome.station)
            await customer_service.answered(
                outcome.session, station_pk, outcome.request, _status(outcome)
            )


def _status(outcome: CallOutcome) -> str:
    """The answer's status, or the error code when there was none (``local:timeout``, ...)."""
    status = getattr(outcome.response, "status", None)
    if status is not None:
        return str(status.value)
    return outcome.error_code or "unknown"
