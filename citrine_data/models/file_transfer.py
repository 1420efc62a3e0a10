"""Firmware updates, firmware publications (Local Controllers) and log uploads: a request,
then status notifications from the station; and the firmware files the CSMS hosts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk, tenant_fk


class FirmwareRequest(TimestampMixin, Base):
    __tablename__ = "firmware_requests"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    location: Mapped[str] = mapped_column(sa.String(512))
    retrieve_at: Mapped[datetime] = mapped_column(UTCDateTime())
    install_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signing_certificate: Mapped[str | None] = mapped_column(sa.Text())
    signature: Mapped[str | None] = mapped_column(sa.Text())
    retries: Mapped[int | None]
    retry_interval: Mapped[int | None]
    # The UpdateFirmware answer, then each FirmwareStatusNotification status.
    status: Mapped[str] = mapped_column(sa.String(40), default="requested")
    # [{"status": ..., "at": RFC 3339}], appended in arrival order.
    status_history: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)


class LogRequest(TimestampMixin, Base):
    __tablename__ = "log_requests"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    log_type: Mapped[str] = mapped_column(sa.String(20))  # DiagnosticsLog/SecurityLog
    remote_location: Mapped[str] = mapped_column(sa.String(512))
    oldest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    latest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retries: Mapped[int | None]
    retry_interval: Mapped[int | None]
    filename: Mapped[str | None] = mapped_column(sa.String(255))  # from the GetLog answer
    status: Mapped[str] = mapped_column(sa.String(40), default="requested")
    status_history: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    # When the CSMS hosts the upload (N01.FR.17): the SHA-256 of the URL's secret token (the
    # token itself is only in the URL given to the station), and what arrived.
    upload_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    upload_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    file_key: Mapped[str | None] = mapped_column(sa.String(512))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    file_size: Mapped[int | None] = mapped_column(sa.BigInteger())
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    file_content_type: Mapped[str | None] = mapped_column(sa.String(255))
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FirmwarePublication(TimestampMixin, Base):
    """A PublishFirmware to a Local Controller (L03), then its status notifications."""

    __tablename__ = "firmware_publications"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    location: Mapped[str] = mapped_column(sa.String(512))
    checksum: Mapped[str] = mapped_column(sa.String(32), index=True)  # MD5, hex
    retries: Mapped[int | None]
    retry_interval: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(40), default="requested")
    status_history: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    # Where the Local Controller serves the firmware, once Published.
    published_locations: Mapped[list[str] | None] = mapped_column(sa.JSON())


class FirmwareFile(TimestampMixin, Base):
    """A firmware image uploaded to the CSMS and served to stations (L01, L03)."""

    __tablename__ = "firmware_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    storage_key: Mapped[str] = mapped_column(sa.String(512))
    size: Mapped[int] = mapped_column(sa.BigInteger())
    sha256: Mapped[str] = mapped_column(sa.String(64))
    md5: Mapped[str] = mapped_column(sa.String(32))
    content_type: Mapped[str] = mapped_column(sa.String(255))
    signature: Mapped[str | None] = mapped_column(sa.String(800))  # base64, as in UpdateFirmware
    signing_certificate: Mapped[str | None] = mapped_column(sa.Text())  # PEM
    # The capability in the download URL: stations download without REST credentials.
    download_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
