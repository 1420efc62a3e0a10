"""Firmware module (block L): firmware updates, publication on Local Controllers, and the
firmware files the CSMS hosts for stations to download.

Handles: FirmwareStatusNotification, PublishFirmwareStatusNotification.
Sends: UpdateFirmware, PublishFirmware, UnpublishFirmware, through its own endpoints, which
check and store the request before the CALL.
"""

from __future__ import annotations

from fastapi import APIRouter

from citrine_base.decorators import as_handler
from citrine_base.ocpp.v201 import Action, messages
from citrine_modules.deps import CsmsModule
from citrine_modules.firmware.api import router
from citrine_modules.firmware.files_api import downloads
from citrine_modules.firmware.files_api import router as files_router
from citrine_modules.firmware.service import firmware_service
from citrine_util.handler_runner import HandlerContext


class FirmwareModule(CsmsModule):
    name = "firmware"

    def routers(self) -> list[APIRouter]:
        return [files_router, router, downloads]

    @as_handler(Action.FIRMWARE_STATUS_NOTIFICATION)
    async def firmware_status_notification(
        self, ctx: HandlerContext, request: messages.FirmwareStatusNotificationRequest
    ) -> messages.FirmwareStatusNotificationResponse:
        await firmware_service.update_notified(ctx.session, ctx.station, request)
        return messages.FirmwareStatusNotificationResponse()

    @as_handler(Action.PUBLISH_FIRMWARE_STATUS_NOTIFICATION)
    async def publish_firmware_status_notification(
        self, ctx: HandlerContext, request: messages.PublishFirmwareStatusNotificationRequest
    ) -> messages.PublishFirmwareStatusNotificationResponse:
        await firmware_service.publication_notified(ctx.session, ctx.station, request)
        return messages.PublishFirmwareStatusNotificationResponse()
