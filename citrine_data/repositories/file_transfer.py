"""Firmware update, firmware publication and log upload requests, with their status history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from citrine_data.models.file_transfer import FirmwarePublication, FirmwareRequest, LogRequest
from citrine_data.repositories.base import Page, Repository

R = TypeVar("R", FirmwareRequest, LogRequest, FirmwarePublication)


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareData:
    request_id: int
    location: str
    retrieve_at: datetime
    install_at: datetime | None = None
    signing_certificate: str | None = None
    signature: str | None = None
    retries: int | None = None
    retry_interval: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogData:
    request_id: int
    log_type: str
    remote_location: str
    oldest_at: datetime | None = None
    latest_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    upload_token_hash: str | None = None
    upload_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationData:
    request_id: int
    location: str
    checksum: str
    retries: int | None = None
    retry_interval: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadedFile:
    key: str
    name: str
    size: int
    sha256: str
    content_type: str
    at: datetime


class FileTransferRepository(Repository):
    async def create_firmware_request(self, station_pk: int, data: FirmwareData) -> FirmwareRequest:
        """``Conflict`` when the station already has this request id."""
        request = FirmwareRequest(
            station_pk=station_pk, status="requested", status_history=[], **asdict(data)
        )
        return await self._add(request)

    async def create_log_request(self, station_pk: int, data: LogData) -> LogRequest:
        request = LogRequest(
            station_pk=station_pk, status="requested", status_history=[], **asdict(data)
        )
        return await self._add(request)

    async def create_publication(
        self, station_pk: int, data: PublicationData
    ) -> FirmwarePublication:
        """``Conflict`` when the station already has this request id."""
        publication = FirmwarePublication(
            station_pk=station_pk, status="requested", status_history=[], **asdict(data)
        )
        return await self._add(publication)

    async def get_firmware_request(
        self, station_pk: int, request_id: int
    ) -> FirmwareRequest | None:
        return await self._by_request_id(FirmwareRequest, station_pk, request_id)

    async def get_log_request(self, station_pk: int, request_id: int) -> LogRequest | None:
        return await self._by_request_id(LogRequest, station_pk, request_id)

    async def get_publication(self, station_pk: int, request_id: int) -> FirmwarePublication | None:
        return await self._by_request_id(FirmwarePublication, station_pk, request_id)

    async def latest_firmware_request(self, station_pk: int) -> FirmwareRequest | None:
        """A FirmwareStatusNotification may omit the request id: it is about the latest."""
        statement = (
            select(FirmwareRequest)
            .where(FirmwareRequest.station_pk == station_pk)
            .order_by(FirmwareRequest.id.desc())
            .limit(1)
        )
        return await self._get_one_or_none(statement)

    async def log_request_by_token(self, token_hash: str) -> LogRequest | None:
        statement = select(LogRequest).where(LogRequest.upload_token_hash == token_hash)
        return await self._get_one_or_none(statement)

    async def in_status(self, model: type[R], station_pk: int, statuses: Sequence[str]) -> list[R]:
        """The station's requests whose current status is one of ``statuses``."""
        statement = select(model).where(
            model.station_pk == station_pk, model.status.in_(list(statuses))
        )
        return await self._get_all(statement.order_by(model.id))

    async def publications_with_checksum(
        self, station_pk: int, checksum: str
    ) -> list[FirmwarePublication]:
        statement = select(FirmwarePublication).where(
            FirmwarePublication.station_pk == station_pk,
            FirmwarePublication.checksum == checksum,
        )
        return await self._get_all(statement.order_by(FirmwarePublication.id))

    async def list(self, model: type[R], station_pk: int, *, limit: int, offset: int) -> Page[R]:
        """The station's requests of one kind, newest first."""
        statement = select(model).where(model.station_pk == station_pk).order_by(model.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)

    async def record_status(self, request: R, status: str, at: datetime) -> R:
        """Set the status and append it to the history, in arrival order; the same status
        again at once (a retried notification) is recorded once."""
        request.status = status
        history: list[dict[str, Any]] = list(request.status_history)
        if not history or history[-1].get("status") != status:
            # A new list: JSON columns are not mutation-tracked.
            request.status_history = [*history, {"status": status, "at": at.isoformat()}]
        await self._flush()
        return request

    async def record_upload(self, request: LogRequest, uploaded: UploadedFile) -> LogRequest:
        request.file_key = uploaded.key
        request.file_name = uploaded.name
        request.file_size = uploaded.size
        request.file_sha256 = uploaded.sha256
        request.file_content_type = uploaded.content_type
        request.uploaded_at = uploaded.at
        await self._flush()
        return request

    async def _by_request_id(self, model: type[R], station_pk: int, request_id: int) -> R | None:
        statement = select(model).where(
            model.station_pk == station_pk, model.request_id == request_id
        )
        return await self._get_one_or_none(statement)
