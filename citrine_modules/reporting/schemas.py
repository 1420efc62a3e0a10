"""REST bodies of the device model, its reports and Get/SetVariables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from citrine_base.ocpp.v201 import datatypes
from citrine_data.models import Component, Report, Variable, VariableAttribute
from citrine_data.repositories.device_model import ComponentKey
from citrine_modules.commands import CommandError
from citrine_modules.reporting.calls import CallProblem
from citrine_modules.reporting.variables import ItemFailure, VariablesOutcome
from citrine_modules.rest import ApiModel


class BaseReportIn(ApiModel):
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"] = Field(
        examples=["FullInventory"]
    )


class ReportOut(ApiModel):
    request_id: int
    report_base: str | None
    status: str = Field(
        description="The station's answer: requested (none yet), Accepted, Rejected, "
        "NotSupported, EmptyResultSet, failed (no answer), or unsolicited"
    )
    parts_received: int
    items_received: int
    complete: bool = Field(description="The last part and every part before it arrived")
    requested_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(
            request_id=report.request_id,
            report_base=report.report_base,
            status=report.status,
            parts_received=report.parts_received,
            items_received=report.items_received,
            complete=report.completed_at is not None,
            requested_at=report.requested_at,
            completed_at=report.completed_at,
        )


class ReportRequestOut(ReportOut):
    error: CommandError | None = Field(default=None, description="Why the station did not answer")

    @classmethod
    def requested(cls, report: Report, problem: CallProblem | None) -> ReportRequestOut:
        error = None
        if problem is not None:
            error = CommandError(code=problem.code, description=problem.description)
        return cls(**ReportOut.of(report).model_dump(), error=error)


class AttributeOut(ApiModel):
    type: str
    value: str | None = Field(description="Never set for a WriteOnly attribute")
    mutability: str | None
    persistent: bool | None
    constant: bool | None
    last_status: str | None = Field(description="The station's last Get/SetVariables answer")
    last_status_info: str | None
    last_status_action: str | None
    last_status_at: datetime | None

    @classmethod
    def of(cls, attribute: VariableAttribute) -> AttributeOut:
        return cls.model_validate(attribute)


class CharacteristicsOut(ApiModel):
    data_type: str
    unit: str | None
    min_limit: float | None
    max_limit: float | None
    values_list: str | None
    supports_monitoring: bool


class VariableOut(ApiModel):
    name: str
    instance: str | None
    attributes: list[AttributeOut]
    characteristics: CharacteristicsOut | None

    @classmethod
    def of(cls, variable: Variable) -> VariableOut:
        characteristics = variable.characteristics
        return cls(
            name=variable.name,
            instance=variable.instance or None,
            attributes=[AttributeOut.of(a) for a in sorted(variable.attributes, key=_by_type)],
            characteristics=None
            if characteristics is None
            else CharacteristicsOut.model_validate(characteristics),
        )


def _by_type(attribute: VariableAttribute) -> str:
    return attribute.type


class ComponentOut(ApiModel):
    name: str
    instance: str | None
    evse_id: int | None
    connector_id: int | None
    variables: list[VariableOut]

    @classmethod
    def of(cls, component: Component) -> ComponentOut:
        key = ComponentKey.from_stored(
            component.name, component.instance, component.evse_id, component.connector_id
        )
        variables = sorted(component.variables, key=lambda v: (v.name, v.instance))
        return cls(
            name=key.name,
            instance=key.instance,
            evse_id=key.evse_id,
            connector_id=key.connector_id,
            variables=[VariableOut.of(variable) for variable in variables],
        )


class ItemFailureOut(ApiModel):
    component: dict[str, Any]
    variable: dict[str, Any]
    attribute_type: str
    code: str = Field(description="The CALLERROR code, or local:timeout, local:too_large, ...")
    description: str


class VariablesOut(ApiModel):
    """The per-item results of all the parts, as if one message had carried them."""

    complete: bool = Field(description="Every item has the station's result")
    calls: int = Field(description="How many CALLs the request was split into")
    results: list[dict[str, Any]] = Field(
        description="GetVariableResult / SetVariableResult items, as the station sent them"
    )
    failures: list[ItemFailureOut] = Field(description="Items without a result from the station")

    @classmethod
    def of(cls, outcome: VariablesOutcome[Any, Any]) -> VariablesOut:
        return cls(
            complete=outcome.complete,
            calls=outcome.calls,
            results=[result.to_wire() for result in outcome.results],
            failures=[_failure(failure) for failure in outcome.failures],
        )


def _failure(
    failure: ItemFailure[datatypes.GetVariableData] | ItemFailure[datatypes.SetVariableData],
) -> ItemFailureOut:
    item = failure.item
    return ItemFailureOut(
        component=item.component.to_wire(),
        variable=item.variable.to_wire(),
        attribute_type=(item.attribute_type.value if item.attribute_type else "Actual"),
        code=failure.code,
        description=failure.description,
    )
