"""The station registry's rules: provisioning, moving and retiring stations; tenants."""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Page, Session
from citrine_data.models import ChargingStation, Location, Tenant
from citrine_data.repositories import (
    ChargingStationRepository,
    LocationRepository,
    TenantRepository,
)
from citrine_data.repositories.location import LocationData
from citrine_modules.rest import NotFoundError
from citrine_modules.stations.schemas import LocationIn, StationIn, StationUpdate


class RegistryService:
    async def create_tenant(self, session: Session, tenant_id: str, name: str) -> Tenant:
        return await TenantRepository.from_session(session).create(tenant_id, name)

    async def list_tenants(self, session: Session) -> list[Tenant]:
        return await TenantRepository.from_session(session).list()

    async def create_location(self, session: Session, tenant_id: str, body: LocationIn) -> Location:
        return await LocationRepository.from_session(session).create(
            tenant_id, LocationData(**body.model_dump(by_alias=False))
        )

    async def get_location_or_raise(
        self, session: Session, tenant_id: str, location_id: int
    ) -> Location:
        location = await LocationRepository.from_session(session).get(tenant_id, location_id)
        if location is None:
            raise NotFoundError(f"No location {location_id}")
        return location

    async def update_location(
        self, session: Session, tenant_id: str, location_id: int, body: LocationIn
    ) -> Location:
        await self.get_location_or_raise(session, tenant_id, location_id)
        return await LocationRepository.from_session(session).update(
            tenant_id, location_id, LocationData(**body.model_dump(by_alias=False))
        )

    async def delete_location(self, session: Session, tenant_id: str, location_id: int) -> None:
        if not await LocationRepository.from_session(session).delete(tenant_id, location_id):
            raise NotFoundError(f"No location {location_id}")

    async def list_locations(
        self, session: Session, tenant_id: str, limit: int, offset: int
    ) -> Page[Location]:
        return await LocationRepository.from_session(session).list(
            tenant_id, limit=limit, offset=offset
        )

    async def create_station(
        self, session: Session, tenant_id: str, body: StationIn
    ) -> ChargingStation:
        if body.location_id is not None:
            await self.get_location_or_raise(session, tenant_id, body.location_id)
        return await ChargingStationRepository.from_session(session).create(
            StationKey(tenant_id, body.station_id),
            location_pk=body.location_id,
            minimum_security_profile=body.minimum_security_profile,
        )

    async def get_station_or_raise(self, session: Session, key: StationKey) -> ChargingStation:
        station = await ChargingStationRepository.from_session(session).get_detail(key)
        if station is None:
            raise NotFoundError(f"No station {key.station_id}")
        return station

    async def update_station(
        self, session: Session, key: StationKey, body: StationUpdate
    ) -> ChargingStation:
        station = await self.get_station_or_raise(session, key)
        changes = body.model_dump(exclude_unset=True, by_alias=False)
        if "location_id" in changes:
            if body.location_id is not None:
                await self.get_location_or_raise(session, key.tenant_id, body.location_id)
            station.location_pk = body.location_id
        if body.minimum_security_profile is not None:
            station.minimum_security_profile = body.minimum_security_profile
        await session.flush()
        return await self.get_station_or_raise(session, key)

    async def delete_station(self, session: Session, key: StationKey) -> None:
        if not await ChargingStationRepository.from_session(session).delete(key):
            raise NotFoundError(f"No station {key.station_id}")

    async def list_stations(
        self,
        session: Session,
        tenant_id: str,
        *,
        online: bool | None,
        location_id: int | None,
        limit: int,
        offset: int,
    ) -> Page[ChargingStation]:
        return await ChargingStationRepository.from_session(session).list(
            tenant_id, online=online, location_pk=location_id, limit=limit, offset=offset
        )


registry = RegistryService()
