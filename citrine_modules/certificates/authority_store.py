"""Where the CSMS's CA comes from: configured files, or generated once and kept.

A configured CA (``certificates.ca_certificate_file`` + ``ca_key_file``) is used as is. Without
one, the first start generates a root, stores its key in the file storage (encrypted with
``ca_key_password`` when set) and its certificate in the ``certificates`` table; every later
start, and every other instance, loads that one. Several instances starting together agree
through a lock in the shared cache: one generates, the others wait for its row. The private
key never leaves the server: REST shows certificates only.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import structlog
from cryptography import x509

from citrine_base.config import CertificatesConfig
from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.storage import FileNotFound, FileStorage
from citrine_data import SessionFactory, unit_of_work
from citrine_data.models import Certificate
from citrine_data.repositories import CertificateRepository
from citrine_data.repositories.certificate import CertificateData
from citrine_util.certificates.authority import (
    CertificateAuthority,
    load_private_key,
    private_key_pem,
)
from citrine_util.certificates.x509 import CertificateProblem, load_chain, serial_hex, to_pem

log = structlog.get_logger(__name__)

CA_TYPE = "ChargingStationCA"
LOCK_TTL = 60.0
WAIT_STEP = 0.2


def certificate_data(
    certificate: x509.Certificate,
    certificate_type: str,
    *,
    private_key_ref: str | None = None,
    station_pk: int | None = None,
) -> CertificateData:
    return CertificateData(
        certificate_type=certificate_type,
        pem=to_pem(certificate),
        serial_number=serial_hex(certificate),
        issuer=certificate.issuer.rfc4514_string()[:512],
        subject=certificate.subject.rfc4514_string()[:512],
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        private_key_ref=private_key_ref,
        station_pk=station_pk,
    )


class AuthorityStore:
    def __init__(
        self,
        config: CertificatesConfig,
        tenant_id: str,
        sessions: SessionFactory,
        storage: FileStorage,
        cache: Cache,
        instance_id: str,
    ) -> None:
        self._config = config
        self._tenant_id = tenant_id
        self._sessions = sessions
        self._storage = storage
        self._cache = cache
        self._instance_id = instance_id

    @property
    def _password(self) -> str | None:
        secret = self._config.ca_key_password
        return secret.get_secret_value() if secret else None

    async def load(self) -> CertificateAuthority:
        if self._config.ca_certificate_file or self._config.ca_key_file:
            return await self._load_configured()
        lock = f"certificates:ca:{self._tenant_id}"
        deadline = asyncio.get_running_loop().time() + LOCK_TTL
        while True:
            existing = await self._stored()
            if existing is not None:
                return await self._from_row(existing)
            if await self._cache.set_if_absent(lock, self._instance_id, LOCK_TTL):
                try:
                    return await self._generate()
                finally:
                    await self._cache.delete_if_equal(lock, self._instance_id)
            if asyncio.get_running_loop().time() > deadline:
                raise CertificateProblem("Another instance holds the CA lock but made no CA")
            await asyncio.sleep(WAIT_STEP)

    async def _load_configured(self) -> CertificateAuthority:
        if not (self._config.ca_certificate_file and self._config.ca_key_file):
            raise CertificateProblem("Set both certificates.ca_certificate_file and ca_key_file")
        chain_pem = await asyncio.to_thread(Path(self._config.ca_certificate_file).read_text)
        key_pem = await asyncio.to_thread(Path(self._config.ca_key_file).read_bytes)
        authority = CertificateAuthority.from_pem(chain_pem, key_pem, self._password)
        await self._ensure_row(authority.certificate, f"file:{self._config.ca_key_file}")
        return authority

    async def _stored(self) -> Certificate | None:
        async with unit_of_work(self._sessions) as uow:
            repository = CertificateRepository.from_session(uow.session)
            row = await repository.latest(self._tenant_id, CA_TYPE)
        # An expired CA signs nothing useful: a new one is generated in its place.
        return row if row is not None and row.not_after > datetime.now(UTC) else None

    async def _from_row(self, row: Certificate) -> CertificateAuthority:
        if not row.private_key_ref or not row.private_key_ref.startswith("storage:"):
            raise CertificateProblem(f"The stored CA {row.serial_number} has no usable key")
        key = row.private_key_ref.removeprefix("storage:")
        try:
            key_pem = await self._storage.read(key)
        except FileNotFound:
            # Every process of a cluster must share one file store (S3, or one volume).
            raise CertificateProblem(
                f"The CA {row.serial_number} is in the database but its key {key} is not in "
                "the file storage: do all processes use the same storage?"
            ) from None
        return CertificateAuthority(load_chain(row.pem), load_private_key(key_pem, self._password))

    async def _generate(self) -> CertificateAuthority:
        authority = CertificateAuthority.generate(self._config.organization, self._config.ca_days)
        key = f"ca/{self._tenant_id}/{serial_hex(authority.certificate)}.key.pem"
        await self._storage.put(
            key, private_key_pem(authority.key, self._password), content_type="application/x-pem"
        )
        await self._ensure_row(authority.certificate, f"storage:{key}")
        log.info("certificates.ca_generated", serial=serial_hex(authority.certificate))
        return authority

    async def _ensure_row(self, certificate: x509.Certificate, key_ref: str) -> None:
        data = certificate_data(certificate, CA_TYPE, private_key_ref=key_ref)
        async with unit_of_work(self._sessions) as uow:
            repository = CertificateRepository.from_session(uow.session)
            if await repository.get(self._tenant_id, data.issuer, data.serial_number) is None:
                await repository.add(self._tenant_id, data)
