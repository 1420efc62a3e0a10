"""Charging stations, their EVSEs and connectors, and per-station counters.

A station is identified by (tenant, station id); an EVSE by (station, EVSE number); a connector
by (EVSE, connector number). In OCPP 2.0.1 connector numbers restart at 1 on every EVSE, so a
connector keyed by station alone (as CitrineOS does) collides on multi-EVSE stations.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    in_values,
    station_fk,
    tenant_fk,
)

if TYPE_CHECKING:
    from citrine_data.models.location import Location
    from citrine_data.models.status import ConnectorStatusLatest

REGISTRATION_STATUSES = ("Accepted", "Pending", "Rejected")


class ChargingStation(TimestampMixin, Base):
    __tablename__ = "charging_stations"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "station_id"),
        sa.CheckConstraint(
            in_values("registration_status", REGISTRATION_STATUSES), name="registration_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    station_id: Mapped[str] = mapped_column(sa.String(48))  # the OCPP identity in the URL
    vendor_name: Mapped[str | None] = mapped_column(sa.String(50))
    model: Mapped[str | None] = mapped_column(sa.String(50))
    serial_number: Mapped[str | None] = mapped_column(sa.String(50))
    firmware_version: Mapped[str | None] = mapped_column(sa.String(50))
    modem_iccid: Mapped[str | None] = mapped_column(sa.String(20))
    modem_imsi: Mapped[str | None] = mapped_column(sa.String(20))
    location_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="SET NULL"), index=True
    )
    protocol: Mapped[str | None] = mapped_column(sa.String(20))  # "ocpp2.0.1"
    is_online: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_boot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_status: Mapped[str | None] = mapped_column(sa.String(10))
    minimum_security_profile: Mapped[int] = mapped_column(default=0, server_default="0")

    location: Mapped[Location | None] = relationship(lazy="raise")
    evses: Mapped[list[Evse]] = relationship(
        back_populates="station",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Evse.evse_id",
    )


class Evse(TimestampMixin, Base):
    __tablename__ = "evses"
    __table_args__ = (sa.UniqueConstraint("station_pk", "evse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    evse_id: Mapped[int]  # the OCPP EVSE number, 1..n on this station
    evse_uid: Mapped[str | None] = mapped_column(sa.String(48))  # eMI3 EVSE id, "DE*ABC*E1"

    station: Mapped[ChargingStation] = relationship(back_populates="evses", lazy="raise")
    connectors: Mapped[list[Connector]] = relationship(
        back_populates="evse",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Connector.connector_id",
    )


class Connector(TimestampMixin, Base):
    __tablename__ = "connectors"
    __table_args__ = (sa.UniqueConstraint("evse_pk", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evse_pk: Mapped[int] = mapped_column(sa.ForeignKey("evses.id", ondelete="CASCADE"))
    connector_id: Mapped[int]  # the OCPP connector number, 1..n on its EVSE
    connector_type: Mapped[str | None] = mapped_column(sa.String(20))  # "cCCS2", "sType2"

    evse: Mapped[Evse] = relationship(back_populates="connectors", lazy="raise")
    latest_status: Mapped[ConnectorStatusLatest | None] = relationship(lazy="raise", viewonly=True)


class StationSequence(Base):
    """Per-station counters for ids the CSMS chooses (requestId, remoteStartId, ...)."""

    __tablename__ = "station_sequences"

    station_pk: Mapped[int] = mapped_column(station_fk(), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger())
