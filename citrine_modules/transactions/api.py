"""REST: transactions (list, filter, detail with events, meter values, energy and cost),
a station's meter values, and its connectors' status (latest and history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from citrine_base.interfaces.envelope import StationKey
from citrine_data.models import TransactionState
from citrine_data.repositories.transaction_reads import TransactionFilter
from citrine_modules.rest import PageOut, Paging, Reader, Unprocessable, Uow
from citrine_modules.transactions.queries import queries
from citrine_modules.transactions.schemas import (
    ConnectorStatusOut,
    MeterValueOut,
    StatusEntryOut,
    TransactionDetail,
    TransactionOut,
)

router = APIRouter(tags=["transactions"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]
Moment = Annotated[AwareDatetime | None, Query(description="RFC 3339 with an offset")]


@router.get("/transactions", response_model=PageOut[TransactionOut])
async def list_transactions(
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    station_id: Annotated[str | None, Query(alias="stationId")] = None,
    id_token: Annotated[str | None, Query(alias="idToken", description="The token")] = None,
    state: Annotated[TransactionState | None, Query(description="active or ended")] = None,
    started_from: Annotated[
        AwareDatetime | None, Query(alias="startedFrom", description="Started at or after")
    ] = None,
    started_before: Annotated[
        AwareDatetime | None, Query(alias="startedBefore", description="Started before")
    ] = None,
) -> PageOut[TransactionOut]:
    """Newest first. A running transaction shows its cost so far."""
    if started_from and started_before and started_before <= started_from:
        raise Unprocessable("startedBefore must be after startedFrom")
    where = TransactionFilter(
        station_id=station_id,
        id_token=id_token,
        state=state,
        started_from=started_from,
        started_before=started_before,
    )
    page = await queries.list_transactions(
        uow.session, principal.tenant_for(tenant), where, paging.limit, paging.offset
    )
    return PageOut.of(page, lambda item: item)


@router.get("/transactions/{transaction_id}", response_model=TransactionDetail)
async def get_transaction(
    transaction_id: str,
    principal: Reader,
    uow: Uow,
    tenant: TenantQuery = None,
    station_id: Annotated[
        str | None,
        Query(alias="stationId", description="Needed when two stations used the same id"),
    ] = None,
) -> TransactionDetail:
    """The transaction with its events in seqNo order, its meter values, energy and cost."""
    return await queries.transaction_detail(
        uow.session, principal.tenant_for(tenant), transaction_id, station_id
    )


@router.get("/stations/{station_id}/connectors", response_model=list[ConnectorStatusOut])
async def list_connector_status(
    station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> list[ConnectorStatusOut]:
    """The latest status of every connector that reported one, by EVSE and connector."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    return await queries.connectors(uow.session, key)


@router.get("/stations/{station_id}/status-history", response_model=PageOut[StatusEntryOut])
async def list_status_history(
    station_id: str,
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    evse_id: Annotated[int | None, Query(alias="evseId", ge=0)] = None,
    connector_id: Annotated[int | None, Query(alias="connectorId", ge=0)] = None,
) -> PageOut[StatusEntryOut]:
    """Every status notification, newest first (by the station's time)."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    page = await queries.status_history(
        uow.session, key, evse_id, connector_id, paging.limit, paging.offset
    )
    return PageOut.of(page, StatusEntryOut.of)


@router.get("/stations/{station_id}/meter-values", response_model=PageOut[MeterValueOut])
async def list_meter_values(
    station_id: str,
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    evse_id: Annotated[int | None, Query(alias="evseId", ge=0, description="0: main meter")] = None,
    since: Moment = None,
    until: Moment = None,
) -> PageOut[MeterValueOut]:
    """The station's meter values (MeterValues and those of its transactions), newest first."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    page = await queries.meter_values(
        uow.session,
        key,
        evse_id=evse_id,
        since=since,
        until=until,
        limit=paging.limit,
        offset=paging.offset,
    )
    return PageOut.of(page, MeterValueOut.of)
