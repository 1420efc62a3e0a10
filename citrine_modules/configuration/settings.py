"""Per-station boot settings over REST: checked like the OCPP they will become."""

from __future__ import annotations

import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, messages
from citrine_data import Session
from citrine_data.models import BootConfig, ChargingStation
from citrine_data.repositories import BootConfigRepository, ChargingStationRepository
from citrine_data.repositories.boot_config import BootSettings
from citrine_modules.configuration.schemas import BootConfigIn
from citrine_modules.reporting.api import check_settable
from citrine_modules.reporting.bodies import parse_ocpp
from citrine_modules.rest import NotFoundError


def settings_of(body: BootConfigIn) -> BootSettings:
    """The settings to store; 422 for a set_variables item that is not valid OCPP, repeats
    an attribute (B05.FR.13), or is a credential (never kept in clear here)."""
    items = [
        parse_ocpp(datatypes.SetVariableData, orjson.dumps(raw), f"setVariables[{index}]")
        for index, raw in enumerate(body.set_variables)
    ]
    if items:
        check_settable(messages.SetVariablesRequest(set_variable_data=items))
    return BootSettings(
        status=body.status,
        status_reason=body.status_info.reason_code if body.status_info else None,
        status_info=body.status_info.additional_info if body.status_info else None,
        heartbeat_interval=body.heartbeat_interval,
        retry_interval=body.retry_interval,
        set_variables=[item.to_wire() for item in items],
        fetch_base_report=body.fetch_base_report,
        accept_with_rejected_variables=body.accept_with_rejected_variables,
    )


class BootSettingsService:
    async def station_or_raise(self, session: Session, key: StationKey) -> ChargingStation:
        station = await ChargingStationRepository.from_session(session).get_by_key(key)
        if station is None:
            raise NotFoundError(f"No station {key.station_id}")
        return station

    async def get_or_raise(self, session: Session, key: StationKey) -> BootConfig:
        station = await self.station_or_raise(session, key)
        boot = await BootConfigRepository.from_session(session).get(station.id)
        if boot is None:
            raise NotFoundError(
                f"Station {key.station_id} has no boot settings; the system default applies"
            )
        return boot

    async def create(self, session: Session, key: StationKey, body: BootConfigIn) -> BootConfig:
        """``Conflict`` (409) when the station has settings already."""
        station = await self.station_or_raise(session, key)
        return await BootConfigRepository.from_session(session).create(
            station.id, settings_of(body)
        )

    async def replace(self, session: Session, key: StationKey, body: BootConfigIn) -> BootConfig:
        station = await self.station_or_raise(session, key)
        return await BootConfigRepository.from_session(session).upsert(
            station.id, settings_of(body)
        )

    async def delete(self, session: Session, key: StationKey) -> None:
        station = await self.station_or_raise(session, key)
        if not await BootConfigRepository.from_session(session).delete(station.id):
            raise NotFoundError(f"Station {key.station_id} has no boot settings")

    async def accept(self, session: Session, key: StationKey) -> tuple[BootConfig, str | None]:
        """Accept the station from its next boot on; with the registration it has now."""
        station = await self.station_or_raise(session, key)
        repository = BootConfigRepository.from_session(session)
        await repository.set_status(station.id, "Accepted")
        boot = await repository.get(station.id)
        assert boot is not None
        return boot, station.registration_status


boot_settings = BootSettingsService()
