"""Webhook subscriptions: where to post station events and OCPP messages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, station_fk, tenant_fk


class WebhookSubscription(TimestampMixin, Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        sa.Index(None, "tenant_id", "station_pk"),
        sa.Index(None, "station_pk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    station_pk: Mapped[int | None] = mapped_column(station_fk())  # None: every station
    url: Mapped[str] = mapped_column(sa.String(2048))
    # Event filters: "Connected", "Disconnected", "NotifyEvent", "SecurityEventNotification",
    # "Message:<Action>" (an OCPP message of that action), "Message:*", or "*" for everything.
    events: Mapped[list[str]] = mapped_column(sa.JSON(), default=list)
    # Key for the HMAC signature of each post; kept as is because we must sign with it.
    secret: Mapped[str | None] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
