"""Log retrieval (N01): GetLog, the upload the CSMS hosts, and LogStatusNotification per request.

* When the operator gives no remoteLocation, the CSMS offers its own upload URL: one per
  request, with an unguessable token in the path (N01.FR.17); only the token's SHA-256 is
  stored. It stops working when the request ends (Uploaded, a failure, canceled) or expires.
* The GetLog answer is recorded (Accepted, Rejected: TC_N_34) without overwriting a status
  notification that overtook it. AcceptedCanceled means the station canceled its ongoing
  upload for this one (TC_N_36): the older requests still in progress become ``Canceled``.
* Each LogStatusNotification is appended to its request's history, in arrival order.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from citrine_base.config import SystemConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import LogRequest
from citrine_data.repositories import ChargingStationRepository, FileTransferRepository
from citrine_data.repositories.file_transfer import LogData, UploadedFile

log = structlog.get_logger(__name__)

REQUESTED = "requested"
CANCELED = "Canceled"
IN_PROGRESS = (REQUESTED, "Accepted", "AcceptedCanceled", "Uploading")
FINISHED = frozenset(
    {"Uploaded", "UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied"}
)
REQUEST_COUNTER = "request_id"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LogOrder:
    log_type: enums.LogEnum
    oldest_at: datetime | None = None
    latest_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    remote_location: str | None = None


class LogService:
    async def create(
        self, session: Session, station_pk: int, order: LogOrder, config: SystemConfig
    ) -> tuple[LogRequest, messages.GetLogRequest]:
        """A new request with the CSMS's next request id, and the GetLog that asks for it."""
        stations = ChargingStationRepository.from_session(session)
        request_id = await stations.next_value(station_pk, REQUEST_COUNTER)
        location, hashed, expires = order.remote_location, None, None
        if location is None:
            token = secrets.token_urlsafe(32)
            location = f"{config.public_base_url()}/files/logs/{token}"
            hashed = token_hash(token)
            expires = datetime.now(UTC) + timedelta(seconds=config.files.upload_ttl)
        row = await FileTransferRepository.from_session(session).create_log_request(
            station_pk,
            LogData(
                request_id=request_id,
                log_type=order.log_type.value,
                remote_location=location,
                oldest_at=order.oldest_at,
                latest_at=order.latest_at,
                retries=order.retries,
                retry_interval=order.retry_interval,
                upload_token_hash=hashed,
                upload_expires_at=expires,
            ),
        )
        get_log = messages.GetLogRequest(
            log=datatypes.LogParameters(
                remote_location=location,
                oldest_timestamp=order.oldest_at,
                latest_timestamp=order.latest_at,
            ),
            log_type=order.log_type,
            request_id=request_id,
            retries=order.retries,
            retry_interval=order.retry_interval,
        )
        return row, get_log

    async def answered(
        self, session: Session, station_pk: int, request_id: int, status: str, filename: str | None
    ) -> LogRequest | None:
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_log_request(station_pk, request_id)
        if row is None:
            return None
        now = datetime.now(UTC)
        row.filename = filename
        if status == "AcceptedCanceled":
            for older in await repository.in_status(LogRequest, station_pk, IN_PROGRESS):
                if older.id != row.id:
                    older.upload_expires_at = now
                    await repository.record_status(older, CANCELED, now)
        if row.status == REQUESTED:
            await repository.record_status(row, status, now)
        else:  # a LogStatusNotification came first: keep it current, but keep the answer
            row.status_history = [{"status": status, "at": now.isoformat()}, *row.status_history]
        if status == "Rejected" or status.startswith("local:"):
            row.upload_expires_at = now
        return row

    async def notified(
        self, session: Session, key: StationKey, request: messages.LogStatusNotificationRequest
    ) -> None:
        if request.request_id is None:
            return  # triggered with nothing in progress (Idle): nothing to attach it to
        station = await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_log_request(station.id, request.request_id)
        if row is None:
            log.warning("diagnostics.unknown_request", request_id=request.request_id)
            return
        now = datetime.now(UTC)
        await repository.record_status(row, request.status.value, now)
        if request.status.value in FINISHED or request.status.value == "AcceptedCanceled":
            row.upload_expires_at = now

    async def upload_target(self, session: Session, token: str) -> LogRequest | None:
        """The request whose upload URL holds ``token``, while it accepts uploads."""
        row = await FileTransferRepository.from_session(session).log_request_by_token(
            token_hash(token)
        )
        if row is None or row.status == CANCELED:
            return None
        if row.upload_expires_at is not None and row.upload_expires_at <= datetime.now(UTC):
            return None
        return row

    async def uploaded(
        self, session: Session, station_pk: int, request_id: int, uploaded: UploadedFile
    ) -> None:
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_log_request(station_pk, request_id)
        if row is not None:
            await repository.record_upload(row, uploaded)


log_service = LogService()
