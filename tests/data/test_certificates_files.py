"""Repositories of certificates, certificate operations, log uploads, firmware files and
publications, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.models import ChargingStation, FirmwarePublication, LogRequest, Tenant
from citrine_data.repositories import (
    CertificateOperationRepository,
    CertificateRepository,
    CertificateSigningRepository,
    FileTransferRepository,
    FirmwareFileRepository,
    InstalledCertificateRepository,
)
from citrine_data.repositories.certificate import CertificateData, CertificateHash, OperationData
from citrine_data.repositories.file_transfer import LogData, PublicationData, UploadedFile
from citrine_data.repositories.firmware_file import FirmwareFileData

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _hash(serial: str, algorithm: str = "SHA256") -> CertificateHash:
    return CertificateHash(
        hash_algorithm=algorithm, issuer_name_hash="aa", issuer_key_hash="bb", serial_number=serial
    )


async def test_latest_ca_and_signing_record(
    session: AsyncSession, tenant: Tenant, station: ChargingStation
) -> None:
    certificates = CertificateRepository(session)
    for serial, days in (("01", 10), ("02", 20)):
        await certificates.add(
            tenant.id,
            CertificateData(
                certificate_type="ChargingStationCA",
                pem="PEM",
                serial_number=serial,
                issuer="CN=CA",
                subject="CN=CA",
                not_before=T0,
                not_after=T0 + timedelta(days=days),
            ),
        )
    latest = await certificates.latest(tenant.id, "ChargingStationCA")
    assert latest is not None
    assert latest.serial_number == "02"
    assert await certificates.get_by_id("other-tenant", latest.id) is None
    signings = CertificateSigningRepository(session)
    signing = await signings.create(
        station.id, certificate_type=None, csr="CSR", status="Accepted", certificate_pk=latest.id
    )
    assert await signings.set_delivery(signing.id, "Rejected", "x" * 600)
    session.expunge_all()
    [stored] = (await signings.list(station.id, limit=10, offset=0)).items
    assert (stored.delivery_status, len(stored.delivery_info or "")) == ("Rejected", 512)


async def test_installed_replace_only_the_asked_types(
    session: AsyncSession, station: ChargingStation
) -> None:
    installed = InstalledCertificateRepository(session)
    await installed.record(station.id, "CSMSRootCertificate", _hash("1"))
    await installed.record(station.id, "V2GRootCertificate", _hash("2", "SHA384"))
    await installed.replace_all(
        station.id, [("V2GRootCertificate", _hash("3"))], types=["V2GRootCertificate"]
    )
    rows = await installed.list(station.id)
    assert sorted((r.certificate_type, r.serial_number) for r in rows) == [
        ("CSMSRootCertificate", "1"),
        ("V2GRootCertificate", "3"),
    ]
    assert await installed.get(station.id + 1000, rows[0].id) is None
    operations = CertificateOperationRepository(session)
    await operations.record(station.id, OperationData(action="DeleteCertificate", status="Failed"))
    assert (await operations.list(station.id, limit=5, offset=0)).total == 1


async def test_log_upload_by_token_and_status_filter(
    session: AsyncSession, station: ChargingStation
) -> None:
    transfers = FileTransferRepository(session)
    first = await transfers.create_log_request(
        station.id,
        LogData(
            request_id=1, log_type="DiagnosticsLog", remote_location="u", upload_token_hash="h1"
        ),
    )
    await transfers.create_log_request(
        station.id, LogData(request_id=2, log_type="SecurityLog", remote_location="u2")
    )
    await transfers.record_status(first, "Uploading", T0)
    await transfers.record_status(first, "Uploading", T0)  # a retried notification
    assert [e["status"] for e in first.status_history] == ["Uploading"]
    found = await transfers.log_request_by_token("h1")
    assert found is not None
    assert found.request_id == 1
    await transfers.record_upload(
        found, UploadedFile(key="k", name="n", size=3, sha256="s", content_type="t", at=T0)
    )
    ongoing = await transfers.in_status(LogRequest, station.id, ["Uploading"])
    assert [r.request_id for r in ongoing] == [1]
    page = await transfers.list(LogRequest, station.id, limit=10, offset=0)
    assert [r.request_id for r in page.items] == [2, 1]


async def test_firmware_files_and_publications(
    session: AsyncSession, tenant: Tenant, station: ChargingStation
) -> None:
    files = FirmwareFileRepository(session)
    row = await files.add(
        tenant.id,
        FirmwareFileData(
            name="fw.bin",
            storage_key="firmware/x",
            size=10,
            sha256="s" * 64,
            md5="m" * 32,
            content_type="application/octet-stream",
            download_token="tok",
        ),
    )
    assert (await files.by_token("tok")) is not None
    assert (await files.list(tenant.id, limit=5, offset=0)).total == 1
    transfers = FileTransferRepository(session)
    publication = await transfers.create_publication(
        station.id, PublicationData(request_id=7, location="l", checksum="m" * 32)
    )
    await transfers.record_status(publication, "Published", T0)
    assert [
        p.request_id for p in await transfers.publications_with_checksum(station.id, "m" * 32)
    ] == [7]
    assert (await transfers.list(FirmwarePublication, station.id, limit=5, offset=0)).total == 1
    assert await files.delete(tenant.id, row.id)
