"""SecurityEventNotification records, and the events the CSMS raises about a station itself."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, BigIntKey, UTCDateTime, station_fk, utc_now

if TYPE_CHECKING:
    from citrine_data.models.station import ChargingStation


class SecurityEvent(Base):
    __tablename__ = "security_events"
    __table_args__ = (sa.Index(None, "station_pk", "timestamp"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    type: Mapped[str] = mapped_column(sa.String(50))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    tech_info: Mapped[str | None] = mapped_column(sa.String(255))
    # Critical in the OCPP security events list: an operator alert, not only a record.
    critical: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    station: Mapped[ChargingStation] = relationship(lazy="raise")
