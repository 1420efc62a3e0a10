"""Certificates held by the CSMS, certificates installed on stations, and the record of
certificate operations with stations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from citrine_data.models.certificate import (
    Certificate,
    CertificateOperation,
    CertificateSigning,
    InstalledCertificate,
)
from citrine_data.repositories.base import Page, Repository


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
    station_pk: int | None = None


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

    async def get_by_id(self, tenant_id: str, certificate_pk: int) -> Certificate | None:
        certificate = await self._get(Certificate, certificate_pk)
        return certificate if certificate and certificate.tenant_id == tenant_id else None

    async def latest(self, tenant_id: str, certificate_type: str) -> Certificate | None:
        """The certificate of that type that ends last (the CA in use)."""
        statement = (
            select(Certificate)
            .where(
                Certificate.tenant_id == tenant_id,
                Certificate.certificate_type == certificate_type,
            )
            .order_by(Certificate.not_after.desc(), Certificate.id.desc())
            .limit(1)
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
        self,
        station_pk: int,
        installed: list[tuple[str, CertificateHash]],
        *,
        types: Sequence[str] | None = None,
    ) -> None:
        """Mirror a GetInstalledCertificateIds answer: (type, hash) is the whole truth for
        ``types`` (every type when None, as when the request named no type)."""
        statement = delete(InstalledCertificate).where(
            InstalledCertificate.station_pk == station_pk
        )
        if types is not None:
            statement = statement.where(InstalledCertificate.certificate_type.in_(list(types)))
        await self._execute_dml(statement)
        for certificate_type, hash_data in installed:
            await self.record(station_pk, certificate_type, hash_data)

    async def get(self, station_pk: int, installed_pk: int) -> InstalledCertificate | None:
        found = await self._get(InstalledCertificate, installed_pk)
        return found if found and found.station_pk == station_pk else None

    async def list(self, station_pk: int) -> list[InstalledCertificate]:
        statement = (
            select(InstalledCertificate)
            .where(InstalledCertificate.station_pk == station_pk)
            .order_by(InstalledCertificate.certificate_type, InstalledCertificate.id)
        )
        return await self._get_all(statement)


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationData:
    action: str
    status: str
    certificate_type: str | None = None
    certificate: str | None = None
    hash_data: dict[str, Any] | None = None
    status_info: dict[str, Any] | None = None


class CertificateSigningRepository(Repository):
    async def create(
        self,
        station_pk: int,
        *,
        certificate_type: str | None,
        csr: str,
        status: str,
        reason: str | None = None,
        certificate_pk: int | None = None,
    ) -> CertificateSigning:
        signing = CertificateSigning(
            station_pk=station_pk,
            certificate_type=certificate_type,
            csr=csr,
            status=status,
            reason=reason,
            certificate_pk=certificate_pk,
        )
        return await self._add(signing)

    async def set_delivery(self, signing_pk: int, status: str, info: str | None) -> bool:
        statement = (
            update(CertificateSigning)
            .where(CertificateSigning.id == signing_pk)
            .values(delivery_status=status, delivery_info=info[:512] if info else None)
        )
        return await self._execute_dml(statement) > 0

    async def list(self, station_pk: int, *, limit: int, offset: int) -> Page[CertificateSigning]:
        statement = (
            select(CertificateSigning)
            .where(CertificateSigning.station_pk == station_pk)
            .order_by(CertificateSigning.id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)


class CertificateOperationRepository(Repository):
    async def record(self, station_pk: int, data: OperationData) -> CertificateOperation:
        return await self._add(CertificateOperation(station_pk=station_pk, **asdict(data)))

    async def list(self, station_pk: int, *, limit: int, offset: int) -> Page[CertificateOperation]:
        statement = (
            select(CertificateOperation)
            .where(CertificateOperation.station_pk == station_pk)
            .order_by(CertificateOperation.id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)
