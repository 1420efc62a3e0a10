"""REST: events (NotifyEvent), security events, and customer information requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_data import unit_of_work
from citrine_data.repositories import (
    CustomerInformationRepository,
    MonitoringRepository,
    SecurityEventRepository,
)
from citrine_modules.deps import ModuleDeps
from citrine_modules.monitoring.customers import customer_service
from citrine_modules.monitoring.schemas import (
    CustomerInformationIn,
    CustomerInformationOut,
    EventOut,
    SecurityEventOut,
)
from citrine_modules.rest import NotFoundError, Operator, PageOut, Paging, Reader
from citrine_modules.station_api import (
    RequestStatusOut,
    TenantQuery,
    send_tracked,
    station_or_404,
)

STATION = "/monitoring/stations/{station_id}"

Since = Annotated[datetime | None, Query(description="From this time on (inclusive)")]
Until = Annotated[datetime | None, Query(description="Before this time")]


def events_router(deps: ModuleDeps) -> APIRouter:
    router = APIRouter(tags=["monitoring"])

    @router.get(f"{STATION}/events", response_model=PageOut[EventOut])
    async def list_events(
        station_id: str,
        principal: Reader,
        paging: Paging,
        tenant: TenantQuery = None,
        since: Since = None,
        until: Until = None,
        component: Annotated[str | None, Query(description="Component name")] = None,
        variable: Annotated[str | None, Query(description="Variable name")] = None,
        trigger: Annotated[enums.EventTriggerEnum | None, Query()] = None,
    ) -> PageOut[EventOut]:
        """The station's NotifyEvent data, newest first (N07, N08; TC_N_48-50)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            page = await MonitoringRepository.from_session(uow.session).list_events(
                station.id,
                since=since,
                until=until,
                component_name=component,
                variable_name=variable,
                trigger=trigger.value if trigger else None,
                limit=paging.limit,
                offset=paging.offset,
            )
        return PageOut.of(page, EventOut.of)

    @router.get(f"{STATION}/securityEvents", response_model=PageOut[SecurityEventOut])
    async def list_station_security_events(
        station_id: str,
        principal: Reader,
        paging: Paging,
        tenant: TenantQuery = None,
        since: Since = None,
        until: Until = None,
        critical: Annotated[bool | None, Query(description="Only critical ones (or not)")] = None,
        type: Annotated[str | None, Query(max_length=50)] = None,
    ) -> PageOut[SecurityEventOut]:
        """The station's security events, newest first (A04)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            page = await SecurityEventRepository.from_session(uow.session).list(
                station.id,
                since=since,
                until=until,
                critical=critical,
                type=type,
                limit=paging.limit,
                offset=paging.offset,
            )
        return PageOut.of(page, lambda event: SecurityEventOut.of(event, station_id))

    @router.get("/monitoring/securityEvents", response_model=PageOut[SecurityEventOut])
    async def list_security_events(
        principal: Reader,
        paging: Paging,
        tenant: TenantQuery = None,
        since: Since = None,
        until: Until = None,
        critical: Annotated[bool | None, Query(description="Only critical ones (or not)")] = None,
        type: Annotated[str | None, Query(max_length=50)] = None,
    ) -> PageOut[SecurityEventOut]:
        """Every station's security events, newest first: ``critical=true`` are the alerts."""
        async with unit_of_work(deps.sessions) as uow:
            page = await SecurityEventRepository.from_session(uow.session).list_for_tenant(
                principal.tenant_for(tenant),
                since=since,
                until=until,
                critical=critical,
                type=type,
                limit=paging.limit,
                offset=paging.offset,
            )
        return PageOut.of(page, lambda event: SecurityEventOut.of(event, event.station.station_id))

    @router.post(f"{STATION}/customerInformation", response_model=RequestStatusOut)
    async def request_customer_information(
        station_id: str,
        body: CustomerInformationIn,
        principal: Operator,
        tenant: TenantQuery = None,
    ) -> RequestStatusOut:
        """CustomerInformation (N09, N10; TC_N_27-32, TC_N_62, TC_N_63) under a new request
        id; the NotifyCustomerInformation parts arrive afterwards (GET the request)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        template = messages.CustomerInformationRequest(
            request_id=0,
            report=body.report,
            clear=body.clear,
            id_token=body.id_token,
            customer_identifier=body.customer_identifier,
            customer_certificate=body.customer_certificate,
        )
        record, response = await send_tracked(
            deps.commands,
            deps.sessions,
            key,
            action=Action.CUSTOMER_INFORMATION,
            template=template,
            response_type=messages.CustomerInformationResponse,
            open_record=lambda session, pk: customer_service.open_request(session, pk, template),
            ensure_record=lambda session, pk, request_id: (
                CustomerInformationRepository.from_session(session).ensure_request(pk, request_id)
            ),
        )
        return RequestStatusOut.answered(
            record.request_id, response.status.value, response.status_info
        )

    @router.get(f"{STATION}/customerInformation", response_model=PageOut[CustomerInformationOut])
    async def list_customer_information(
        station_id: str, principal: Reader, paging: Paging, tenant: TenantQuery = None
    ) -> PageOut[CustomerInformationOut]:
        """Customer information requests, newest first, each with its assembled data."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            repository = CustomerInformationRepository.from_session(uow.session)
            page = await repository.list_requests(
                station.id, limit=paging.limit, offset=paging.offset
            )
            parts = {r.id: await repository.list_parts(r.id) for r in page.items}
        return PageOut.of(page, lambda r: CustomerInformationOut.of(r, parts[r.id]))

    @router.get(
        f"{STATION}/customerInformation/{{request_id}}", response_model=CustomerInformationOut
    )
    async def get_customer_information(
        station_id: str, request_id: int, principal: Reader, tenant: TenantQuery = None
    ) -> CustomerInformationOut:
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            found = await customer_service.view(uow.session, station.id, request_id)
        if found is None:
            raise NotFoundError(f"No customer information request {request_id} for {station_id}")
        return CustomerInformationOut.of(*found)

    return router
