"""Diagnostics module (block N01): log retrieval, with the upload hosted by the CSMS.

Handles: LogStatusNotification.
Sends: GetLog, through its own endpoint (``POST /stations/{id}/logs``), which stores the
request and offers the station an upload URL of this server.
"""

from __future__ import annotations

from fastapi import APIRouter

from citrine_base.decorators import as_handler
from citrine_base.ocpp.v201 import Action, messages
from citrine_modules.deps import CsmsModule
from citrine_modules.diagnostics.api import router, uploads
from citrine_modules.diagnostics.service import log_service
from citrine_util.handler_runner import HandlerContext


class DiagnosticsModule(CsmsModule):
    name = "diagnostics"

    def routers(self) -> list[APIRouter]:
        return [router, uploads]

    @as_handler(Action.LOG_STATUS_NOTIFICATION)
    async def log_status_notification(
        self, ctx: HandlerContext, request: messages.LogStatusNotificationRequest
    ) -> messages.LogStatusNotificationResponse:
        await log_service.notified(ctx.session, ctx.station, request)
        return messages.LogStatusNotificationResponse()
