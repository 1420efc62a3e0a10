"""Provisioning rules (block B): what a booting station is told, and the clock it gets.

The status comes from the station's boot settings, else from ``boot.status`` in the
configuration (unknown stations under the ``pending`` policy get settings saying Pending when
they first connect). Accepted stations get the heartbeat interval, the others the retry
interval (B02.FR.07, B03.FR.02); both from the configuration, overridable per station. The
answer is remembered on the station (``registration_status``): the router reads it when the
station reconnects without booting again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from citrine_base.config import SystemConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import BootConfig
from citrine_data.repositories import BootConfigRepository, ChargingStationRepository
from citrine_data.repositories.station import StationInfo

PROTOCOL = "ocpp2.0.1"
Status = enums.RegistrationStatusEnum


def station_info(station: datatypes.ChargingStation) -> StationInfo:
    return StationInfo(
        vendor_name=station.vendor_name,
        model=station.model,
        serial_number=station.serial_number,
        firmware_version=station.firmware_version,
        modem_iccid=station.modem.iccid if station.modem else None,
        modem_imsi=station.modem.imsi if station.modem else None,
    )


@dataclass(frozen=True, slots=True)
class EffectiveBoot:
    """The boot settings that apply to one station: its own, completed by the system's."""

    status: Status
    heartbeat_interval: int
    retry_interval: int
    status_info: datatypes.StatusInfo | None
    fetch_base_report: bool
    accept_with_rejected_variables: bool
    set_variables: list[dict[str, Any]] = field(default_factory=list)

    @property
    def interval(self) -> int:
        return self.heartbeat_interval if self.status is Status.ACCEPTED else self.retry_interval

    @property
    def provisioning_work(self) -> bool:
        """Something to do while Pending before the station can be accepted."""
        return self.fetch_base_report or bool(self.set_variables)


def effective_boot(boot: BootConfig | None, config: SystemConfig) -> EffectiveBoot:
    defaults = config.boot
    if boot is None:
        return EffectiveBoot(
            status=Status(defaults.status),
            heartbeat_interval=config.ocpp.heartbeat_interval,
            retry_interval=config.ocpp.boot_retry_interval,
            status_info=None,
            fetch_base_report=defaults.fetch_base_report,
            accept_with_rejected_variables=defaults.accept_with_rejected_variables,
        )
    info = None
    if boot.status_reason:
        info = datatypes.StatusInfo(
            reason_code=boot.status_reason, additional_info=boot.status_info
        )
    return EffectiveBoot(
        status=Status(boot.status or defaults.status),
        heartbeat_interval=boot.heartbeat_interval or config.ocpp.heartbeat_interval,
        retry_interval=config.ocpp.boot_retry_interval
        if boot.retry_interval is None
        else boot.retry_interval,
        status_info=info,
        fetch_base_report=boot.fetch_base_report,
        accept_with_rejected_variables=boot.accept_with_rejected_variables,
        set_variables=list(boot.set_variables or []),
    )


class BootService:
    """Stateless: decides and records the answer to a BootNotification."""

    async def answer_boot(
        self,
        session: Session,
        config: SystemConfig,
        key: StationKey,
        request: messages.BootNotificationRequest,
    ) -> messages.BootNotificationResponse:
        now = datetime.now(UTC)
        stations = ChargingStationRepository.from_session(session)
        station = await stations.register(
            key, station_info(request.charging_station), booted_at=now, protocol=PROTOCOL
        )
        boot = effective_boot(
            await BootConfigRepository.from_session(session).get(station.id), config
        )
        await stations.set_registration_status(key, boot.status.value)
        return messages.BootNotificationResponse(
            current_time=now,
            interval=boot.interval,
            status=boot.status,
            status_info=boot.status_info,
        )

    def answer_heartbeat(self) -> messages.HeartbeatResponse:
        # G02: the answer carries the CSMS clock, which the station synchronises to.
        return messages.HeartbeatResponse(current_time=datetime.now(UTC))


boot_service = BootService()
