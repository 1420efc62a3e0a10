"""Locations, always addressed within their tenant."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from citrine_data.errors import NotFound
from citrine_data.models.location import Location
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationData:
    name: str
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str | None = None
    grid_connection_limit_amps: float | None = None


class LocationRepository(Repository):
    async def create(self, tenant_id: str, data: LocationData) -> Location:
        """Raises ``Conflict`` when the tenant already has a location of that name."""
        return await self._add(Location(tenant_id=tenant_id, **asdict(data)))

    async def get(self, tenant_id: str, location_pk: int) -> Location | None:
        statement = select(Location).where(
            Location.tenant_id == tenant_id, Location.id == location_pk
        )
        return await self._get_one_or_none(statement)

    async def get_or_raise(self, tenant_id: str, location_pk: int) -> Location:
        location = await self.get(tenant_id, location_pk)
        if location is None:
            raise NotFound(f"no location {location_pk} in tenant {tenant_id!r}")
        return location

    async def update(self, tenant_id: str, location_pk: int, data: LocationData) -> Location:
        location = await self.get_or_raise(tenant_id, location_pk)
        for name, value in asdict(data).items():
            setattr(location, name, value)
        await self._flush()
        return location

    async def delete(self, tenant_id: str, location_pk: int) -> bool:
        statement = delete(Location).where(
            Location.tenant_id == tenant_id, Location.id == location_pk
        )
        return await self._execute_dml(statement) > 0

    async def list(
        self, tenant_id: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[Location]:
        statement = (
            select(Location)
            .where(Location.tenant_id == tenant_id)
            .order_by(Location.name, Location.id)
        )
        return await self._paginate(statement, limit=limit, offset=offset)
