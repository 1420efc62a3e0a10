"""REST: the OCPP message log, newest first, by station, action, time and correlation id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from citrine_data.models import Direction, OcppMessageLog
from citrine_data.repositories import MessageLogRepository
from citrine_data.repositories.message_log import MessageLogQuery
from citrine_modules.rest import ApiModel, PageOut, Reader, Uow

router = APIRouter(tags=["message log"])

MAX_LOG_PAGE = 500


class LoggedMessage(ApiModel):
    id: int
    tenant_id: str
    station_id: str
    direction: Direction
    message_type: int | None
    message_id: str | None
    action: str | None
    frame: str
    error_code: str | None
    request_log_id: int | None
    logged_at: datetime

    @classmethod
    def of(cls, row: OcppMessageLog) -> LoggedMessage:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            station_id=row.station_id,
            direction=row.direction,
            message_type=row.message_type,
            message_id=row.message_id,
            action=row.action,
            frame=row.payload,
            error_code=row.error_code,
            request_log_id=row.request_log_id,
            logged_at=row.logged_at,
        )


@router.get("/messages", response_model=PageOut[LoggedMessage])
async def list_messages(
    principal: Reader,
    uow: Uow,
    tenant: Annotated[str | None, Query(alias="tenantId")] = None,
    station_id: Annotated[str | None, Query(alias="stationId")] = None,
    action: str | None = None,
    correlation_id: Annotated[
        str | None,
        Query(alias="correlationId", description="The OCPP message id of a CALL and its answer"),
    ] = None,
    direction: Direction | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    before_id: Annotated[
        int | None, Query(alias="beforeId", description="Keyset cursor: the last id seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LOG_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    count: Annotated[bool, Query(description="Also count all matches (slow on big logs)")] = False,
) -> PageOut[LoggedMessage]:
    query = MessageLogQuery(
        tenant_id=principal.tenant_for(tenant),
        station_id=station_id,
        action=action,
        message_id=correlation_id,
        direction=direction,
        since=since,
        until=until,
        before_id=before_id,
    )
    page = await MessageLogRepository.from_session(uow.session).query(
        query, limit=limit, offset=offset, count=count
    )
    return PageOut.of(page, LoggedMessage.of)
