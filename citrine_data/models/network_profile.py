"""The network connection profiles a station accepted, per configuration slot (B09)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk


class NetworkProfile(TimestampMixin, Base):
    __tablename__ = "network_profiles"

    station_pk: Mapped[int] = mapped_column(station_fk(), primary_key=True)
    configuration_slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ocpp_csms_url: Mapped[str] = mapped_column(sa.String(512))
    security_profile: Mapped[int]
    ocpp_version: Mapped[str] = mapped_column(sa.String(10))
    ocpp_transport: Mapped[str] = mapped_column(sa.String(10))
    ocpp_interface: Mapped[str] = mapped_column(sa.String(20))
    message_timeout: Mapped[int]
    # The NetworkConnectionProfile as sent (camelCase), without the VPN and APN secrets.
    connection_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
