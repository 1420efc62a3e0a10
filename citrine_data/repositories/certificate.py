"""Certificates held by the CSMS, and certificates installed on stations."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, select

from citrine_data.models.certificate import Certificate, InstalledCertificate
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateData:
    certificate_type: str
    pem: str
    serial_number: str
    issuer: str
    subject: str
    not_before: datetime
    not_after: datetime
    private_key_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateHash:
    """OCPP CertificateHashDataType."""

    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str


class CertificateRepository(Repository):
    async def add(self, tenant_id: str, data: CertificateData) -> Certificate:
        """``Conflict`` for a second certificate with the same issuer and serial number."""
        return await self._add(Certificate(tenant_id=tenant_id, **asdict(data)))

    async def get(self, tenant_id: str, issuer: str, serial_number: str) -> Certificate | None:
        statement = select(Certificate).where(
            Certificate.tenant_id == tenant_id,
            Certificate.issuer == issuer,
            Certificate.serial_number == serial_number,
        )
        return await self._get_one_or_none(statement)

    async def expiring_before(self, moment: datetime) -> list[Certificate]:
        """Certificates of every tenant that end before ``moment`` (for renewal jobs)."""
        statement = select(Certificate).where(Certificate.not_after < moment)
        return await self._get_all(statement.order_by(Certificate.not_after))

    async def list(
        self, tenant_id: str, *, certificate_type: str | None = None
    ) -> list[Certificate]:
        statement = select(Certificate).where(Certificate.tenant_id == tenant_id)
        if certificate_type is not None:
            statement = statement.where(Certificate.certificate_type == certificate_type)
        return await self._get_all(statement.order_by(Certificate.not_after, Certificate.id))


class InstalledCertificateRepository(Repository):
    async def record(
        self, station_pk: int, certificate_type: str, hash_data: CertificateHash
    ) -> InstalledCertificate:
        values = {
            "station_pk": station_pk,
            "certificate_type": certificate_type,
            **asdict(hash_data),
        }
        key = [
            "station_pk",
            "hash_algorithm",
            "issuer_name_hash",
            "issuer_key_hash",
            "serial_number",
        ]
        return await self._upsert(InstalledCertificate, values, key=key)

    async def remove(self, station_pk: int, hash_data: CertificateHash) -> bool:
        statement = delete(InstalledCertificate).where(
            InstalledCertificate.station_pk == station_pk,
            InstalledCertificate.hash_algorithm == hash_data.hash_algorithm,
            InstalledCertificate.issuer_name_hash == hash_data.issuer_name_hash,
            InstalledCertificate.issuer_key_hash == hash_data.issuer_key_hash,
            InstalledCertificate.serial_number == hash_data.serial_number,
        )
        return await self._execute_dml(statement) > 0

    async def replace_all(
        self, station_pk: int, installed: list[tuple[str, CertificateHash]]
    ) -> None:
        """Mirror a GetInstalledCertificateIds answer: (type, hash) is the whole truth."""
        await self._execute_dml(
            delete(InstalledCertificate).where(InstalledCertificate.station_pk == station_pk)
        )
        for certificate_type, hash_data in installed:
            await self.record(station_pk, certificate_type, hash_data)

    async def list(self, station_pk: int) -> list[InstalledCertificate]:
        statement = (
            select(InstalledCertificate)
            .where(InstalledCertificate.station_pk == station_pk)
            .order_by(InstalledCertificate.certificate_type, InstalledCertificate.id)
        )
        return await self._get_all(statement)
