"""REST bodies of the firmware module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

from citrine_modules.rest import ApiModel


class FirmwareFileOut(ApiModel):
    id: int
    name: str
    size: int
    sha256: str
    md5: str
    content_type: str
    signature: str | None
    signing_certificate: str | None
    download_url: str
    created_at: datetime


class UpdateIn(ApiModel):
    """UpdateFirmware (L01). Either ``firmwareId`` (a file hosted here: location, signature and
    certificate come from it unless given) or ``location``."""

    firmware_id: int | None = None
    location: str | None = Field(default=None, max_length=512)
    retrieve_date_time: AwareDatetime | None = Field(
        default=None, description="When to download; default now"
    )
    install_date_time: AwareDatetime | None = None
    signing_certificate: str | None = Field(default=None, max_length=5500)
    signature: str | None = Field(default=None, max_length=800)
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)


class UpdateOut(ApiModel):
    request_id: int
    location: str
    status: str
    status_history: list[dict[str, Any]]
    retrieve_at: datetime
    install_at: datetime | None
    created_at: datetime


class PublishIn(ApiModel):
    """PublishFirmware to a Local Controller (L03): a hosted ``firmwareId``, or a location and
    its MD5 checksum."""

    firmware_id: int | None = None
    location: str | None = Field(default=None, max_length=512)
    checksum: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$")
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)


class PublicationOut(ApiModel):
    request_id: int
    location: str
    checksum: str
    status: str
    status_history: list[dict[str, Any]]
    published_locations: list[str] | None
    created_at: datetime


class UnpublishIn(ApiModel):
    checksum: str = Field(pattern=r"^[0-9a-fA-F]{32}$")


class Answered(ApiModel):
    """The request as stored, and the station's answer."""

    request: dict[str, Any]
    answer: dict[str, Any]
