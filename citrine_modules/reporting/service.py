"""The device model's rules: what a NotifyReport part stores, what a Get/SetVariables answer
changes, and what is never stored (a WriteOnly value, a password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_data import Page, Session
from citrine_data.models import Component, Report
from citrine_data.repositories import (
    ChargingStationRepository,
    DeviceModelBatchRepository,
    DeviceModelRepository,
    ReportRepository,
)
from citrine_data.repositories.device_model import (
    AttributeData,
    CharacteristicsData,
    ComponentFilter,
    VariableKey,
)
from citrine_data.repositories.device_model_batch import AttributeResult, ReportItem
from citrine_modules.reporting.variables import attribute_key, component_key, item_key
from citrine_modules.rest import NotFoundError

SECRET_VARIABLES = frozenset({("securityctrlr", "basicauthpassword")})
"""(component, variable), lower case: values the CSMS never stores, whatever the station
says about their mutability."""

_NOT_ON_STATION = frozenset(
    {
        enums.GetVariableStatusEnum.UNKNOWN_COMPONENT.value,
        enums.GetVariableStatusEnum.UNKNOWN_VARIABLE.value,
        enums.GetVariableStatusEnum.NOT_SUPPORTED_ATTRIBUTE_TYPE.value,
    }
)
"""Answers saying the attribute does not exist: nothing is stored for them."""


def is_secret(component: str, variable: str) -> bool:
    return (component.lower(), variable.lower()) in SECRET_VARIABLES


@dataclass(frozen=True, slots=True)
class IngestedPart:
    report: Report
    new: bool  # False: this part was stored before (a retried NotifyReport)
    completed_now: bool


def _status_info(info: datatypes.StatusInfo | None) -> str | None:
    if info is None:
        return None
    return info.reason_code + (f": {info.additional_info}" if info.additional_info else "")


def report_item(data: datatypes.ReportData) -> ReportItem:
    secret = is_secret(data.component.name, data.variable.name)
    attributes = tuple(
        AttributeData(
            type=(attribute.type or enums.AttributeEnum.ACTUAL).value,
            value=None if secret else attribute.value,
            mutability=attribute.mutability.value if attribute.mutability else None,
            persistent=attribute.persistent,
            constant=attribute.constant,
        )
        for attribute in data.variable_attribute
    )
    characteristics = data.variable_characteristics
    return ReportItem(
        component_key(data.component),
        VariableKey(data.variable.name, data.variable.instance),
        attributes,
        None
        if characteristics is None
        else CharacteristicsData(
            data_type=characteristics.data_type.value,
            supports_monitoring=characteristics.supports_monitoring,
            unit=characteristics.unit,
            min_limit=characteristics.min_limit,
            max_limit=characteristics.max_limit,
            values_list=characteristics.values_list,
        ),
    )


class DeviceModelService:
    async def station_pk_or_raise(self, session: Session, key: StationKey) -> int:
        station = await ChargingStationRepository.from_session(session).get_by_key(key)
        if station is None:
            raise NotFoundError(f"No station {key.station_id}")
        return station.id

    async def ingest_report(
        self, session: Session, key: StationKey, request: messages.NotifyReportRequest
    ) -> IngestedPart:
        """Store one NotifyReport part (B07/B08); parts may repeat and arrive unasked."""
        now = datetime.now(UTC)
        station = await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)
        reports = ReportRepository.from_session(session)
        report = await reports.get_or_start(station.id, request.request_id, now)
        was_complete = report.completed_at is not None
        items = [report_item(data) for data in request.report_data or []]
        new = await reports.record_part(
            report,
            seq_no=request.seq_no,
            to_be_continued=bool(request.tbc),
            items=len(items),
            at=now,
        )
        if new and items:
            await DeviceModelBatchRepository.from_session(session).write_report_items(
                station.id, items, now
            )
        return IngestedPart(report, new, not was_complete and report.completed_at is not None)

    async def record_get(
        self,
        session: Session,
        key: StationKey,
        response: messages.GetVariablesResponse,
    ) -> None:
        """Values the station read out (Accepted), and its other answers."""
        results = [
            AttributeResult(
                component=component_key(result.component),
                variable=VariableKey(result.variable.name, result.variable.instance),
                type=(result.attribute_type or enums.AttributeEnum.ACTUAL).value,
                action=Action.GET_VARIABLES,
                status=result.attribute_status.value,
                status_info=_status_info(result.attribute_status_info),
                value=None
                if is_secret(result.component.name, result.variable.name)
                else result.attribute_value,
                replaces_value=result.attribute_status is enums.GetVariableStatusEnum.ACCEPTED,
            )
            for result in response.get_variable_result
            if result.attribute_status.value not in _NOT_ON_STATION
        ]
        await self._record(session, key, results)

    async def record_set(
        self,
        session: Session,
        key: StationKey,
        request: messages.SetVariablesRequest,
        response: messages.SetVariablesResponse,
    ) -> None:
        """An accepted value becomes the stored one (never a secret's); the rest is noted."""
        asked = {item_key(item): item.attribute_value for item in request.set_variable_data}
        results = []
        for result in response.set_variable_result:
            if result.attribute_status.value in _NOT_ON_STATION:
                continue
            value = asked.get(
                attribute_key(result.component, result.variable, result.attribute_type)
            )
            accepted = result.attribute_status is enums.SetVariableStatusEnum.ACCEPTED
            results.append(
                AttributeResult(
                    component=component_key(result.component),
                    variable=VariableKey(result.variable.name, result.variable.instance),
                    type=(result.attribute_type or enums.AttributeEnum.ACTUAL).value,
                    action=Action.SET_VARIABLES,
                    status=result.attribute_status.value,
                    status_info=_status_info(result.attribute_status_info),
                    value=None if is_secret(result.component.name, result.variable.name) else value,
                    replaces_value=accepted and value is not None,
                )
            )
        await self._record(session, key, results)

    async def _record(
        self, session: Session, key: StationKey, results: list[AttributeResult]
    ) -> None:
        if not results:
            return
        station = await ChargingStationRepository.from_session(session).get_by_key(key)
        if station is not None:  # deleted meanwhile: nothing to keep
            await DeviceModelBatchRepository.from_session(session).record_results(
                station.id, results, datetime.now(UTC)
            )

    async def page_components(
        self,
        session: Session,
        key: StationKey,
        which: ComponentFilter,
        limit: int,
        offset: int,
    ) -> Page[Component]:
        station_pk = await self.station_pk_or_raise(session, key)
        return await DeviceModelRepository.from_session(session).page_components(
            station_pk, which, limit=limit, offset=offset
        )

    async def list_reports(
        self, session: Session, key: StationKey, limit: int, offset: int
    ) -> Page[Report]:
        station_pk = await self.station_pk_or_raise(session, key)
        return await ReportRepository.from_session(session).list(
            station_pk, limit=limit, offset=offset
        )

    async def get_report_or_raise(
        self, session: Session, key: StationKey, request_id: int
    ) -> Report:
        station_pk = await self.station_pk_or_raise(session, key)
        report = await ReportRepository.from_session(session).get(station_pk, request_id)
        if report is None:
            raise NotFoundError(f"No report {request_id} for station {key.station_id}")
        return report


device_model = DeviceModelService()
