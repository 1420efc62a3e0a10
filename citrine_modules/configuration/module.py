"""Configuration module (blocks B Provisioning, G Availability, F TriggerMessage, P
DataTransfer).

Handles: BootNotification (B01-B03), Heartbeat (G02), DataTransfer (P01/P02).
Sends: Reset (B11/B12), ChangeAvailability (G03/G04), TriggerMessage (F06), DataTransfer,
SetNetworkProfile (B09); plus, while a station is Pending, the provisioning flow
(``provisioning``: GetBaseReport, SetVariables, TriggerMessage).
Result handlers: SetNetworkProfile (an accepted profile is kept per slot), DataTransfer
(the station's answer is logged).
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_modules.configuration.api import ConfigurationApi
from citrine_modules.configuration.data_transfer import DataTransferRegistry
from citrine_modules.configuration.network import network_profiles
from citrine_modules.configuration.provisioning import Provisioning
from citrine_modules.configuration.service import boot_service
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_util.handler_runner import CallOutcome, HandlerContext

log = structlog.get_logger(__name__)


class ConfigurationModule(CsmsModule):
    name = "configuration"
    sends = (
        Action.RESET,
        Action.CHANGE_AVAILABILITY,
        Action.TRIGGER_MESSAGE,
        Action.DATA_TRANSFER,
        Action.SET_NETWORK_PROFILE,
    )

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        self.data_transfers = DataTransferRegistry()
        self.provisioning = Provisioning(deps, self.name)

    async def start(self) -> None:
        await self.provisioning.start()

    async def stop(self) -> None:
        await self.provisioning.stop()

    @as_handler(Action.BOOT_NOTIFICATION)
    async def boot_notification(
        self, ctx: HandlerContext, request: messages.BootNotificationRequest
    ) -> messages.BootNotificationResponse:
        return await boot_service.answer_boot(ctx.session, self.deps.config, ctx.station, request)

    @as_handler(Action.HEARTBEAT)
    async def heartbeat(
        self, ctx: HandlerContext, request: messages.HeartbeatRequest
    ) -> messages.HeartbeatResponse:
        return boot_service.answer_heartbeat()

    @as_handler(Action.DATA_TRANSFER)
    async def data_transfer(
        self, ctx: HandlerContext, request: messages.DataTransferRequest
    ) -> messages.DataTransferResponse:
        return await self.data_transfers.answer(ctx, request)

    @as_result_handler(Action.SET_NETWORK_PROFILE)
    async def network_profile_set(self, outcome: CallOutcome) -> None:
        response, request = outcome.response, outcome.request
        if (
            isinstance(response, messages.SetNetworkProfileResponse)
            and isinstance(request, messages.SetNetworkProfileRequest)
            and response.status is enums.SetNetworkProfileStatusEnum.ACCEPTED
        ):
            await network_profiles.accepted(outcome.session, outcome.station, request)

    @as_result_handler(Action.DATA_TRANSFER)
    async def data_transfer_answered(self, outcome: CallOutcome) -> None:
        response = outcome.response
        log.info(
            "data_transfer.answered",
            station_id=outcome.station.station_id,
            message_id=outcome.message_id,
            status=response.status.value
            if isinstance(response, messages.DataTransferResponse)
            else None,
            error=outcome.error_code,
        )

    def routers(self) -> list[APIRouter]:
        return [ConfigurationApi(self.deps, self.provisioning).router]
