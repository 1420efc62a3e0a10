"""Certificates the CSMS holds, the certificates installed on each station (by hash), and
the record of certificate operations with stations (signing, install, delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import (
    Base,
    BigIntKey,
    TimestampMixin,
    UTCDateTime,
    station_fk,
    tenant_fk,
    utc_now,
)


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
    # The station a signed certificate was issued to (A02/A03); None for CAs.
    station_pk: Mapped[int | None] = mapped_column(station_fk(ondelete="SET NULL"), index=True)


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


class CertificateSigning(TimestampMixin, Base):
    """One SignCertificate from a station (A02/A03): our answer, then the CertificateSigned
    delivery and the station's verdict on it."""

    __tablename__ = "certificate_signings"
    __table_args__ = (sa.Index(None, "station_pk", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    certificate_type: Mapped[str | None] = mapped_column(sa.String(40))  # as requested
    csr: Mapped[str] = mapped_column(sa.Text())
    status: Mapped[str] = mapped_column(sa.String(20))  # our answer: Accepted / Rejected
    reason: Mapped[str | None] = mapped_column(sa.String(255))  # why Rejected
    certificate_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL"), index=True
    )
    # The CertificateSigned outcome: Accepted / Rejected by the station, or a local failure
    # ("local:timeout", ...); None while it is on its way.
    delivery_status: Mapped[str | None] = mapped_column(sa.String(40))
    delivery_info: Mapped[str | None] = mapped_column(sa.String(512))


class CertificateOperation(Base):
    """The outcome of an InstallCertificate, DeleteCertificate or GetInstalledCertificateIds
    sent to a station (M03-M05): append-only, so an operator sees every attempt."""

    __tablename__ = "certificate_operations"
    __table_args__ = (sa.Index(None, "station_pk", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    station_pk: Mapped[int] = mapped_column(station_fk())
    action: Mapped[str] = mapped_column(sa.String(40))
    certificate_type: Mapped[str | None] = mapped_column(sa.String(40))
    certificate: Mapped[str | None] = mapped_column(sa.Text())  # the PEM installed
    hash_data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())  # the hash deleted
    status: Mapped[str] = mapped_column(sa.String(40))  # the station's status or local:*
    status_info: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
