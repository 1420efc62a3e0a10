"""Configuration module (block B, Provisioning).

Handles: BootNotification, Heartbeat.
Sends: Reset, ChangeAvailability, TriggerMessage, DataTransfer, SetNetworkProfile,
SetDisplayMessage, GetDisplayMessages, ClearDisplayMessage (firmware: the firmware module).
"""

from __future__ import annotations

from citrine_base.decorators import as_handler
from citrine_base.ocpp.v201 import Action, messages
from citrine_modules.configuration.service import boot_service
from citrine_modules.deps import CsmsModule
from citrine_util.handler_runner import HandlerContext


class ConfigurationModule(CsmsModule):
    name = "configuration"
    sends = (
        Action.RESET,
        Action.CHANGE_AVAILABILITY,
        Action.TRIGGER_MESSAGE,
        Action.DATA_TRANSFER,
        Action.SET_NETWORK_PROFILE,
        Action.SET_DISPLAY_MESSAGE,
        Action.GET_DISPLAY_MESSAGES,
        Action.CLEAR_DISPLAY_MESSAGE,
    )

    @as_handler(Action.BOOT_NOTIFICATION)
    async def boot_notification(
        self, ctx: HandlerContext, request: messages.BootNotificationRequest
    ) -> messages.BootNotificationResponse:
        return await boot_service.answer_boot(
            ctx.session, self.deps.config.ocpp, ctx.station, request
        )

    @as_handler(Action.HEARTBEAT)
    async def heartbeat(
        self, ctx: HandlerContext, request: messages.HeartbeatRequest
    ) -> messages.HeartbeatResponse:
        return boot_service.answer_heartbeat()
