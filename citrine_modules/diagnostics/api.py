"""REST of the diagnostics module, and the upload endpoint stations send their logs to.

Operators: ``POST /stations/{id}/logs`` (GetLog), list and read requests, download the file.
Stations: ``PUT`` or ``POST /files/logs/{token}[/{filename}]`` (raw or multipart, N01.FR.18),
no REST credentials: the token in the URL is the per-request credential (N01.FR.17).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.storage import FileNotFound, safe_name
from citrine_base.ocpp.v201 import Action, messages
from citrine_data import unit_of_work
from citrine_data.models import LogRequest
from citrine_data.repositories import FileTransferRepository
from citrine_data.repositories.file_transfer import UploadedFile
from citrine_modules.diagnostics.schemas import LogIn, LogOut, LogRequested, UploadOut
from citrine_modules.diagnostics.service import LogOrder, log_service
from citrine_modules.rest import (
    NotFoundError,
    Operator,
    PageOut,
    Paging,
    Reader,
    Uow,
    rest_context,
)
from citrine_modules.station_calls import (
    Commands,
    Config,
    StationCallFailed,
    Storage,
    call_station,
    station_or_404,
)
from citrine_modules.uploads import receive_file

router = APIRouter(tags=["diagnostics"])
uploads = APIRouter(tags=["station files"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]


@router.post("/stations/{station_id}/logs", response_model=LogRequested)
async def request_log(
    station_id: str,
    body: LogIn,
    request: Request,
    principal: Operator,
    commands: Commands,
    config: Config,
    tenant: TenantQuery = None,
) -> LogRequested:
    """GetLog (TC_N_25, TC_N_35); a second one while the first uploads cancels it (TC_N_36)."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    sessions = rest_context(request).sessions
    async with unit_of_work(sessions) as uow:  # stored before the station can answer
        station = await station_or_404(uow.session, key)
        order = LogOrder(
            log_type=body.log_type,
            oldest_at=body.oldest_timestamp,
            latest_at=body.latest_timestamp,
            retries=body.retries,
            retry_interval=body.retry_interval,
            remote_location=body.remote_location,
        )
        row, get_log = await log_service.create(uow.session, station.id, order, config)
    try:
        answer = await call_station(commands, key, Action.GET_LOG, get_log, messages.GetLogResponse)
    except StationCallFailed:
        async with unit_of_work(sessions) as uow:
            await log_service.answered(
                uow.session, station.id, row.request_id, "local:failed", None
            )
        raise
    async with unit_of_work(sessions) as uow:
        stored = await log_service.answered(
            uow.session, station.id, row.request_id, answer.status.value, answer.filename
        )
    assert stored is not None
    return LogRequested(request=LogOut.of(stored), answer=answer.to_wire())


@router.get("/stations/{station_id}/logs", response_model=PageOut[LogOut])
async def list_logs(
    station_id: str, principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[LogOut]:
    station = await station_or_404(
        uow.session, StationKey(principal.tenant_for(tenant), station_id)
    )
    page = await FileTransferRepository.from_session(uow.session).list(
        LogRequest, station.id, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, LogOut.of)


async def _log_or_404(uow: Uow, key: StationKey, request_id: int) -> LogRequest:
    station = await station_or_404(uow.session, key)
    row = await FileTransferRepository.from_session(uow.session).get_log_request(
        station.id, request_id
    )
    if row is None:
        raise NotFoundError(f"No log request {request_id} for {key.station_id}")
    return row


@router.get("/stations/{station_id}/logs/{request_id}", response_model=LogOut)
async def get_log(
    station_id: str, request_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> LogOut:
    key = StationKey(principal.tenant_for(tenant), station_id)
    return LogOut.of(await _log_or_404(uow, key, request_id))


@router.get("/stations/{station_id}/logs/{request_id}/file")
async def download_log(
    station_id: str,
    request_id: int,
    principal: Reader,
    uow: Uow,
    storage: Storage,
    tenant: TenantQuery = None,
) -> StreamingResponse:
    """The uploaded log, as the station sent it."""
    row = await _log_or_404(uow, StationKey(principal.tenant_for(tenant), station_id), request_id)
    if row.file_key is None:
        raise NotFoundError(f"The log of request {request_id} has not been uploaded")
    try:
        opened = await storage.open(row.file_key)
    except FileNotFound:
        raise NotFoundError(f"The log of request {request_id} is no longer stored") from None
    name = quote(row.file_name or f"log-{request_id}")
    headers = {
        "content-disposition": f"attachment; filename*=UTF-8''{name}",
        "content-length": str(opened.size),
    }

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in opened.chunks:
                yield chunk
        finally:
            await opened.aclose()

    return StreamingResponse(
        body(), media_type=row.file_content_type or "application/octet-stream", headers=headers
    )


async def upload_log(
    token: str, request: Request, storage: Storage, config: Config, filename: str | None = None
) -> JSONResponse:
    """Where a station uploads the log it was asked for (its GetLog remoteLocation)."""
    sessions = rest_context(request).sessions
    async with unit_of_work(sessions) as uow:
        row = await log_service.upload_target(uow.session, token)
    if row is None:  # unknown, expired or finished: no hint which
        raise NotFoundError("No upload is expected at this address")
    limit = config.files.max_log_bytes
    name = safe_name(filename or row.filename or f"log-{row.request_id}")
    key = f"logs/{row.station_pk}/{row.request_id}/{name}"
    received = await receive_file(request, storage, key, limit)
    if received.filename and not filename:
        name = safe_name(received.filename, name)
    async with unit_of_work(sessions) as uow:
        await log_service.uploaded(
            uow.session,
            row.station_pk,
            row.request_id,
            UploadedFile(
                key=key,
                name=name,
                size=received.stored.size,
                sha256=received.stored.sha256,
                content_type=received.stored.content_type,
                at=datetime.now(UTC),
            ),
        )
    body = UploadOut(size=received.stored.size, sha256=received.stored.sha256)
    return JSONResponse(body.model_dump(by_alias=True), status_code=201)


# PUT and POST, with or without the file name appended (N01.FR.18); one operation id each.
for _path, _suffix in (("/files/logs/{token}", ""), ("/files/logs/{token}/{filename}", "_named")):
    for _method in ("PUT", "POST"):
        uploads.add_api_route(
            _path,
            upload_log,
            methods=[_method],
            status_code=201,
            response_model=UploadOut,
            operation_id=f"upload_log_{_method.lower()}{_suffix}",
        )
