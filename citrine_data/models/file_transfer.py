"""Firmware updates and log uploads: a request, then status notifications from the station."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk


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
