"""REST commands built from data: reserve, cancel, remote start and stop, local list pushes.

Each checks the request against what the CSMS knows (station, token, transaction), records
what must exist before the station answers (a remote start), commits, and only then asks the
station: no database transaction stays open while a station thinks. The station's answer is
in the response (errors as in ``calls.py``); its effects are recorded by the result handlers
when it arrives, however the CALL was sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action
from citrine_data import unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_modules.evdriver.authorization import AuthorizationService
from citrine_modules.evdriver.calls import call_station
from citrine_modules.evdriver.local_list_sync import LocalListPush
from citrine_modules.evdriver.remote import remote_starts
from citrine_modules.evdriver.reservations import reservation_service
from citrine_modules.evdriver.schemas import (
    CommandOut,
    LocalListPushIn,
    LocalListPushOut,
    RemoteStartIn,
    RemoteStartSent,
    RemoteStopIn,
    ReservationIn,
    ReserveOut,
)
from citrine_modules.rest import Operator

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]


def command_router(
    deps: ModuleDeps, authorization: AuthorizationService, pusher: LocalListPush
) -> APIRouter:
    router = APIRouter(tags=["evdriver"])

    @router.post("/reservations", response_model=ReserveOut)
    async def reserve(
        body: ReservationIn, principal: Operator, tenant: TenantQuery = None
    ) -> ReserveOut:
        """Send ReserveNow (H01); the CSMS picks the reservation id unless one is given."""
        station = StationKey(principal.tenant_for(tenant), body.station_id)
        async with unit_of_work(deps.sessions) as uow:
            request = await reservation_service.prepare(uow.session, authorization, station, body)
        response = await call_station(deps.commands, station, Action.RESERVE_NOW, request)
        return ReserveOut(
            station_id=body.station_id, reservation_id=request.id, answer=response.to_wire()
        )

    @router.post("/reservations/{station_id}/{reservation_id}/cancel", response_model=CommandOut)
    async def cancel_reservation(
        station_id: str, reservation_id: int, principal: Operator, tenant: TenantQuery = None
    ) -> CommandOut:
        """Send CancelReservation (H02) for a reservation that still holds."""
        station = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            request = await reservation_service.prepare_cancel(uow.session, station, reservation_id)
        response = await call_station(deps.commands, station, Action.CANCEL_RESERVATION, request)
        return CommandOut(station_id=station_id, answer=response.to_wire())

    @router.post("/remote-starts", response_model=RemoteStartSent)
    async def remote_start(
        body: RemoteStartIn, principal: Operator, tenant: TenantQuery = None
    ) -> RemoteStartSent:
        """Send RequestStartTransaction (F01, F02) with a remoteStartId chosen by the CSMS."""
        station = StationKey(principal.tenant_for(tenant), body.station_id)
        async with unit_of_work(deps.sessions) as uow:
            request = await remote_starts.prepare(uow.session, authorization, station, body)
        response = await call_station(
            deps.commands, station, Action.REQUEST_START_TRANSACTION, request
        )
        return RemoteStartSent(
            station_id=body.station_id,
            remote_start_id=request.remote_start_id,
            answer=response.to_wire(),
        )

    @router.post("/remote-stops", response_model=CommandOut)
    async def remote_stop(
        body: RemoteStopIn, principal: Operator, tenant: TenantQuery = None
    ) -> CommandOut:
        """Send RequestStopTransaction (F03) for an active transaction."""
        station = StationKey(principal.tenant_for(tenant), body.station_id)
        async with unit_of_work(deps.sessions) as uow:
            request = await remote_starts.prepare_stop(uow.session, station, body)
        response = await call_station(
            deps.commands, station, Action.REQUEST_STOP_TRANSACTION, request
        )
        return CommandOut(station_id=body.station_id, answer=response.to_wire())

    @router.post("/stations/{station_id}/local-list", response_model=LocalListPushOut)
    async def push_local_list(
        station_id: str, body: LocalListPushIn, principal: Operator, tenant: TenantQuery = None
    ) -> LocalListPushOut:
        """Send the station its local list from the token table (D01): in full, or what
        changed since the last accepted update. Versions are chosen by the CSMS; a large
        list goes as one Full and Differentials; a refused differential is followed by the
        full list."""
        station = StationKey(principal.tenant_for(tenant), station_id)
        report = await pusher.push(station, body.update_type)
        return LocalListPushOut(
            station_id=station_id,
            status=report.status,
            update_type=report.update_type,
            version=report.version,
            messages=report.messages,
            entries=report.entries,
            full_resent=report.full_resent,
        )

    return router
