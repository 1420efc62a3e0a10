"""Connector status: the latest per connector, and the append-only history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, BigIntKey, UTCDateTime, utc_now


class ConnectorStatusLatest(Base):
    __tablename__ = "connector_status_latest"

    connector_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("connectors.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(sa.String(20))  # OCPP ConnectorStatusEnumType
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the station's timestamp
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ConnectorStatusHistory(Base):
    __tablename__ = "connector_status_history"
    __table_args__ = (sa.Index(None, "connector_pk", "status_at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    connector_pk: Mapped[int] = mapped_column(sa.ForeignKey("connectors.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(20))
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
