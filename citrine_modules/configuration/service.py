"""Provisioning rules (block B): what a booting station is told, and the clock it gets."""

from __future__ import annotations

from datetime import UTC, datetime

from citrine_base.config import OcppConfig
from citrine_base.ocpp.v201 import enums, messages


class BootService:
    """Stateless: decides the answer to a BootNotification."""

    def answer_boot(
        self, config: OcppConfig, request: messages.BootNotificationRequest
    ) -> messages.BootNotificationResponse:
        return messages.BootNotificationResponse(
            current_time=datetime.now(UTC),
            interval=config.heartbeat_interval,
            status=enums.RegistrationStatusEnum.ACCEPTED,
        )

    def answer_heartbeat(self) -> messages.HeartbeatResponse:
        # G02: the answer carries the CSMS clock, which the station synchronises to.
        return messages.HeartbeatResponse(current_time=datetime.now(UTC))


boot_service = BootService()
