"""REST bodies of the diagnostics module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

from citrine_base.ocpp.v201 import enums
from citrine_data.models import LogRequest
from citrine_modules.rest import ApiModel


class LogIn(ApiModel):
    """GetLog (N01). Without ``remoteLocation`` the CSMS hosts the upload itself."""

    log_type: enums.LogEnum = Field(examples=["DiagnosticsLog"])
    oldest_timestamp: AwareDatetime | None = None
    latest_timestamp: AwareDatetime | None = None
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)
    remote_location: str | None = Field(
        default=None,
        max_length=512,
        description="Upload URL elsewhere (FTP, another server); default: this CSMS",
    )


class LogOut(ApiModel):
    request_id: int
    log_type: str
    status: str
    status_history: list[dict[str, Any]]
    filename: str | None
    remote_location: str
    uploaded: bool
    file_name: str | None
    file_size: int | None
    file_sha256: str | None
    uploaded_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: LogRequest) -> LogOut:
        return cls(
            request_id=row.request_id,
            log_type=row.log_type,
            status=row.status,
            status_history=row.status_history,
            filename=row.filename,
            remote_location=row.remote_location,
            uploaded=row.file_key is not None,
            file_name=row.file_name,
            file_size=row.file_size,
            file_sha256=row.file_sha256,
            uploaded_at=row.uploaded_at,
            created_at=row.created_at,
        )


class LogRequested(ApiModel):
    """The request as stored, and the station's GetLog answer."""

    request: LogOut
    answer: dict[str, Any]


class UploadOut(ApiModel):
    size: int
    sha256: str
