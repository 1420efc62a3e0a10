"""REST: the device model per station, component and variable; base and custom reports with
their progress; Get/SetVariables of any length."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_data import unit_of_work
from citrine_data.repositories.device_model import ComponentFilter
from citrine_modules.deps import ModuleDeps
from citrine_modules.reporting.bodies import ocpp_body, read_ocpp_body
from citrine_modules.reporting.reports import ReportRequested, request_report
from citrine_modules.reporting.schemas import (
    BaseReportIn,
    ComponentOut,
    ReportOut,
    ReportRequestOut,
    VariablesOut,
)
from citrine_modules.reporting.service import device_model, is_secret
from citrine_modules.reporting.variables import (
    VariablesOutcome,
    get_variables,
    item_key,
    message_limits,
    set_variables,
)
from citrine_modules.rest import (
    NotFoundError,
    Operator,
    PageOut,
    Paging,
    Reader,
    Unprocessable,
    Uow,
)

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]
Instance = Annotated[str | None, Query(description="Component instance")]
EvseId = Annotated[int | None, Query(alias="evseId", ge=1)]
ConnectorId = Annotated[int | None, Query(alias="connectorId", ge=1)]
VariableInstance = Annotated[str | None, Query(alias="variableInstance")]

GET_EXAMPLE = {
    "getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    ]
}
SET_EXAMPLE = {
    "setVariableData": [
        {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
            "attributeValue": "120",
        }
    ]
}
REPORT_EXAMPLE = {
    "componentCriteria": ["Available"],
    "componentVariable": [{"component": {"name": "EVSE", "evse": {"id": 1}}}],
}


class ReportingApi:
    def __init__(self, deps: ModuleDeps) -> None:
        self.deps = deps
        self.router = APIRouter(tags=["device model"])
        route = self.router.add_api_route
        route("/stations/{station_id}/device-model", self.device_model, methods=["GET"])
        route("/stations/{station_id}/device-model/{component}", self.component, methods=["GET"])
        route(
            "/stations/{station_id}/device-model/{component}/{variable}",
            self.variable,
            methods=["GET"],
        )
        route("/stations/{station_id}/reports", self.reports, methods=["GET"])
        route("/stations/{station_id}/reports/{request_id}", self.report, methods=["GET"])
        route(
            "/stations/{station_id}/reports/base",
            self.base_report,
            methods=["POST"],
            response_model=ReportRequestOut,
        )
        route(
            "/stations/{station_id}/reports/custom",
            self.custom_report,
            methods=["POST"],
            response_model=ReportRequestOut,
            openapi_extra=ocpp_body(messages.GetReportRequest, REPORT_EXAMPLE),
        )
        route(
            "/stations/{station_id}/variables/get",
            self.get_variables,
            methods=["POST"],
            response_model=VariablesOut,
            openapi_extra=ocpp_body(messages.GetVariablesRequest, GET_EXAMPLE),
        )
        route(
            "/stations/{station_id}/variables/set",
            self.set_variables,
            methods=["POST"],
            response_model=VariablesOut,
            openapi_extra=ocpp_body(messages.SetVariablesRequest, SET_EXAMPLE),
        )

    async def device_model(
        self,
        station_id: str,
        principal: Reader,
        uow: Uow,
        paging: Paging,
        tenant: TenantQuery = None,
        component: Annotated[str | None, Query(description="Component name")] = None,
        variable: Annotated[str | None, Query(description="Variable name")] = None,
    ) -> PageOut[ComponentOut]:
        """The station's components with their variables, attributes and characteristics."""
        which = ComponentFilter(name=component, variable=variable)
        return await self._components(station_id, principal.tenant_for(tenant), uow, paging, which)

    async def component(
        self,
        station_id: str,
        component: str,
        principal: Reader,
        uow: Uow,
        paging: Paging,
        tenant: TenantQuery = None,
        instance: Instance = None,
        evse_id: EvseId = None,
        connector_id: ConnectorId = None,
    ) -> PageOut[ComponentOut]:
        """Every stored instance of one component (filter by instance, EVSE, connector)."""
        which = ComponentFilter(
            name=component, instance=instance, evse_id=evse_id, connector_id=connector_id
        )
        page = await self._components(station_id, principal.tenant_for(tenant), uow, paging, which)
        if page.total == 0:
            raise NotFoundError(f"No component {component} on station {station_id}")
        return page

    async def variable(
        self,
        station_id: str,
        component: str,
        variable: str,
        principal: Reader,
        uow: Uow,
        paging: Paging,
        tenant: TenantQuery = None,
        instance: Instance = None,
        evse_id: EvseId = None,
        connector_id: ConnectorId = None,
        variable_instance: VariableInstance = None,
    ) -> PageOut[ComponentOut]:
        """One variable of a component, in every component instance that has it."""
        which = ComponentFilter(
            name=component,
            instance=instance,
            evse_id=evse_id,
            connector_id=connector_id,
            variable=variable,
            variable_instance=variable_instance,
        )
        page = await self._components(station_id, principal.tenant_for(tenant), uow, paging, which)
        if page.total == 0:
            raise NotFoundError(f"No variable {component}.{variable} on station {station_id}")
        return page

    async def _components(
        self, station_id: str, tenant: str, uow: Uow, paging: Paging, which: ComponentFilter
    ) -> PageOut[ComponentOut]:
        page = await device_model.page_components(
            uow.session, StationKey(tenant, station_id), which, paging.limit, paging.offset
        )
        return PageOut.of(page, ComponentOut.of)

    async def reports(
        self,
        station_id: str,
        principal: Reader,
        uow: Uow,
        paging: Paging,
        tenant: TenantQuery = None,
    ) -> PageOut[ReportOut]:
        """The station's reports, newest first, with their progress."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        page = await device_model.list_reports(uow.session, key, paging.limit, paging.offset)
        return PageOut.of(page, ReportOut.of)

    async def report(
        self,
        station_id: str,
        request_id: int,
        principal: Reader,
        uow: Uow,
        tenant: TenantQuery = None,
    ) -> ReportOut:
        """One report: the station's answer, the parts received, whether it is complete."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        return ReportOut.of(await device_model.get_report_or_raise(uow.session, key, request_id))

    async def base_report(
        self, station_id: str, body: BaseReportIn, principal: Operator, tenant: TenantQuery = None
    ) -> JSONResponse:
        """GetBaseReport (TC_B_12/B_13/B_14): the CSMS picks the requestId; follow the
        report's progress at ``/stations/{stationId}/reports/{requestId}``."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        requested = await request_report(
            self.deps, key, report_base=enums.ReportBaseEnum(body.report_base)
        )
        return _report_response(requested)

    async def custom_report(
        self, station_id: str, request: Request, principal: Operator, tenant: TenantQuery = None
    ) -> JSONResponse:
        """GetReport (TC_B_18) with componentCriteria and/or componentVariable; the body is a
        GetReportRequest without requestId (the CSMS picks it)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        body = await read_ocpp_body(request, messages.GetReportRequest, requestId=0)
        await self._check_report_size(key, len(body.component_variable or []))
        requested = await request_report(
            self.deps,
            key,
            criteria=body.component_criteria,
            component_variables=body.component_variable,
        )
        return _report_response(requested)

    async def get_variables(
        self, station_id: str, request: Request, principal: Operator, tenant: TenantQuery = None
    ) -> JSONResponse:
        """GetVariables of any length (TC_B_06/B_07/B_08), split to the station's
        ItemsPerMessage and BytesPerMessage; read values are stored in the device model."""
        key = await self._known(station_id, principal.tenant_for(tenant))
        body = await read_ocpp_body(request, messages.GetVariablesRequest)
        return _variables_response(await get_variables(self.deps, key, body.get_variable_data))

    async def set_variables(
        self, station_id: str, request: Request, principal: Operator, tenant: TenantQuery = None
    ) -> JSONResponse:
        """SetVariables of any length (TC_B_09/B_10), split like GetVariables; accepted values
        are stored in the device model (never a WriteOnly one)."""
        key = await self._known(station_id, principal.tenant_for(tenant))
        body = await read_ocpp_body(request, messages.SetVariablesRequest)
        check_settable(body)
        return _variables_response(await set_variables(self.deps, key, body.set_variable_data))

    async def _check_report_size(self, key: StationKey, items: int) -> None:
        """B08: at most ItemsPerMessage[GetReport] componentVariable entries."""
        async with unit_of_work(self.deps.sessions) as uow:
            station_pk = await device_model.station_pk_or_raise(uow.session, key)
            limits = await message_limits(
                uow.session, station_pk, Action.GET_REPORT, self.deps.config.device_model
            )
        if items > limits.items:
            raise Unprocessable(
                f"{items} componentVariable entries; the station takes {limits.items} per "
                "GetReport (DeviceDataCtrlr.ItemsPerMessage[GetReport])"
            )

    async def _known(self, station_id: str, tenant: str) -> StationKey:
        key = StationKey(tenant, station_id)
        async with unit_of_work(self.deps.sessions) as uow:
            await device_model.station_pk_or_raise(uow.session, key)
        return key


def check_settable(request: messages.SetVariablesRequest) -> None:
    """B05.FR.13: one item per attribute; and no password through the generic path."""
    seen: set[tuple[Any, ...]] = set()
    for item in request.set_variable_data:
        key = item_key(item)
        if key in seen:
            raise Unprocessable(
                f"{item.component.name}.{item.variable.name} ({key[-1]}) is set twice; "
                "each attribute may appear once (B05.FR.13)"
            )
        seen.add(key)
        if is_secret(item.component.name, item.variable.name):
            raise Unprocessable(
                f"{item.component.name}.{item.variable.name} is a credential: change it with "
                "the station's password endpoint, which also updates what the CSMS accepts"
            )


def _report_response(requested: ReportRequested) -> JSONResponse:
    body = ReportRequestOut.requested(requested.report, requested.problem)
    status = requested.problem.http_status if requested.problem else 200
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _variables_response(outcome: VariablesOutcome[Any, Any]) -> JSONResponse:
    status = 200
    if not outcome.results and outcome.first_problem is not None:
        status = outcome.first_problem.http_status
    return JSONResponse(VariablesOut.of(outcome).model_dump(mode="json"), status_code=status)
