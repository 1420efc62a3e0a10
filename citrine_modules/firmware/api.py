"""REST of the firmware module per station: UpdateFirmware (L01/L02), PublishFirmware and
UnpublishFirmware for Local Controllers (L03/L04), and their tracked statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, datatypes, messages
from citrine_data import Session, SessionFactory, unit_of_work
from citrine_data.models import FirmwareFile, FirmwarePublication, FirmwareRequest
from citrine_data.repositories import FileTransferRepository, FirmwareFileRepository
from citrine_data.repositories.file_transfer import FirmwareData, PublicationData
from citrine_modules.firmware.files_api import download_url
from citrine_modules.firmware.schemas import (
    Answered,
    PublicationOut,
    PublishIn,
    UnpublishIn,
    UpdateIn,
    UpdateOut,
)
from citrine_modules.firmware.service import check_signed_firmware, firmware_service
from citrine_modules.rest import (
    NotFoundError,
    Operator,
    PageOut,
    Paging,
    Reader,
    Unprocessable,
    Uow,
)
from citrine_modules.station_calls import (
    Commands,
    Config,
    Sessions,
    StationCallFailed,
    call_station,
    station_or_404,
)

router = APIRouter(tags=["firmware"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]


async def _hosted(session: Session, tenant_id: str, firmware_id: int | None) -> FirmwareFile | None:
    if firmware_id is None:
        return None
    row = await FirmwareFileRepository.from_session(session).get(tenant_id, firmware_id)
    if row is None:
        raise NotFoundError(f"No firmware {firmware_id}")
    return row


def _update_data(body: UpdateIn, hosted: FirmwareFile | None, base_url: str) -> FirmwareData:
    location = body.location or (download_url(base_url, hosted) if hosted else None)
    if location is None:
        raise Unprocessable("Give firmwareId or location")
    certificate = body.signing_certificate or (hosted.signing_certificate if hosted else None)
    if certificate is None:  # L01.FR.11
        raise Unprocessable("UpdateFirmware must carry the firmware signing certificate")
    signature = body.signature or (hosted.signature if hosted else None)
    check_signed_firmware(certificate, signature, hosted.sha256 if hosted else None)
    return FirmwareData(
        request_id=0,
        location=location,
        retrieve_at=body.retrieve_date_time or datetime.now(UTC),
        install_at=body.install_date_time,
        signing_certificate=certificate,
        signature=signature,
        retries=body.retries,
        retry_interval=body.retry_interval,
    )


def update_out(row: FirmwareRequest) -> UpdateOut:
    return UpdateOut(
        request_id=row.request_id,
        location=row.location,
        status=row.status,
        status_history=row.status_history,
        retrieve_at=row.retrieve_at,
        install_at=row.install_at,
        created_at=row.created_at,
    )


def publication_out(row: FirmwarePublication) -> PublicationOut:
    return PublicationOut.model_validate(row)


async def _failed(
    sessions: SessionFactory, station_pk: int, request_id: int, publish: bool
) -> None:
    async with unit_of_work(sessions) as uow:
        if publish:
            await firmware_service.publication_answered(
                uow.session, station_pk, request_id, "local:failed"
            )
        else:
            await firmware_service.update_answered(
                uow.session, station_pk, request_id, "local:failed"
            )


@router.post("/stations/{station_id}/firmware-updates", response_model=Answered)
async def update_firmware(
    station_id: str,
    body: UpdateIn,
    principal: Operator,
    commands: Commands,
    config: Config,
    sessions: Sessions,
    tenant: TenantQuery = None,
) -> Answered:
    """TC_L_01-L_13: checked, stored, then sent; the answer and every status are tracked."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    async with unit_of_work(sessions) as uow:
        station = await station_or_404(uow.session, key)
        hosted = await _hosted(uow.session, key.tenant_id, body.firmware_id)
        data = _update_data(body, hosted, config.public_base_url())
        request_id = await firmware_service.next_request_id(uow.session, station.id)
        await FileTransferRepository.from_session(uow.session).create_firmware_request(
            station.id, _with_id(data, request_id)
        )
    update = messages.UpdateFirmwareRequest(
        request_id=request_id,
        retries=data.retries,
        retry_interval=data.retry_interval,
        firmware=datatypes.Firmware(
            location=data.location,
            retrieve_date_time=data.retrieve_at,
            install_date_time=data.install_at,
            signing_certificate=data.signing_certificate,
            signature=data.signature,
        ),
    )
    try:
        answer = await call_station(
            commands, key, Action.UPDATE_FIRMWARE, update, messages.UpdateFirmwareResponse
        )
    except StationCallFailed:
        await _failed(sessions, station.id, request_id, publish=False)
        raise
    async with unit_of_work(sessions) as uow:
        row = await firmware_service.update_answered(
            uow.session, station.id, request_id, answer.status.value
        )
    assert row is not None
    return Answered(request=update_out(row).model_dump(mode="json"), answer=answer.to_wire())


def _with_id(data: FirmwareData, request_id: int) -> FirmwareData:
    return FirmwareData(
        request_id=request_id,
        location=data.location,
        retrieve_at=data.retrieve_at,
        install_at=data.install_at,
        signing_certificate=data.signing_certificate,
        signature=data.signature,
        retries=data.retries,
        retry_interval=data.retry_interval,
    )


@router.get("/stations/{station_id}/firmware-updates", response_model=PageOut[UpdateOut])
async def list_updates(
    station_id: str, principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[UpdateOut]:
    station = await station_or_404(
        uow.session, StationKey(principal.tenant_for(tenant), station_id)
    )
    page = await FileTransferRepository.from_session(uow.session).list(
        FirmwareRequest, station.id, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, update_out)


@router.post("/stations/{station_id}/firmware-publications", response_model=Answered)
async def publish_firmware(
    station_id: str,
    body: PublishIn,
    principal: Operator,
    commands: Commands,
    config: Config,
    sessions: Sessions,
    tenant: TenantQuery = None,
) -> Answered:
    """TC_L_17-L_20, L_24: PublishFirmware with the MD5 of the file (computed at upload)."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    async with unit_of_work(sessions) as uow:
        station = await station_or_404(uow.session, key)
        hosted = await _hosted(uow.session, key.tenant_id, body.firmware_id)
        location = body.location or (
            download_url(config.public_base_url(), hosted) if hosted else None
        )
        checksum = body.checksum or (hosted.md5 if hosted else None)
        if location is None or checksum is None:
            raise Unprocessable("Give firmwareId, or location and checksum")
        request_id = await firmware_service.next_request_id(uow.session, station.id)
        await FileTransferRepository.from_session(uow.session).create_publication(
            station.id,
            PublicationData(
                request_id=request_id,
                location=location,
                checksum=checksum.lower(),
                retries=body.retries,
                retry_interval=body.retry_interval,
            ),
        )
    publish = messages.PublishFirmwareRequest(
        location=location,
        checksum=checksum.lower(),
        request_id=request_id,
        retries=body.retries,
        retry_interval=body.retry_interval,
    )
    try:
        answer = await call_station(
            commands, key, Action.PUBLISH_FIRMWARE, publish, messages.PublishFirmwareResponse
        )
    except StationCallFailed:
        await _failed(sessions, station.id, request_id, publish=True)
        raise
    async with unit_of_work(sessions) as uow:
        row = await firmware_service.publication_answered(
            uow.session, station.id, request_id, answer.status.value
        )
    assert row is not None
    return Answered(request=publication_out(row).model_dump(mode="json"), answer=answer.to_wire())


@router.get("/stations/{station_id}/firmware-publications", response_model=PageOut[PublicationOut])
async def list_publications(
    station_id: str, principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[PublicationOut]:
    station = await station_or_404(
        uow.session, StationKey(principal.tenant_for(tenant), station_id)
    )
    page = await FileTransferRepository.from_session(uow.session).list(
        FirmwarePublication, station.id, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, publication_out)


@router.post("/stations/{station_id}/firmware-publications/unpublish")
async def unpublish_firmware(
    station_id: str,
    body: UnpublishIn,
    principal: Operator,
    commands: Commands,
    uow: Uow,
    tenant: TenantQuery = None,
) -> dict[str, object]:
    """TC_L_21-L_23: Unpublished, NoFirmware or DownloadOngoing, as the controller says."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    station = await station_or_404(uow.session, key)
    unpublish = messages.UnpublishFirmwareRequest(checksum=body.checksum.lower())
    answer = await call_station(
        commands, key, Action.UNPUBLISH_FIRMWARE, unpublish, messages.UnpublishFirmwareResponse
    )
    if answer.status.value == "Unpublished":
        await firmware_service.unpublished(uow.session, station.id, body.checksum.lower())
    return answer.to_wire()
