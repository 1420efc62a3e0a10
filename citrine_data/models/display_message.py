"""Display messages set on stations (SetDisplayMessage) or reported by them
(NotifyDisplayMessages), and the GetDisplayMessages requests that asked for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk


class DisplayMessage(TimestampMixin, Base):
    """One message per (station, message id): a SetDisplayMessage with the same id replaces it."""

    __tablename__ = "display_messages"
    __table_args__ = (sa.UniqueConstraint("station_pk", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    message_id: Mapped[int]
    priority: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str | None] = mapped_column(sa.String(20))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transaction_id: Mapped[str | None] = mapped_column(sa.String(36))
    format: Mapped[str] = mapped_column(sa.String(10))  # ASCII/HTML/URI/UTF8
    language: Mapped[str | None] = mapped_column(sa.String(8))
    content: Mapped[str] = mapped_column(sa.String(512))
    # The display (a component) the message is for; None: the station chooses.
    display_name: Mapped[str | None] = mapped_column(sa.String(50))
    display_instance: Mapped[str | None] = mapped_column(sa.String(50))
    display_evse_id: Mapped[int | None]
    display_connector_id: Mapped[int | None]
    # The SetDisplayMessage answer (Accepted, NotSupportedPriority, ...); "Reported" when the
    # message is known from a NotifyDisplayMessages only.
    status: Mapped[str | None] = mapped_column(sa.String(30))
    status_reason: Mapped[str | None] = mapped_column(sa.String(20))  # StatusInfo.reasonCode


class DisplayMessageReport(TimestampMixin, Base):
    """A GetDisplayMessages request and what its NotifyDisplayMessages parts reported."""

    __tablename__ = "display_message_reports"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    ids: Mapped[list[int] | None] = mapped_column(sa.JSON())
    priority: Mapped[str | None] = mapped_column(sa.String(20))
    state: Mapped[str | None] = mapped_column(sa.String(20))
    # The station's answer (Accepted, Unknown) or local:<why>; None until it answers.
    status: Mapped[str | None] = mapped_column(sa.String(30))
    parts_received: Mapped[int] = mapped_column(default=0, server_default="0")
    # MessageInfo of every reported message, OCPP JSON, one per message id.
    messages: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
