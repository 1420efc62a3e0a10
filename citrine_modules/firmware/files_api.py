"""Firmware files hosted by the CSMS: operators upload them, stations download them.

``POST /firmware?name=...`` takes the image as a raw body, or as a multipart form whose file
part is the image and whose text fields ``signature`` (base64) and ``signingCertificate``
(PEM) are passed through to UpdateFirmware; they are checked against the file when both are
given. Stations download from ``GET /files/firmware/{token}/{name}`` without REST credentials.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from citrine_base.interfaces.storage import FileNotFound, safe_name
from citrine_data.models import FirmwareFile
from citrine_data.repositories import FirmwareFileRepository
from citrine_data.repositories.firmware_file import FirmwareFileData
from citrine_modules.firmware.schemas import FirmwareFileOut
from citrine_modules.firmware.service import check_signed_firmware
from citrine_modules.rest import NotFoundError, Operator, PageOut, Paging, Reader, Uow
from citrine_modules.station_calls import Config, Storage
from citrine_modules.uploads import receive_file

router = APIRouter(tags=["firmware"])
downloads = APIRouter(tags=["station files"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]


def download_url(base_url: str, row: FirmwareFile) -> str:
    return f"{base_url}/files/firmware/{row.download_token}/{row.name}"


def file_out(base_url: str, row: FirmwareFile) -> FirmwareFileOut:
    return FirmwareFileOut(
        id=row.id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        md5=row.md5,
        content_type=row.content_type,
        signature=row.signature,
        signing_certificate=row.signing_certificate,
        download_url=download_url(base_url, row),
        created_at=row.created_at,
    )


@router.post("/firmware", status_code=201, response_model=FirmwareFileOut)
async def upload_firmware(
    request: Request,
    principal: Operator,
    uow: Uow,
    storage: Storage,
    config: Config,
    name: Annotated[str | None, Query(max_length=120)] = None,
    tenant: TenantQuery = None,
) -> FirmwareFileOut:
    tenant_id = principal.tenant_for(tenant)
    key = f"firmware/{tenant_id}/{uuid.uuid4().hex}"
    received = await receive_file(request, storage, key, config.files.max_firmware_bytes)
    signature = received.fields.get("signature") or None
    certificate = received.fields.get("signingCertificate") or None
    try:
        if certificate is not None:
            check_signed_firmware(certificate, signature, received.stored.sha256)
    except Exception:
        await storage.delete(key)
        raise
    row = await FirmwareFileRepository.from_session(uow.session).add(
        tenant_id,
        FirmwareFileData(
            name=safe_name(name or received.filename or "firmware.bin"),
            storage_key=key,
            size=received.stored.size,
            sha256=received.stored.sha256,
            md5=received.stored.md5,
            content_type=received.stored.content_type,
            download_token=secrets.token_urlsafe(32),
            signature=signature,
            signing_certificate=certificate,
        ),
    )
    return file_out(config.public_base_url(), row)


@router.get("/firmware", response_model=PageOut[FirmwareFileOut])
async def list_firmware(
    principal: Reader, uow: Uow, paging: Paging, config: Config, tenant: TenantQuery = None
) -> PageOut[FirmwareFileOut]:
    page = await FirmwareFileRepository.from_session(uow.session).list(
        principal.tenant_for(tenant), limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, lambda row: file_out(config.public_base_url(), row))


@router.delete("/firmware/{firmware_id}", status_code=204)
async def delete_firmware(
    firmware_id: int, principal: Operator, uow: Uow, storage: Storage, tenant: TenantQuery = None
) -> Response:
    repository = FirmwareFileRepository.from_session(uow.session)
    row = await repository.get(principal.tenant_for(tenant), firmware_id)
    if row is None:
        raise NotFoundError(f"No firmware {firmware_id}")
    await repository.delete(row.tenant_id, row.id)
    key = row.storage_key

    async def remove_file() -> None:
        await storage.delete(key)

    uow.after_commit(remove_file)  # the row goes first: a failed commit keeps the file
    return Response(status_code=204)


@downloads.get("/files/firmware/{token}/{name}")
async def download_firmware(token: str, name: str, uow: Uow, storage: Storage) -> StreamingResponse:
    row = await FirmwareFileRepository.from_session(uow.session).by_token(token)
    if row is None:
        raise NotFoundError("No firmware at this address")
    try:
        opened = await storage.open(row.storage_key)
    except FileNotFound:
        raise NotFoundError("The firmware file is not available") from None

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in opened.chunks:
                yield chunk
        finally:
            await opened.aclose()

    headers = {"content-length": str(opened.size)}
    return StreamingResponse(body(), media_type=row.content_type, headers=headers)
