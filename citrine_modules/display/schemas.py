"""REST bodies of the display module; a message is an OCPP MessageInfo, read as OCPP JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data.models import DisplayMessage, DisplayMessageReport
from citrine_modules.rest import ApiModel
from citrine_modules.station_api import ocpp_json

MessageInfo = Annotated[datatypes.MessageInfo, BeforeValidator(ocpp_json(datatypes.MessageInfo))]


class SetMessageIn(ApiModel):
    message: MessageInfo = Field(
        description="Replaces the station's message with the same id",
        examples=[
            {
                "id": 1,
                "priority": "NormalCycle",
                "message": {"format": "UTF8", "language": "en", "content": "Welcome"},
                "startDateTime": "2026-01-01T08:00:00Z",
                "endDateTime": "2026-01-01T20:00:00Z",
            }
        ],
    )


class MessageQueryIn(ApiModel):
    """GetDisplayMessages criteria; none: every message."""

    id: list[int] | None = Field(default=None, min_length=1, examples=[[1, 2]])
    priority: enums.MessagePriorityEnum | None = None
    state: enums.MessageStateEnum | None = None


class ContentOut(ApiModel):
    format: str
    language: str | None
    content: str


class DisplayOut(ApiModel):
    name: str
    instance: str | None
    evse_id: int | None
    connector_id: int | None


class DisplayMessageOut(ApiModel):
    id: int
    priority: str
    state: str | None
    start_date_time: datetime | None
    end_date_time: datetime | None
    transaction_id: str | None
    message: ContentOut
    display: DisplayOut | None
    status: str | None = Field(
        description="The station's answer to SetDisplayMessage; Reported when known from a "
        "NotifyDisplayMessages only"
    )
    status_reason: str | None
    updated_at: datetime

    @classmethod
    def of(cls, message: DisplayMessage) -> DisplayMessageOut:
        display = (
            DisplayOut(
                name=message.display_name,
                instance=message.display_instance,
                evse_id=message.display_evse_id,
                connector_id=message.display_connector_id,
            )
            if message.display_name is not None
            else None
        )
        return cls(
            id=message.message_id,
            priority=message.priority,
            state=message.state,
            start_date_time=message.start_at,
            end_date_time=message.end_at,
            transaction_id=message.transaction_id,
            message=ContentOut(
                format=message.format, language=message.language, content=message.content
            ),
            display=display,
            status=message.status,
            status_reason=message.status_reason,
            updated_at=message.updated_at,
        )


class MessageQueryOut(ApiModel):
    request_id: int
    id: list[int] | None
    priority: str | None
    state: str | None
    status: str | None = Field(description="The station's answer; None until it answers")
    parts_received: int
    complete: bool
    messages: list[dict[str, Any]] = Field(description="The reported MessageInfo, OCPP JSON")
    requested_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, report: DisplayMessageReport) -> MessageQueryOut:
        return cls(
            request_id=report.request_id,
            id=report.ids,
            priority=report.priority,
            state=report.state,
            status=report.status,
            parts_received=report.parts_received,
            complete=report.completed_at is not None,
            messages=report.messages,
            requested_at=report.requested_at,
            completed_at=report.completed_at,
        )
