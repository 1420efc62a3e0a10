"""SecurityEventNotification records."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, BigIntKey, UTCDateTime, station_fk, utc_now


class SecurityEvent(Base):
    __tablename__ = "security_events"
    __table_args__ = (sa.Index(None, "station_pk", "timestamp"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    type: Mapped[str] = mapped_column(sa.String(50))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    tech_info: Mapped[str | None] = mapped_column(sa.String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
