"""What to answer a station's BootNotification, and what to do while it is Pending."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, in_values, station_fk
from citrine_data.models.station import REGISTRATION_STATUSES


class BootConfig(TimestampMixin, Base):
    __tablename__ = "boot_configs"
    __table_args__ = (
        sa.CheckConstraint(in_values("status", REGISTRATION_STATUSES), name="status"),
    )

    station_pk: Mapped[int] = mapped_column(station_fk(), primary_key=True)
    # None: use the system's rule for the station (see the configuration module).
    status: Mapped[str | None] = mapped_column(sa.String(10))
    # The statusInfo of the BootNotificationResponse: reasonCode and additionalInfo.
    status_reason: Mapped[str | None] = mapped_column(sa.String(20))
    status_info: Mapped[str | None] = mapped_column(sa.String(512))
    heartbeat_interval: Mapped[int | None]
    retry_interval: Mapped[int | None]
    # SetVariableData items (OCPP JSON, camelCase) to apply while the station is Pending.
    set_variables: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    fetch_base_report: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    accept_with_rejected_variables: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true()
    )
    # SetVariableResult-shaped items (or local failures) of the last Pending provisioning.
    variables_rejected_on_last_boot: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())
