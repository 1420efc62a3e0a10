"""Monitors (N02-N06): what the station answered to SetVariableMonitoring and
ClearVariableMonitoring, the monitoring base and level, and monitoring reports.

Everything here is written from the station's answers (result handlers), however the CALL was
sent, and from its NotifyMonitoringReport parts. Components and variables the station names
are created in the device model when no NotifyReport described them yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import MonitoringReport
from citrine_data.repositories import (
    ChargingStationRepository,
    DeviceModelRepository,
    MonitoringRepository,
)
from citrine_data.repositories.device_model import AttributeData, ComponentKey, VariableKey
from citrine_data.repositories.monitoring import MonitorData
from citrine_modules.station_api import with_new_request_id

log = structlog.get_logger(__name__)

CONTROLLER = "MonitoringCtrlr"
REMOVES_CUSTOM_MONITORS = (
    enums.MonitoringBaseEnum.FACTORY_DEFAULT,
    enums.MonitoringBaseEnum.HARD_WIRED_ONLY,
)

Key = tuple[ComponentKey, VariableKey]


def component_key(component: datatypes.Component) -> ComponentKey:
    evse = component.evse
    return ComponentKey(
        component.name,
        component.instance,
        evse.id if evse else None,
        evse.connector_id if evse else None,
    )


def variable_key(variable: datatypes.Variable) -> VariableKey:
    return VariableKey(variable.name, variable.instance)


def _match_key(
    component: datatypes.Component, variable: datatypes.Variable, type: str, severity: int
) -> tuple[ComponentKey, VariableKey, str, int]:
    return component_key(component), variable_key(variable), type, severity


def pair_results(
    asked: Sequence[datatypes.SetMonitoringData], results: Sequence[datatypes.SetMonitoringResult]
) -> list[tuple[datatypes.SetMonitoringData | None, datatypes.SetMonitoringResult]]:
    """Each result with the item it answers: by component, variable, type and severity (the
    schema does not promise the order), by position when those do not tell."""
    waiting: dict[tuple[ComponentKey, VariableKey, str, int], list[int]] = {}
    for index, item in enumerate(asked):
        key = _match_key(item.component, item.variable, item.type.value, item.severity)
        waiting.setdefault(key, []).append(index)
    used: set[int] = set()
    paired: list[tuple[datatypes.SetMonitoringData | None, datatypes.SetMonitoringResult]] = []
    for position, result in enumerate(results):
        key = _match_key(result.component, result.variable, result.type.value, result.severity)
        candidates = [i for i in waiting.get(key, []) if i not in used]
        chosen: int | None = None
        if candidates:
            chosen = candidates[0]
        elif position < len(asked) and position not in used:
            chosen = position
        if chosen is not None:
            used.add(chosen)
        paired.append((asked[chosen] if chosen is not None else None, result))
    return paired


class MonitorService:
    async def station_pk(self, session: Session, key: StationKey) -> int:
        stations = ChargingStationRepository.from_session(session)
        return (await stations.get_by_key_or_raise(key)).id

    async def variables(
        self, session: Session, station_pk: int, keys: Sequence[Key]
    ) -> dict[Key, int]:
        return await DeviceModelRepository.from_session(session).ensure_variables(station_pk, keys)

    async def set_answered(
        self,
        session: Session,
        station_pk: int,
        request: messages.SetVariableMonitoringRequest,
        response: messages.SetVariableMonitoringResponse,
    ) -> None:
        """Keep what the station accepted (with the id it gave) and what it refused (with
        its reason) of one SetVariableMonitoring (N04)."""
        paired = pair_results(request.set_monitoring_data, response.set_monitoring_result)
        keys = [(component_key(r.component), variable_key(r.variable)) for _, r in paired]
        variable_pks = await self.variables(session, station_pk, keys)
        accepted: list[MonitorData] = []
        refused: list[MonitorData] = []
        for (item, result), key in zip(paired, keys, strict=True):
            if item is None:
                log.warning("monitoring.result_unmatched", status=result.status.value)
                continue
            data = MonitorData(
                variable_pk=variable_pks[key],
                type=result.type.value,
                value=item.value,
                severity=result.severity,
                transaction=bool(item.transaction),
                status=result.status.value,
                monitor_id=result.id if result.id is not None else item.id,
            )
            if result.status is not enums.SetMonitoringStatusEnum.ACCEPTED:
                refused.append(data)
            elif data.monitor_id is not None:
                accepted.append(data)
            else:
                log.warning("monitoring.accepted_without_id", variable=key[1].name)
        monitors = MonitoringRepository.from_session(session)
        await monitors.upsert_monitors(station_pk, accepted)
        await monitors.record_refusals(station_pk, refused)

    async def clear_answered(
        self,
        session: Session,
        station_pk: int,
        response: messages.ClearVariableMonitoringResponse,
    ) -> int:
        """Forget the monitors the station cleared, and those it does not have (NotFound);
        a Rejected one (a hard-wired monitor, TC_N_44) stays."""
        gone = [
            result.id
            for result in response.clear_monitoring_result
            if result.status is not enums.ClearMonitoringStatusEnum.REJECTED
        ]
        return await MonitoringRepository.from_session(session).delete_monitors(station_pk, gone)

    async def base_set(
        self, session: Session, station_pk: int, base: enums.MonitoringBaseEnum
    ) -> None:
        """An accepted SetMonitoringBase (N03): the station's ActiveMonitoringBase changed,
        and FactoryDefault and HardWiredOnly removed the custom monitors the CSMS set."""
        await self._set_controller_value(session, station_pk, "ActiveMonitoringBase", base.value)
        if base in REMOVES_CUSTOM_MONITORS:
            await MonitoringRepository.from_session(session).delete_set_monitors(station_pk)

    async def level_set(self, session: Session, station_pk: int, severity: int) -> None:
        """An accepted SetMonitoringLevel (N05): the station's ActiveMonitoringLevel."""
        await self._set_controller_value(
            session, station_pk, "ActiveMonitoringLevel", str(severity)
        )

    async def _set_controller_value(
        self, session: Session, station_pk: int, name: str, value: str
    ) -> None:
        key = (ComponentKey(CONTROLLER), VariableKey(name))
        variable_pk = (await self.variables(session, station_pk, [key]))[key]
        device_model = DeviceModelRepository.from_session(session)
        if not await device_model.set_value(variable_pk, "Actual", value):
            await device_model.set_attribute(variable_pk, AttributeData(value=value))

    async def open_report(
        self,
        session: Session,
        station_pk: int,
        request: messages.GetMonitoringReportRequest,
    ) -> MonitoringReport:
        """Record a GetMonitoringReport about to be sent, under a request id of the station's
        sequence not used yet; ``request.request_id`` is ignored."""
        monitors = MonitoringRepository.from_session(session)
        return await with_new_request_id(
            session,
            station_pk,
            lambda request_id: monitors.open_report(
                station_pk,
                request_id,
                criteria=_criteria(request),
                component_variables=_component_variables(request),
                requested_at=datetime.now(UTC),
            ),
        )

    async def report_answered(
        self,
        session: Session,
        station_pk: int,
        request: messages.GetMonitoringReportRequest,
        status: str,
    ) -> None:
        """The station's answer to GetMonitoringReport; a refusal or an empty result ends the
        report (no part will come)."""
        monitors = MonitoringRepository.from_session(session)
        report = await monitors.ensure_report(station_pk, request.request_id)
        if report.requested_at is None:  # sent by another module or tool: now we know
            report.criteria = _criteria(request)
            report.component_variables = _component_variables(request)
            report.requested_at = datetime.now(UTC)
        report.status = status
        if status != enums.GenericDeviceModelStatusEnum.ACCEPTED and report.completed_at is None:
            report.completed_at = datetime.now(UTC)
        await session.flush()
        await self._reconcile(session, report)

    async def report_part(
        self, session: Session, station_pk: int, part: messages.NotifyMonitoringReportRequest
    ) -> None:
        """One NotifyMonitoringReport (N02): its monitors replace ours by id; the last part of
        a report of everything forgets the monitors it did not list."""
        monitors = MonitoringRepository.from_session(session)
        report = await monitors.get_report(station_pk, part.request_id)
        if report is None:
            report = await monitors.ensure_report(station_pk, part.request_id)
        listed = part.monitor or []
        counted = await monitors.record_report_part(
            report,
            seq_no=part.seq_no,
            to_be_continued=bool(part.tbc),
            monitors=sum(len(data.variable_monitoring) for data in listed),
            at=datetime.now(UTC),
        )
        if not counted:
            return
        keys = [(component_key(data.component), variable_key(data.variable)) for data in listed]
        variable_pks = await self.variables(session, station_pk, keys)
        rows = [
            MonitorData(
                variable_pk=variable_pks[key],
                monitor_id=monitor.id,
                type=monitor.type.value,
                value=monitor.value,
                severity=monitor.severity,
                transaction=monitor.transaction,
                source="report",
                reported_in=part.request_id,
            )
            for data, key in zip(listed, keys, strict=True)
            for monitor in data.variable_monitoring
        ]
        await monitors.upsert_monitors(station_pk, rows, keep_origin=True)
        await self._reconcile(session, report)

    async def _reconcile(self, session: Session, report: MonitoringReport) -> None:
        everything = (
            report.requested_at is not None
            and report.criteria is None
            and report.component_variables is None
        )
        done = report.completed_at is not None and report.status in (
            enums.GenericDeviceModelStatusEnum.ACCEPTED,
            enums.GenericDeviceModelStatusEnum.EMPTY_RESULT_SET,
        )
        if everything and done and report.requested_at is not None:
            forgotten = await MonitoringRepository.from_session(session).delete_unreported(
                report.station_pk, report.request_id, report.requested_at
            )
            if forgotten:
                log.info("monitoring.monitors_gone", request_id=report.request_id, count=forgotten)


def _criteria(request: messages.GetMonitoringReportRequest) -> list[str] | None:
    criteria = request.monitoring_criteria
    return [criterion.value for criterion in criteria] if criteria else None


def _component_variables(
    request: messages.GetMonitoringReportRequest,
) -> list[dict[str, object]] | None:
    asked = request.component_variable
    return [item.to_wire() for item in asked] if asked else None


monitor_service = MonitorService()
