"""REST data endpoints: id tokens (CRUD and bulk import), reservations, remote starts, and
what the CSMS knows of each station's local list. Commands are in ``api_commands.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import enums
from citrine_data.repositories import (
    LocalListRepository,
    RemoteStartRepository,
    ReservationRepository,
)
from citrine_data.repositories.authorization import TokenFilter
from citrine_data.repositories.reservation import ReservationFilter
from citrine_modules.evdriver.remote import station_pk_or_raise
from citrine_modules.evdriver.schemas import (
    IdTokenImport,
    IdTokenIn,
    IdTokenOut,
    ImportOut,
    LocalListEntryOut,
    LocalListOut,
    RemoteStartOut,
    ReservationOut,
)
from citrine_modules.evdriver.tokens import tokens
from citrine_modules.rest import NotFoundError, Operator, PageOut, Paging, Reader, Uow

router = APIRouter(tags=["evdriver"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]
TokenType = Annotated[enums.IdTokenEnum, Path(description="The OCPP IdTokenEnumType")]
TokenValue = Annotated[str, Path(min_length=1, max_length=36, description="Case insensitive")]
StationQuery = Annotated[str | None, Query(alias="stationId")]


@router.get("/id-tokens", response_model=PageOut[IdTokenOut])
async def list_id_tokens(
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    status: Annotated[str | None, Query()] = None,
    type: Annotated[enums.IdTokenEnum | None, Query()] = None,
    in_local_list: Annotated[bool | None, Query(alias="inLocalList")] = None,
    prefix: Annotated[str | None, Query(max_length=36, description="Start of the token")] = None,
) -> PageOut[IdTokenOut]:
    where = TokenFilter(status, type.value if type else None, in_local_list, prefix)
    page = await tokens.list_tokens(
        uow.session, principal.tenant_for(tenant), where, paging.limit, paging.offset
    )
    return PageOut.of(page, IdTokenOut.of)


@router.get("/id-tokens/{type}/{id_token}", response_model=IdTokenOut)
async def get_id_token(
    type: TokenType, id_token: TokenValue, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> IdTokenOut:
    tenant_id = principal.tenant_for(tenant)
    found = await tokens.get_or_raise(uow.session, tenant_id, id_token, type.value)
    return IdTokenOut.of(found)


@router.put("/id-tokens/{type}/{id_token}", response_model=IdTokenOut)
async def put_id_token(
    type: TokenType,
    id_token: TokenValue,
    body: IdTokenIn,
    principal: Operator,
    uow: Uow,
    response: Response,
    tenant: TenantQuery = None,
) -> IdTokenOut:
    """Create the token, or replace everything about it (201 when created)."""
    token, created = await tokens.put(
        uow.session, principal.tenant_for(tenant), id_token, type.value, body
    )
    response.status_code = 201 if created else 200
    return IdTokenOut.of(token)


@router.delete("/id-tokens/{type}/{id_token}", status_code=204)
async def delete_id_token(
    type: TokenType, id_token: TokenValue, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> Response:
    await tokens.delete(uow.session, principal.tenant_for(tenant), id_token, type.value)
    return Response(status_code=204)


@router.post("/id-tokens/import", response_model=ImportOut)
async def import_id_tokens(
    body: IdTokenImport, principal: Operator, uow: Uow, tenant: TenantQuery = None
) -> ImportOut:
    """Create or replace up to 10,000 tokens at once, in a few statements. A group may be
    named before or after its members; the import is all or nothing."""
    count = await tokens.import_many(uow.session, principal.tenant_for(tenant), body.tokens)
    return ImportOut(imported=count)


@router.get("/reservations", response_model=PageOut[ReservationOut])
async def list_reservations(
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    station_id: StationQuery = None,
    status: Annotated[str | None, Query()] = None,
    holding: Annotated[bool | None, Query(description="Still holding an EVSE now")] = None,
) -> PageOut[ReservationOut]:
    tenant_id = principal.tenant_for(tenant)
    station_pk = None
    if station_id is not None:
        station_pk = await station_pk_or_raise(uow.session, StationKey(tenant_id, station_id))
    now = datetime.now(UTC)
    page = await ReservationRepository.from_session(uow.session).list(
        tenant_id,
        where=ReservationFilter(station_pk=station_pk, status=status, holding=holding),
        at=now,
        limit=paging.limit,
        offset=paging.offset,
    )
    return PageOut.of(page, lambda item: ReservationOut.of(item, now))


@router.get("/reservations/{station_id}/{reservation_id}", response_model=ReservationOut)
async def get_reservation(
    station_id: str, reservation_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> ReservationOut:
    station = StationKey(principal.tenant_for(tenant), station_id)
    station_pk = await station_pk_or_raise(uow.session, station)
    found = await ReservationRepository.from_session(uow.session).get_detail(
        station_pk, reservation_id
    )
    if found is None:
        raise NotFoundError(f"No reservation {reservation_id} at {station_id}")
    return ReservationOut.of(found, datetime.now(UTC))


@router.get("/remote-starts", response_model=PageOut[RemoteStartOut])
async def list_remote_starts(
    principal: Reader,
    uow: Uow,
    paging: Paging,
    tenant: TenantQuery = None,
    station_id: StationQuery = None,
) -> PageOut[RemoteStartOut]:
    tenant_id = principal.tenant_for(tenant)
    station_pk = None
    if station_id is not None:
        station_pk = await station_pk_or_raise(uow.session, StationKey(tenant_id, station_id))
    page = await RemoteStartRepository.from_session(uow.session).list(
        tenant_id, station_pk=station_pk, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, RemoteStartOut.of)


@router.get("/remote-starts/{station_id}/{remote_start_id}", response_model=RemoteStartOut)
async def get_remote_start(
    station_id: str, remote_start_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> RemoteStartOut:
    station = StationKey(principal.tenant_for(tenant), station_id)
    station_pk = await station_pk_or_raise(uow.session, station)
    found = await RemoteStartRepository.from_session(uow.session).get_detail(
        station_pk, remote_start_id
    )
    if found is None:
        raise NotFoundError(f"No remote start {remote_start_id} at {station_id}")
    return RemoteStartOut.of(found)


@router.get("/stations/{station_id}/local-list", response_model=LocalListOut)
async def get_local_list(
    station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> LocalListOut:
    station = StationKey(principal.tenant_for(tenant), station_id)
    station_pk = await station_pk_or_raise(uow.session, station)
    lists = LocalListRepository.from_session(uow.session)
    state = await lists.get_state(station_pk)
    return LocalListOut(
        station_id=station_id,
        version=state.version if state else None,
        reported_version=state.reported_version if state else None,
        reported_at=state.reported_at if state else None,
        synced_at=state.synced_at if state else None,
        needs_full=state.needs_full if state else True,
        entries=await lists.count_entries(station_pk),
    )


@router.get("/stations/{station_id}/local-list/entries", response_model=PageOut[LocalListEntryOut])
async def list_local_list_entries(
    station_id: str, principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[LocalListEntryOut]:
    """The entries the station holds, as it accepted them."""
    station = StationKey(principal.tenant_for(tenant), station_id)
    station_pk = await station_pk_or_raise(uow.session, station)
    page = await LocalListRepository.from_session(uow.session).entries_page(
        station_pk, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(
        page,
        lambda entry: LocalListEntryOut(
            id_token=entry.id_token,
            type=entry.id_token_type,
            authorization_data=entry.authorization_data,
        ),
    )
