"""The network connection profiles each station accepted, by configuration slot."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from citrine_data.models.network_profile import NetworkProfile
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkProfileData:
    ocpp_csms_url: str
    security_profile: int
    ocpp_version: str
    ocpp_transport: str
    ocpp_interface: str
    message_timeout: int
    connection_data: dict[str, Any]


class NetworkProfileRepository(Repository):
    async def save(
        self, station_pk: int, slot: int, data: NetworkProfileData, accepted_at: datetime
    ) -> NetworkProfile:
        """The profile the station accepted for ``slot``, replacing the slot's earlier one."""
        values = {
            "station_pk": station_pk,
            "configuration_slot": slot,
            **asdict(data),
            "accepted_at": accepted_at,
        }
        return await self._upsert(NetworkProfile, values, key=["station_pk", "configuration_slot"])

    async def list(self, station_pk: int) -> list[NetworkProfile]:
        statement = (
            select(NetworkProfile)
            .where(NetworkProfile.station_pk == station_pk)
            .order_by(NetworkProfile.configuration_slot)
        )
        return await self._get_all(statement)
