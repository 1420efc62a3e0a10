"""REST: tariffs (create, read, replace, delete)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from citrine_modules.rest import Operator, PageOut, Paging, Reader, Uow
from citrine_modules.transactions.api import TenantQuery
from citrine_modules.transactions.schemas import TariffIn, TariffOut
from citrine_modules.transactions.tariffs import tariffs

router = APIRouter(tags=["tariffs"])


@router.post("/tariffs", status_code=201, response_model=TariffOut)
async def create_tariff(
    body: TariffIn, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> TariffOut:
    return TariffOut.of(await tariffs.create(uow.session, principal.tenant_for(tenant), body))


@router.get("/tariffs", response_model=PageOut[TariffOut])
async def list_tariffs(
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    station_id: Annotated[
        str | None, Query(alias="stationId", description="Only this station's tariffs")
    ] = None,
) -> PageOut[TariffOut]:
    page = await tariffs.list(
        uow.session, principal.tenant_for(tenant), station_id, paging.limit, paging.offset
    )
    return PageOut.of(page, TariffOut.of)


@router.get("/tariffs/{tariff_id}", response_model=TariffOut)
async def get_tariff(
    tariff_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> TariffOut:
    tariff = await tariffs.get_or_raise(uow.session, principal.tenant_for(tenant), tariff_id)
    return TariffOut.of(tariff)


@router.put("/tariffs/{tariff_id}", response_model=TariffOut)
async def replace_tariff(
    tariff_id: int, body: TariffIn, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> TariffOut:
    """Replace every field. Running transactions it prices are charged by the new prices."""
    tariff = await tariffs.update(uow.session, principal.tenant_for(tenant), tariff_id, body)
    return TariffOut.of(tariff)


@router.delete("/tariffs/{tariff_id}", status_code=204)
async def delete_tariff(
    tariff_id: int, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> Response:
    """409 while running transactions are charged by it."""
    await tariffs.delete(uow.session, principal.tenant_for(tenant), tariff_id)
    return Response(status_code=204)
