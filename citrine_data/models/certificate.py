"""Certificates the CSMS holds, and the certificates installed on each station (by hash)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, TimestampMixin, UTCDateTime, station_fk, tenant_fk


class Certificate(TimestampMixin, Base):
    __tablename__ = "certificates"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "issuer", "serial_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64), tenant_fk())
    certificate_type: Mapped[str] = mapped_column(sa.String(40))
    pem: Mapped[str] = mapped_column(sa.Text())
    serial_number: Mapped[str] = mapped_column(sa.String(64))  # hex
    issuer: Mapped[str] = mapped_column(sa.String(512))
    subject: Mapped[str] = mapped_column(sa.String(512))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Where the private key lives (file storage path, KMS id); never the key itself.
    private_key_ref: Mapped[str | None] = mapped_column(sa.String(255))


class InstalledCertificate(TimestampMixin, Base):
    __tablename__ = "installed_certificates"
    __table_args__ = (
        sa.UniqueConstraint(
            "station_pk",
            "hash_algorithm",
            "issuer_name_hash",
            "issuer_key_hash",
            "serial_number",
            name="uq_installed_certificates_hash",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    certificate_type: Mapped[str] = mapped_column(sa.String(40))
    hash_algorithm: Mapped[str] = mapped_column(sa.String(10))
    issuer_name_hash: Mapped[str] = mapped_column(sa.String(128))
    issuer_key_hash: Mapped[str] = mapped_column(sa.String(128))
    serial_number: Mapped[str] = mapped_column(sa.String(40))
