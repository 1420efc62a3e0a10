"""REST data endpoints of smart charging: stored profiles, the CSMS's own composite schedule,
external limits, EV charging needs, profile reports, and the site limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import enums
from citrine_data.models import ProfileSource
from citrine_data.repositories import (
    ChargingProfileReportRepository,
    ChargingProfileRepository,
    EvChargingNeedsRepository,
    ExternalLimitRepository,
    LocationRepository,
    ManagedProfileRepository,
)
from citrine_data.repositories.smart_charging import ProfileFilter
from citrine_modules.rest import NotFoundError, Operator, PageOut, Paging, Reader, Uow
from citrine_modules.smart_charging.profiles import station_pk
from citrine_modules.smart_charging.schedule import MAX_DURATION, schedule_service
from citrine_modules.smart_charging.schemas import (
    ComputedScheduleOut,
    ExternalLimitOut,
    NeedsOut,
    ProfileOut,
    ReportOut,
    SiteOut,
)
from citrine_modules.smart_charging.site import SiteBalancer

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]
EvseQuery = Annotated[int | None, Query(alias="evseId", ge=0)]


def build_router(balancer: SiteBalancer) -> APIRouter:
    router = APIRouter(prefix="/smart-charging", tags=["smartcharging"])

    @router.get("/stations/{station_id}/charging-profiles", response_model=PageOut[ProfileOut])
    async def list_profiles(
        station_id: str,
        principal: Reader,
        uow: Uow,
        paging: Paging,
        tenant: TenantQuery = None,
        evse_id: EvseQuery = None,
        purpose: Annotated[enums.ChargingProfilePurposeEnum | None, Query()] = None,
        source: Annotated[ProfileSource | None, Query()] = None,
    ) -> PageOut[ProfileOut]:
        """The profiles the CSMS knows of on the station: set by it (with the station's
        answer) or reported by the station."""
        pk = await station_pk(uow.session, StationKey(principal.tenant_for(tenant), station_id))
        which = ProfileFilter(evse_id=evse_id, purpose=purpose.value if purpose else None)
        page = await ChargingProfileRepository.from_session(uow.session).page(
            pk, which, source=source, limit=paging.limit, offset=paging.offset
        )
        return PageOut.of(page, ProfileOut.of)

    @router.get("/stations/{station_id}/composite-schedule", response_model=ComputedScheduleOut)
    async def computed_schedule(
        station_id: str,
        principal: Reader,
        uow: Uow,
        evse_id: Annotated[int, Query(alias="evseId", ge=0, description="0: the station")],
        duration: Annotated[int, Query(gt=0, le=MAX_DURATION, description="Seconds")] = 86400,
        unit: Annotated[enums.ChargingRateUnitEnum | None, Query(alias="chargingRateUnit")] = None,
        start: Annotated[datetime | None, Query(description="Default: now")] = None,
        tenant: TenantQuery = None,
    ) -> ComputedScheduleOut:
        """The composite schedule computed by the CSMS from its stored profiles, without
        asking the station (GetCompositeSchedule asks it)."""
        begin = (start or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        computed = await schedule_service.compute(
            uow.session,
            StationKey(principal.tenant_for(tenant), station_id),
            evse_id=evse_id,
            start=begin,
            duration=duration,
            unit=unit.value if unit else None,
        )
        return ComputedScheduleOut.of(computed)

    @router.get("/stations/{station_id}/charging-limits", response_model=list[ExternalLimitOut])
    async def external_limits(
        station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> list[ExternalLimitOut]:
        """Limits set by external systems, as the station notified them (K11-K13)."""
        pk = await station_pk(uow.session, StationKey(principal.tenant_for(tenant), station_id))
        rows = await ExternalLimitRepository.from_session(uow.session).list(pk)
        return [ExternalLimitOut.of(row) for row in rows]

    @router.get("/stations/{station_id}/ev-charging-needs", response_model=list[NeedsOut])
    async def charging_needs(
        station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> list[NeedsOut]:
        """The latest charging needs and schedule of the EV at each EVSE (K15-K17)."""
        pk = await station_pk(uow.session, StationKey(principal.tenant_for(tenant), station_id))
        rows = await EvChargingNeedsRepository.from_session(uow.session).list(pk)
        return [NeedsOut.of(row) for row in rows]

    @router.get("/stations/{station_id}/profile-reports/{request_id}", response_model=ReportOut)
    async def profile_report(
        station_id: str, request_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> ReportOut:
        """How far the ReportChargingProfiles of a GetChargingProfiles have come."""
        pk = await station_pk(uow.session, StationKey(principal.tenant_for(tenant), station_id))
        report = await ChargingProfileReportRepository.from_session(uow.session).get(pk, request_id)
        if report is None:
            raise NotFoundError(f"No GetChargingProfiles with requestId {request_id}")
        return ReportOut.of(report)

    async def site_view(uow: Uow, tenant_id: str, location_id: int) -> SiteOut:
        location = await LocationRepository.from_session(uow.session).get_or_raise(
            tenant_id, location_id
        )
        shares = await balancer.shares(uow.session, location.id)
        pks = sorted({share.station_pk for share in shares})
        rows = await ManagedProfileRepository.from_session(uow.session).list_for_stations(pks)
        managed = {(row.station_pk, row.transaction_id): row for row in rows}
        return SiteOut.of(location.id, location.grid_connection_limit_amps, shares, managed)

    @router.get("/locations/{location_id}/site-limit", response_model=SiteOut)
    async def site_limit(
        location_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> SiteOut:
        """Each running transaction's share of the location's grid connection limit, and
        the TxProfile the CSMS last sent for it."""
        return await site_view(uow, principal.tenant_for(tenant), location_id)

    @router.post("/locations/{location_id}/site-limit/reconcile", response_model=SiteOut)
    async def reconcile_site(
        location_id: int, principal: Operator, uow: Uow, tenant: TenantQuery = None
    ) -> SiteOut:
        """Share the limit now and send the TxProfiles that changed (it also happens as
        transactions start and end, and every minute)."""
        tenant_id = principal.tenant_for(tenant)
        # The balancer commits what it sends; this request's session is only opened after.
        await balancer.reconcile_for_tenant(tenant_id, location_id)
        return await site_view(uow, tenant_id, location_id)

    return router
