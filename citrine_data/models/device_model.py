"""The OCPP 2.0.1 device model of each station: components, variables, attributes, reports.

Optional parts of a component's identity (instance, EVSE, connector) are stored as sentinels,
``''`` and ``0``, never NULL. A unique constraint treats NULLs as distinct on both SQLite and
PostgreSQL (``NULLS NOT DISTINCT`` is PostgreSQL 15+ only), so with NULLs the same component
could be stored twice; expression indexes on ``COALESCE(...)`` would work on both but cannot
be targeted by ``ON CONFLICT`` portably and alembic cannot compare them. ``0`` is safe: OCPP
EVSE and connector ids of a component are > 0. Repositories map None <-> sentinel.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk


class Component(TimestampMixin, Base):
    __tablename__ = "components"
    __table_args__ = (
        sa.UniqueConstraint(
            "station_pk", "name", "instance", "evse_id", "connector_id", name="uq_components_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    name: Mapped[str] = mapped_column(sa.String(50))
    instance: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")
    evse_id: Mapped[int] = mapped_column(default=0, server_default="0")
    connector_id: Mapped[int] = mapped_column(default=0, server_default="0")

    variables: Mapped[list[Variable]] = relationship(
        back_populates="component", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class Variable(TimestampMixin, Base):
    __tablename__ = "variables"
    __table_args__ = (sa.UniqueConstraint("component_pk", "name", "instance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component_pk: Mapped[int] = mapped_column(sa.ForeignKey("components.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(50))
    instance: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")

    component: Mapped[Component] = relationship(back_populates="variables", lazy="raise")
    attributes: Mapped[list[VariableAttribute]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    characteristics: Mapped[VariableCharacteristics | None] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class VariableAttribute(TimestampMixin, Base):
    __tablename__ = "variable_attributes"
    __table_args__ = (sa.UniqueConstraint("variable_pk", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    variable_pk: Mapped[int] = mapped_column(sa.ForeignKey("variables.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(
        sa.String(10), default="Actual"
    )  # Actual/Target/MinSet/MaxSet
    value: Mapped[str | None] = mapped_column(sa.String(2500))
    mutability: Mapped[str | None] = mapped_column(sa.String(10))  # ReadOnly/WriteOnly/ReadWrite
    persistent: Mapped[bool | None]
    constant: Mapped[bool | None]
    # The station's last answer about this attribute to a GetVariables or SetVariables.
    last_status: Mapped[str | None] = mapped_column(sa.String(30))
    last_status_info: Mapped[str | None] = mapped_column(sa.String(600))
    last_status_action: Mapped[str | None] = mapped_column(sa.String(20))
    last_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VariableCharacteristics(TimestampMixin, Base):
    __tablename__ = "variable_characteristics"

    variable_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("variables.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(sa.String(20))
    unit: Mapped[str | None] = mapped_column(sa.String(16))
    min_limit: Mapped[float | None] = mapped_column(sa.Double())
    max_limit: Mapped[float | None] = mapped_column(sa.Double())
    values_list: Mapped[str | None] = mapped_column(sa.String(1000))
    supports_monitoring: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class Report(TimestampMixin, Base):
    """A GetBaseReport/GetReport request and the NotifyReport parts received for it.

    ``status`` is the station's answer to the request ("requested" until it came;
    "unsolicited" for a report nobody here asked for). The report is complete
    (``completed_at`` set) once the part with ``tbc`` false arrived and every part before it.
    """

    __tablename__ = "reports"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    report_base: Mapped[str | None] = mapped_column(sa.String(30))  # None for GetReport
    # requested -> Accepted/Rejected/NotSupported/EmptyResultSet, or failed (no answer)
    status: Mapped[str] = mapped_column(sa.String(20), default="requested")
    parts_received: Mapped[int] = mapped_column(default=0, server_default="0")
    items_received: Mapped[int] = mapped_column(default=0, server_default="0")
    last_seq_no: Mapped[int | None]
    final_seq_no: Mapped[int | None]  # seqNo of the part with tbc false
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportPart(Base):
    """One NotifyReport part received, so that a repeated part is counted once."""

    __tablename__ = "report_parts"

    report_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    seq_no: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
