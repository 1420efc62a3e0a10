"""REST: monitors (set, clear, list), monitoring base and level, monitoring reports.

Every command endpoint waits for the station's answer and returns it; what it changes is
stored by the result handlers when the answer arrives (``module.py``), so a GET right after
may trail by a moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, datatypes, messages
from citrine_data import unit_of_work
from citrine_data.repositories import MonitoringRepository
from citrine_modules.deps import ModuleDeps
from citrine_modules.monitoring.limits import MessageLimits, ask_limits, split, stored_limits
from citrine_modules.monitoring.monitors import monitor_service
from citrine_modules.monitoring.schemas import (
    ClearMonitorsIn,
    ClearMonitorsOut,
    MonitoringBaseIn,
    MonitoringLevelIn,
    MonitoringReportIn,
    MonitoringReportOut,
    MonitorOut,
    SetMonitorsIn,
    SetMonitorsOut,
)
from citrine_modules.rest import ApiError, NotFoundError, Operator, PageOut, Paging, Reader
from citrine_modules.station_api import (
    CallError,
    RequestStatusOut,
    StatusOut,
    TenantQuery,
    call_station,
    send_in_parts,
    send_tracked,
    station_or_404,
)

STATION = "/monitoring/stations/{station_id}"


def _call_error(failure: ApiError | None) -> CallError | None:
    return None if failure is None else CallError(status=failure.status, detail=failure.message)


def monitoring_router(deps: ModuleDeps) -> APIRouter:
    router = APIRouter(tags=["monitoring"])

    async def station_pk(key: StationKey) -> int:
        async with unit_of_work(deps.sessions) as uow:
            return (await station_or_404(uow.session, key)).id

    async def limits(key: StationKey, action: str) -> MessageLimits:
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            found = await stored_limits(uow.session, station.id, action)
        missing = [name for name in ("ItemsPerMessage", "BytesPerMessage") if name not in found]
        if missing:  # asked outside any transaction: the station may take its time
            found.update(await ask_limits(deps.commands, key, action, missing))
        return MessageLimits(items=found.get("ItemsPerMessage"), bytes=found.get("BytesPerMessage"))

    @router.get(f"{STATION}/monitors", response_model=PageOut[MonitorOut])
    async def list_monitors(
        station_id: str,
        principal: Reader,
        paging: Paging,
        tenant: TenantQuery = None,
        component: Annotated[str | None, Query(description="Component name")] = None,
        variable: Annotated[str | None, Query(description="Variable name")] = None,
        refused: Annotated[
            bool, Query(description="The monitors the station refused, with its reason")
        ] = False,
    ) -> PageOut[MonitorOut]:
        """The monitors the station has, as it answered and reported them."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            page = await MonitoringRepository.from_session(uow.session).list_monitor_views(
                station.id,
                component_name=component,
                variable_name=variable,
                refused=refused,
                limit=paging.limit,
                offset=paging.offset,
            )
        return PageOut.of(page, MonitorOut.of)

    @router.post(f"{STATION}/monitors", response_model=SetMonitorsOut)
    async def set_monitors(
        station_id: str, body: SetMonitorsIn, principal: Operator, tenant: TenantQuery = None
    ) -> SetMonitorsOut:
        """SetVariableMonitoring (N04; TC_N_08, TC_N_09, TC_N_24): the station's result for
        every item. An item with an ``id`` replaces that monitor."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        action = Action.SET_VARIABLE_MONITORING
        parts = split(
            body.set_monitoring_data,
            await limits(key, action),
            action=action,
            field="setMonitoringData",
            to_json=lambda item: item.to_wire(),
        )

        async def send(
            part: Sequence[datatypes.SetMonitoringData],
        ) -> list[datatypes.SetMonitoringResult]:
            request = messages.SetVariableMonitoringRequest(set_monitoring_data=list(part))
            response = await call_station(
                deps.commands, key, action, request, messages.SetVariableMonitoringResponse
            )
            return response.set_monitoring_result

        results, sent, failure = await send_in_parts(parts, send)
        return SetMonitorsOut(
            results=results, requests=sent, complete=failure is None, error=_call_error(failure)
        )

    @router.post(f"{STATION}/monitors/clear", response_model=ClearMonitorsOut)
    async def clear_monitors(
        station_id: str, body: ClearMonitorsIn, principal: Operator, tenant: TenantQuery = None
    ) -> ClearMonitorsOut:
        """ClearVariableMonitoring (N06; TC_N_18, TC_N_44), in as many CALLs as the station's
        ItemsPerMessage and BytesPerMessage need."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        action = Action.CLEAR_VARIABLE_MONITORING
        ids = list(dict.fromkeys(body.ids))
        parts = split(ids, await limits(key, action), action=action, field="id", to_json=int)

        async def send(part: Sequence[int]) -> list[datatypes.ClearMonitoringResult]:
            request = messages.ClearVariableMonitoringRequest(id=list(part))
            response = await call_station(
                deps.commands, key, action, request, messages.ClearVariableMonitoringResponse
            )
            return response.clear_monitoring_result

        results, sent, failure = await send_in_parts(parts, send)
        return ClearMonitorsOut(
            results=results, requests=sent, complete=failure is None, error=_call_error(failure)
        )

    @router.put(f"{STATION}/monitoringBase", response_model=StatusOut)
    async def set_monitoring_base(
        station_id: str, body: MonitoringBaseIn, principal: Operator, tenant: TenantQuery = None
    ) -> StatusOut:
        """SetMonitoringBase (N03; TC_N_05)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        await station_pk(key)
        request = messages.SetMonitoringBaseRequest(monitoring_base=body.monitoring_base)
        response = await call_station(
            deps.commands,
            key,
            Action.SET_MONITORING_BASE,
            request,
            messages.SetMonitoringBaseResponse,
        )
        return StatusOut.of(response.status.value, response.status_info)

    @router.put(f"{STATION}/monitoringLevel", response_model=StatusOut)
    async def set_monitoring_level(
        station_id: str, body: MonitoringLevelIn, principal: Operator, tenant: TenantQuery = None
    ) -> StatusOut:
        """SetMonitoringLevel (N05; TC_N_16, TC_N_17)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        await station_pk(key)
        request = messages.SetMonitoringLevelRequest(severity=body.severity)
        response = await call_station(
            deps.commands,
            key,
            Action.SET_MONITORING_LEVEL,
            request,
            messages.SetMonitoringLevelResponse,
        )
        return StatusOut.of(response.status.value, response.status_info)

    @router.post(f"{STATION}/monitoringReports", response_model=RequestStatusOut)
    async def request_monitoring_report(
        station_id: str, body: MonitoringReportIn, principal: Operator, tenant: TenantQuery = None
    ) -> RequestStatusOut:
        """GetMonitoringReport (N02; TC_N_01-03, TC_N_47, TC_N_60) under a new request id;
        the station's NotifyMonitoringReport parts arrive afterwards (GET the report)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        template = messages.GetMonitoringReportRequest(
            request_id=0,
            monitoring_criteria=body.monitoring_criteria,
            component_variable=body.component_variable,
        )
        report, response = await send_tracked(
            deps.commands,
            deps.sessions,
            key,
            action=Action.GET_MONITORING_REPORT,
            template=template,
            response_type=messages.GetMonitoringReportResponse,
            open_record=lambda session, pk: monitor_service.open_report(session, pk, template),
            ensure_record=lambda session, pk, request_id: MonitoringRepository.from_session(
                session
            ).ensure_report(pk, request_id),
        )
        return RequestStatusOut.answered(
            report.request_id, response.status.value, response.status_info
        )

    @router.get(f"{STATION}/monitoringReports", response_model=PageOut[MonitoringReportOut])
    async def list_monitoring_reports(
        station_id: str, principal: Reader, paging: Paging, tenant: TenantQuery = None
    ) -> PageOut[MonitoringReportOut]:
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            page = await MonitoringRepository.from_session(uow.session).list_reports(
                station.id, limit=paging.limit, offset=paging.offset
            )
        return PageOut.of(page, MonitoringReportOut.of)

    @router.get(f"{STATION}/monitoringReports/{{request_id}}", response_model=MonitoringReportOut)
    async def get_monitoring_report(
        station_id: str, request_id: int, principal: Reader, tenant: TenantQuery = None
    ) -> MonitoringReportOut:
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(deps.sessions) as uow:
            station = await station_or_404(uow.session, key)
            report = await MonitoringRepository.from_session(uow.session).get_report(
                station.id, request_id
            )
        if report is None:
            raise NotFoundError(f"No monitoring report {request_id} for {station_id}")
        return MonitoringReportOut.of(report)

    return router
