"""CustomerInformation requests (N09/N10) and the NotifyCustomerInformation parts answering them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, BigIntKey, TimestampMixin, UTCDateTime, station_fk, utc_now


class CustomerInformationRequest(TimestampMixin, Base):
    """What was asked of a station about one customer, and its answer.

    ``requested_at`` is None when parts came for a request this CSMS did not record; what was
    asked (report, clear, customer) is then unknown.
    """

    __tablename__ = "customer_information_requests"
    __table_args__ = (sa.UniqueConstraint("station_pk", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    request_id: Mapped[int]
    report: Mapped[bool | None]
    clear: Mapped[bool | None]
    id_token: Mapped[str | None] = mapped_column(sa.String(36))
    id_token_type: Mapped[str | None] = mapped_column(sa.String(20))
    customer_identifier: Mapped[str | None] = mapped_column(sa.String(64))
    customer_certificate: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    # The station's answer (Accepted, Rejected, Invalid) or local:<why>; None until it answers.
    status: Mapped[str | None] = mapped_column(sa.String(30))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CustomerInformationPart(Base):
    """One NotifyCustomerInformation: a piece of the report, in ``seq_no`` order."""

    __tablename__ = "customer_information_parts"
    __table_args__ = (sa.UniqueConstraint("request_pk", "seq_no"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    request_pk: Mapped[int] = mapped_column(
        # The conventional name would pass PostgreSQL's 63 characters.
        sa.ForeignKey(
            "customer_information_requests.id",
            ondelete="CASCADE",
            name="fk_customer_information_parts_request_pk",
        )
    )
    seq_no: Mapped[int]
    data: Mapped[str] = mapped_column(sa.String(512))
    tbc: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
