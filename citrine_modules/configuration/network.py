"""SetNetworkProfile (B09): the profile a station accepted is kept per configuration slot.

Kept without its secrets (VPN password and key, APN password, SIM PIN): the CSMS needs the
URL and security profile a slot points to, never the credentials it handed over.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import messages
from citrine_data import Session
from citrine_data.models import NetworkProfile
from citrine_data.repositories import ChargingStationRepository, NetworkProfileRepository
from citrine_data.repositories.network_profile import NetworkProfileData

SECRETS: dict[str, tuple[str, ...]] = {"vpn": ("password", "key"), "apn": ("apnPassword", "simPin")}


def without_secrets(connection_data: dict[str, Any]) -> dict[str, Any]:
    kept = dict(connection_data)
    for part, fields in SECRETS.items():
        if isinstance(kept.get(part), dict):
            kept[part] = {k: v for k, v in kept[part].items() if k not in fields}
    return kept


class NetworkProfileService:
    async def accepted(
        self, session: Session, key: StationKey, request: messages.SetNetworkProfileRequest
    ) -> NetworkProfile | None:
        station = await ChargingStationRepository.from_session(session).get_by_key(key)
        if station is None:
            return None
        profile = request.connection_data
        data = NetworkProfileData(
            ocpp_csms_url=profile.ocpp_csms_url,
            security_profile=profile.security_profile,
            ocpp_version=profile.ocpp_version.value,
            ocpp_transport=profile.ocpp_transport.value,
            ocpp_interface=profile.ocpp_interface.value,
            message_timeout=profile.message_timeout,
            connection_data=without_secrets(profile.to_wire()),
        )
        return await NetworkProfileRepository.from_session(session).save(
            station.id, request.configuration_slot, data, datetime.now(UTC)
        )

    async def list(self, session: Session, station_pk: int) -> list[NetworkProfile]:
        return await NetworkProfileRepository.from_session(session).list(station_pk)


network_profiles = NetworkProfileService()
