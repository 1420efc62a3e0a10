"""Provisioning rules (block B): what a booting station is told, and the clock it gets."""

from __future__ import annotations

from datetime import UTC, datetime

from citrine_base.config import OcppConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.repositories import BootConfigRepository, ChargingStationRepository
from citrine_data.repositories.station import StationInfo

PROTOCOL = "ocpp2.0.1"


def station_info(station: datatypes.ChargingStation) -> StationInfo:
    return StationInfo(
        vendor_name=station.vendor_name,
        model=station.model,
        serial_number=station.serial_number,
        firmware_version=station.firmware_version,
        modem_iccid=station.modem.iccid if station.modem else None,
        modem_imsi=station.modem.imsi if station.modem else None,
    )


class BootService:
    """Stateless: decides and records the answer to a BootNotification."""

    async def answer_boot(
        self,
        session: Session,
        config: OcppConfig,
        key: StationKey,
        request: messages.BootNotificationRequest,
    ) -> messages.BootNotificationResponse:
        now = datetime.now(UTC)
        stations = ChargingStationRepository.from_session(session)
        station = await stations.register(
            key, station_info(request.charging_station), booted_at=now, protocol=PROTOCOL
        )
        boot = await BootConfigRepository.from_session(session).get(station.id)
        status = enums.RegistrationStatusEnum(
            boot.status if boot and boot.status else enums.RegistrationStatusEnum.ACCEPTED
        )
        if status is enums.RegistrationStatusEnum.ACCEPTED:
            interval = boot.heartbeat_interval if boot and boot.heartbeat_interval else None
            interval = interval or config.heartbeat_interval
        else:
            retry = boot.retry_interval if boot and boot.retry_interval is not None else None
            interval = config.boot_retry_interval if retry is None else retry
        await stations.set_registration_status(key, status.value)
        return messages.BootNotificationResponse(current_time=now, interval=interval, status=status)

    def answer_heartbeat(self) -> messages.HeartbeatResponse:
        # G02: the answer carries the CSMS clock, which the station synchronises to.
        return messages.HeartbeatResponse(current_time=datetime.now(UTC))


boot_service = BootService()
