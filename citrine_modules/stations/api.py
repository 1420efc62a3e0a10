"""REST: tenants, locations and charging stations (with EVSEs, connectors, latest status)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from citrine_base.interfaces.envelope import StationKey
from citrine_modules.rest import Admin, Forbidden, Operator, PageOut, Paging, Reader, Uow
from citrine_modules.stations.schemas import (
    LocationIn,
    LocationOut,
    StationDetail,
    StationIn,
    StationOut,
    StationUpdate,
    TenantIn,
    TenantOut,
)
from citrine_modules.stations.service import registry

router = APIRouter(tags=["stations"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]


@router.post("/tenants", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, principal: Admin, uow: Uow) -> TenantOut:
    if principal.tenant_id is not None:
        raise Forbidden("Only a platform operator creates tenants")
    return TenantOut.of(await registry.create_tenant(uow.session, body.id, body.name))


@router.get("/tenants", response_model=list[TenantOut])
async def list_tenants(principal: Reader, uow: Uow) -> list[TenantOut]:
    tenants = await registry.list_tenants(uow.session)
    return [TenantOut.of(t) for t in tenants if principal.tenant_id in (None, t.id)]


@router.post("/locations", status_code=201, response_model=LocationOut)
async def create_location(
    body: LocationIn, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> LocationOut:
    location = await registry.create_location(uow.session, principal.tenant_for(tenant), body)
    return LocationOut.of(location)


@router.get("/locations", response_model=PageOut[LocationOut])
async def list_locations(
    principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[LocationOut]:
    page = await registry.list_locations(
        uow.session, principal.tenant_for(tenant), paging.limit, paging.offset
    )
    return PageOut.of(page, LocationOut.of)


@router.get("/locations/{location_id}", response_model=LocationOut)
async def get_location(
    location_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> LocationOut:
    location = await registry.get_location_or_raise(
        uow.session, principal.tenant_for(tenant), location_id
    )
    return LocationOut.of(location)


@router.put("/locations/{location_id}", response_model=LocationOut)
async def update_location(
    location_id: int, body: LocationIn, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> LocationOut:
    location = await registry.update_location(
        uow.session, principal.tenant_for(tenant), location_id, body
    )
    return LocationOut.of(location)


@router.delete("/locations/{location_id}", status_code=204)
async def delete_location(
    location_id: int, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> Response:
    await registry.delete_location(uow.session, principal.tenant_for(tenant), location_id)
    return Response(status_code=204)


@router.post("/stations", status_code=201, response_model=StationOut)
async def create_station(
    body: StationIn, principal: Admin, uow: Uow, tenant: TenantQuery = None
) -> StationOut:
    station = await registry.create_station(uow.session, principal.tenant_for(tenant), body)
    return StationOut.of(station)


@router.get("/stations", response_model=PageOut[StationOut])
async def list_stations(
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    online: Annotated[bool | None, Query(description="Only stations online (or not)")] = None,
    location_id: Annotated[int | None, Query(alias="locationId")] = None,
) -> PageOut[StationOut]:
    page = await registry.list_stations(
        uow.session,
        principal.tenant_for(tenant),
        online=online,
        location_id=location_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return PageOut.of(page, StationOut.of)


@router.get("/stations/{station_id}", response_model=StationDetail)
async def get_station(
    station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> StationDetail:
    key = StationKey(principal.tenant_for(tenant), station_id)
    return StationDetail.of(await registry.get_station_or_raise(uow.session, key))


@router.patch("/stations/{station_id}", response_model=StationDetail)
async def update_station(
    station_id: str, body: StationUpdate, principal: Admin, uow: Uow, tenant: TenantQuery = None
) -> StationDetail:
    key = StationKey(principal.tenant_for(tenant), station_id)
    return StationDetail.of(await registry.update_station(uow.session, key, body))


@router.delete("/stations/{station_id}", status_code=204)
async def delete_station(
    station_id: str, principal: Admin, uow: Uow, tenant: TenantQuery = None
) -> Response:
    key = StationKey(principal.tenant_for(tenant), station_id)
    await registry.delete_station(uow.session, key)
    return Response(status_code=204)
