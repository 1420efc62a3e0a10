"""REST bodies of the monitoring module. OCPP structures (SetMonitoringData, IdToken, ...)
are read as OCPP JSON, exactly as a station would have to send them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data.models import (
    CustomerInformationPart,
    CustomerInformationRequest,
    EventRecord,
    MonitoringReport,
    SecurityEvent,
)
from citrine_data.repositories.monitoring import MonitorView
from citrine_modules.rest import ApiModel
from citrine_modules.station_api import CallError, ocpp_json

SetMonitoringData = Annotated[
    datatypes.SetMonitoringData, BeforeValidator(ocpp_json(datatypes.SetMonitoringData))
]
ComponentVariable = Annotated[
    datatypes.ComponentVariable, BeforeValidator(ocpp_json(datatypes.ComponentVariable))
]
IdToken = Annotated[datatypes.IdToken, BeforeValidator(ocpp_json(datatypes.IdToken))]
CertificateHashData = Annotated[
    datatypes.CertificateHashData, BeforeValidator(ocpp_json(datatypes.CertificateHashData))
]

MAX_MONITORS_PER_REQUEST = 1000


class SetMonitorsIn(ApiModel):
    set_monitoring_data: list[SetMonitoringData] = Field(
        min_length=1,
        max_length=MAX_MONITORS_PER_REQUEST,
        description="Sent in as many SetVariableMonitoring as the station's "
        "MonitoringCtrlr.ItemsPerMessage/BytesPerMessage allow",
        examples=[
            [
                {
                    "value": 7000,
                    "type": "UpperThreshold",
                    "severity": 5,
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Power"},
                }
            ]
        ],
    )


class SetMonitorsOut(ApiModel):
    results: list[datatypes.SetMonitoringResult]
    requests: int = Field(description="SetVariableMonitoring CALLs sent")
    complete: bool = Field(description="False when a CALL got no answer (see error)")
    error: CallError | None = None


class ClearMonitorsIn(ApiModel):
    ids: list[int] = Field(min_length=1, max_length=MAX_MONITORS_PER_REQUEST, examples=[[3, 4]])


class ClearMonitorsOut(ApiModel):
    results: list[datatypes.ClearMonitoringResult]
    requests: int = Field(description="ClearVariableMonitoring CALLs sent")
    complete: bool
    error: CallError | None = None


class MonitoringBaseIn(ApiModel):
    monitoring_base: enums.MonitoringBaseEnum = Field(examples=["FactoryDefault"])


class MonitoringLevelIn(ApiModel):
    severity: int = Field(
        ge=-(2**31),
        lt=2**31,
        description="0 (danger) to 9 (debug); other values are sent as given (the station "
        "answers Rejected, TC_N_17)",
        examples=[4],
    )


class MonitoringReportIn(ApiModel):
    monitoring_criteria: list[enums.MonitoringCriterionEnum] | None = Field(
        default=None, min_length=1, max_length=3, examples=[["ThresholdMonitoring"]]
    )
    component_variable: list[ComponentVariable] | None = Field(
        default=None, min_length=1, examples=[[{"component": {"name": "EVSE", "evse": {"id": 1}}}]]
    )


class ComponentOut(ApiModel):
    name: str
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None


class VariableOut(ApiModel):
    name: str
    instance: str | None = None


class MonitorOut(ApiModel):
    monitor_id: int | None = Field(description="The station's id; None for a refused monitor")
    component: ComponentOut
    variable: VariableOut
    type: str
    value: float
    severity: int
    transaction: bool
    status: str | None = Field(description="The station's answer when the CSMS set it")
    source: str = Field(description="set (by the CSMS) or report (listed by the station)")
    updated_at: datetime

    @classmethod
    def of(cls, view: MonitorView) -> MonitorOut:
        component, variable, monitor = view.component, view.variable, view.monitor
        return cls(
            monitor_id=monitor.monitor_id,
            component=ComponentOut(
                name=component.name,
                instance=component.instance or None,
                evse_id=component.evse_id or None,
                connector_id=component.connector_id or None,
            ),
            variable=VariableOut(name=variable.name, instance=variable.instance or None),
            type=monitor.type,
            value=monitor.value,
            severity=monitor.severity,
            transaction=monitor.transaction,
            status=monitor.status,
            source=monitor.source,
            updated_at=monitor.updated_at,
        )


class MonitoringReportOut(ApiModel):
    request_id: int
    monitoring_criteria: list[str] | None
    component_variable: list[dict[str, Any]] | None
    status: str | None = Field(description="The station's answer; None until it answers")
    parts_received: int
    monitors_reported: int
    complete: bool
    requested_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, report: MonitoringReport) -> MonitoringReportOut:
        return cls(
            request_id=report.request_id,
            monitoring_criteria=report.criteria,
            component_variable=report.component_variables,
            status=report.status,
            parts_received=report.parts_received,
            monitors_reported=report.monitors_reported,
            complete=report.completed_at is not None,
            requested_at=report.requested_at,
            completed_at=report.completed_at,
        )


class EventOut(ApiModel):
    event_id: int
    timestamp: datetime
    trigger: str
    cause: int | None
    actual_value: str
    tech_code: str | None
    tech_info: str | None
    cleared: bool | None
    transaction_id: str | None
    variable_monitoring_id: int | None
    event_notification_type: str
    component: ComponentOut
    variable: VariableOut
    received_at: datetime

    @classmethod
    def of(cls, event: EventRecord) -> EventOut:
        return cls.model_validate(
            {
                **{name: getattr(event, name) for name in cls.model_fields if hasattr(event, name)},
                "component": ComponentOut(
                    name=event.component_name,
                    instance=event.component_instance,
                    evse_id=event.evse_id,
                    connector_id=event.connector_id,
                ),
                "variable": VariableOut(name=event.variable_name, instance=event.variable_instance),
            }
        )


class SecurityEventOut(ApiModel):
    id: int
    station_id: str
    type: str
    timestamp: datetime
    tech_info: str | None
    critical: bool
    received_at: datetime

    @classmethod
    def of(cls, event: SecurityEvent, station_id: str) -> SecurityEventOut:
        return cls(
            id=event.id,
            station_id=station_id,
            type=event.type,
            timestamp=event.timestamp,
            tech_info=event.tech_info,
            critical=event.critical,
            received_at=event.received_at,
        )


class CustomerInformationIn(ApiModel):
    """Exactly one customer: ``idToken``, ``customerIdentifier`` or ``customerCertificate``."""

    report: bool = Field(
        description="The station reports what it holds (NotifyCustomerInformation)"
    )
    clear: bool = Field(description="The station deletes what it holds")
    id_token: IdToken | None = Field(
        default=None, examples=[{"idToken": "04A2B3C4", "type": "ISO14443"}]
    )
    customer_identifier: str | None = Field(default=None, min_length=1, max_length=64)
    customer_certificate: CertificateHashData | None = None

    @model_validator(mode="after")
    def _one_customer(self) -> CustomerInformationIn:
        given = [
            self.id_token is not None,
            self.customer_identifier is not None,
            self.customer_certificate is not None,
        ]
        if sum(given) != 1:
            raise ValueError(
                "Name exactly one customer: idToken, customerIdentifier or customerCertificate"
            )
        if not (self.report or self.clear):
            raise ValueError("Ask for a report, a clear, or both")
        return self


class CustomerInformationOut(ApiModel):
    request_id: int
    report: bool | None
    clear: bool | None
    id_token: str | None
    id_token_type: str | None
    customer_identifier: str | None
    customer_certificate: dict[str, Any] | None
    status: str | None = Field(description="The station's answer; None until it answers")
    requested_at: datetime | None
    complete: bool = Field(description="The last part (tbc false) arrived")
    parts_received: int
    missing_seq_nos: list[int] = Field(description="Parts before the last that did not arrive")
    data: str = Field(description="The parts' data, joined in seqNo order")

    @classmethod
    def of(
        cls, request: CustomerInformationRequest, parts: list[CustomerInformationPart]
    ) -> CustomerInformationOut:
        seen = {part.seq_no for part in parts}
        last = max(seen, default=-1)
        return cls(
            request_id=request.request_id,
            report=request.report,
            clear=request.clear,
            id_token=request.id_token,
            id_token_type=request.id_token_type,
            customer_identifier=request.customer_identifier,
            customer_certificate=request.customer_certificate,
            status=request.status,
            requested_at=request.requested_at,
            complete=request.completed_at is not None,
            parts_received=len(parts),
            missing_seq_nos=[seq for seq in range(last) if seq not in seen],
            data="".join(part.data for part in parts),
        )
