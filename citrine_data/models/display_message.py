"""Display messages set on stations (SetDisplayMessage) or reported by them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk


class DisplayMessage(TimestampMixin, Base):
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
    status: Mapped[str | None] = mapped_column(sa.String(20))  # the SetDisplayMessage answer
