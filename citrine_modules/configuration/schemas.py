"""REST bodies of the boot settings and the network profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from citrine_data.models import BootConfig, NetworkProfile
from citrine_modules.commands import CommandError
from citrine_modules.rest import ApiModel

SET_VARIABLE_EXAMPLE = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
    "attributeValue": "120",
}


class StatusInfoIn(ApiModel):
    reason_code: str = Field(min_length=1, max_length=20, examples=["Maintenance"])
    additional_info: str | None = Field(default=None, max_length=512)


class BootConfigIn(ApiModel):
    """How the station's BootNotifications are answered, and what happens while Pending."""

    status: Literal["Accepted", "Pending", "Rejected"] | None = Field(
        default=None, description="None: the system default (boot.status) decides"
    )
    status_info: StatusInfoIn | None = Field(
        default=None, description="Sent as statusInfo in the BootNotificationResponse"
    )
    heartbeat_interval: int | None = Field(
        default=None, ge=1, description="Seconds; None: ocpp.heartbeat_interval"
    )
    retry_interval: int | None = Field(
        default=None,
        ge=0,
        description="Seconds before a Pending/Rejected station boots again; 0: it decides",
    )
    set_variables: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=1000,
        description="OCPP SetVariableData items applied while Pending, before accepting",
        examples=[[SET_VARIABLE_EXAMPLE]],
    )
    fetch_base_report: bool = Field(
        default=False, description="While Pending, fetch a base report before accepting"
    )
    accept_with_rejected_variables: bool = Field(
        default=True, description="Accept even if the station refuses some of set_variables"
    )


class BootConfigOut(BootConfigIn):
    variables_rejected_on_last_boot: list[dict[str, Any]] | None = Field(
        description="What the station refused (or did not answer) at its last Pending boot"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, boot: BootConfig) -> BootConfigOut:
        info = None
        if boot.status_reason:
            info = StatusInfoIn(reason_code=boot.status_reason, additional_info=boot.status_info)
        return cls(
            status=boot.status,
            status_info=info,
            heartbeat_interval=boot.heartbeat_interval,
            retry_interval=boot.retry_interval,
            set_variables=list(boot.set_variables or []),
            fetch_base_report=boot.fetch_base_report,
            accept_with_rejected_variables=boot.accept_with_rejected_variables,
            variables_rejected_on_last_boot=boot.variables_rejected_on_last_boot,
            created_at=boot.created_at,
            updated_at=boot.updated_at,
        )


class TriggerOut(ApiModel):
    status: str | None = Field(description="The station's answer to TriggerMessage")
    error: CommandError | None = None


class AcceptOut(ApiModel):
    boot_config: BootConfigOut
    trigger: TriggerOut | None = Field(
        description="TriggerMessage(BootNotification) sent so that the station boots again "
        "now; None when it was Accepted already"
    )


class NetworkProfileOut(ApiModel):
    configuration_slot: int
    ocpp_csms_url: str
    security_profile: int
    ocpp_version: str
    ocpp_transport: str
    ocpp_interface: str
    message_timeout: int
    connection_data: dict[str, Any] = Field(description="Without VPN/APN secrets")
    accepted_at: datetime

    @classmethod
    def of(cls, profile: NetworkProfile) -> NetworkProfileOut:
        return cls.model_validate(profile)
