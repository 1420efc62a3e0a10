"""Firmware update and log upload requests, with their status history."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select

from citrine_data.models.file_transfer import FirmwareRequest, LogRequest
from citrine_data.repositories.base import Repository

R = TypeVar("R", FirmwareRequest, LogRequest)


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

    async def get_firmware_request(
        self, station_pk: int, request_id: int
    ) -> FirmwareRequest | None:
        return await self._by_request_id(FirmwareRequest, station_pk, request_id)

    async def get_log_request(self, station_pk: int, request_id: int) -> LogRequest | None:
        return await self._by_request_id(LogRequest, station_pk, request_id)

    async def latest_firmware_request(self, station_pk: int) -> FirmwareRequest | None:
        """A FirmwareStatusNotification may omit the request id: it is about the latest."""
        statement = (
            select(FirmwareRequest)
            .where(FirmwareRequest.station_pk == station_pk)
            .order_by(FirmwareRequest.id.desc())
            .limit(1)
        )
        return await self._get_one_or_none(statement)

    async def record_status(self, request: R, status: str, at: datetime) -> R:
        """Set the status and append it to the history (a new list: JSON is not mutable-
        tracked)."""
        request.status = status
        request.status_history = [*request.status_history, {"status": status, "at": at.isoformat()}]
        await self._flush()
        return request

    async def _by_request_id(self, model: type[R], station_pk: int, request_id: int) -> R | None:
        statement = select(model).where(
            model.station_pk == station_pk, model.request_id == request_id
        )
        return await self._get_one_or_none(statement)
