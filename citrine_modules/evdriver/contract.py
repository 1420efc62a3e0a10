"""ISO 15118 contract certificates in Authorize (C07): the ``certificateStatus`` answered.

A station sends either the EV's contract certificate chain (PEM, ``certificate``: it could
not validate it, the CSMS must) or the OCSP data of a chain it validated itself
(``iso15118CertificateHashData``: the CSMS checks revocation). What is checked here:

* the PEM parses, every certificate is within its validity (``CertificateExpired``), and the
  chain leads, signature by signature, to an MO or V2G root the tenant holds
  (``certificates`` table): ``SignatureError`` for a bad signature, ``CertChainError`` for
  no path to a known root or an unreadable chain;
* revocation needs OCSP (C07.FR.05), which belongs to the certificates block: it is asked
  through a ``RevocationChecker`` with the OCSP request data (computed from the chain when
  the station sent the certificate, TC_C_52). Without a checker, or when the responder
  cannot tell, the status is ``NoCertificateAvailable``: the CSMS never claims ``Accepted``
  for what it could not verify. ``CertificateRevoked`` from the checker (C07.FR.16).

Whenever the certificate is refused, the token is answered ``Invalid`` (C07.FR.16).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID

from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.repositories import CertificateRepository

CertificateStatus = enums.AuthorizeCertificateStatusEnum
ROOT_TYPES = ("MORootCertificate", "V2GRootCertificate")
MAX_CHAIN = 5


class Revocation(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class RevocationChecker(Protocol):
    async def check(self, data: Sequence[datatypes.OCSPRequestData]) -> Revocation:
        """The OCSP verdict on the certificates described by ``data`` (leaf first)."""
        ...


class ChainProblem(Exception):
    def __init__(self, status: CertificateStatus) -> None:
        super().__init__(status.value)
        self.status = status


class ContractCertificates:
    def __init__(self, revocation: RevocationChecker | None = None) -> None:
        self._revocation = revocation

    async def status(
        self, session: Session, tenant_id: str, request: messages.AuthorizeRequest
    ) -> CertificateStatus | None:
        """None when the request has no contract certificate data at all."""
        hash_data = list(request.iso15118_certificate_hash_data or ())
        if request.certificate is None and not hash_data:
            return None
        if request.certificate is not None:
            roots = await self._roots(session, tenant_id)
            try:
                chain = verified_chain(request.certificate, roots, datetime.now(UTC))
            except ChainProblem as problem:
                return problem.status
            hash_data = hash_data or ocsp_request_data(chain)
        if self._revocation is None or not hash_data:
            return CertificateStatus.NO_CERTIFICATE_AVAILABLE
        verdict = await self._revocation.check(hash_data)
        return {
            Revocation.GOOD: CertificateStatus.ACCEPTED,
            Revocation.REVOKED: CertificateStatus.CERTIFICATE_REVOKED,
            Revocation.UNKNOWN: CertificateStatus.NO_CERTIFICATE_AVAILABLE,
        }[verdict]

    @staticmethod
    async def _roots(session: Session, tenant_id: str) -> list[x509.Certificate]:
        repository = CertificateRepository.from_session(session)
        roots: list[x509.Certificate] = []
        for certificate_type in ROOT_TYPES:
            for row in await repository.list(tenant_id, certificate_type=certificate_type):
                try:
                    roots.append(x509.load_pem_x509_certificate(row.pem.encode()))
                except ValueError:
                    continue  # a broken stored root is no root
        return roots


def verified_chain(
    pem: str, roots: Sequence[x509.Certificate], now: datetime
) -> list[x509.Certificate]:
    """The chain from the leaf up to (and with) a trusted root; raises ``ChainProblem``."""
    try:
        given = x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        raise ChainProblem(CertificateStatus.CERT_CHAIN_ERROR) from None
    chain = [given[0]]
    while len(chain) <= MAX_CHAIN:
        current = chain[-1]
        if not current.not_valid_before_utc <= now <= current.not_valid_after_utc:
            raise ChainProblem(CertificateStatus.CERTIFICATE_EXPIRED)
        root = _issuer(current, roots)
        if root is not None:
            if not root.not_valid_before_utc <= now <= root.not_valid_after_utc:
                raise ChainProblem(CertificateStatus.CERTIFICATE_EXPIRED)
            return [*chain, root]
        issuer = _issuer(current, given[1:])
        if issuer is None or issuer in chain:
            raise ChainProblem(CertificateStatus.CERT_CHAIN_ERROR)
        chain.append(issuer)
    raise ChainProblem(CertificateStatus.CERT_CHAIN_ERROR)


def _issuer(
    certificate: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The candidate that signed ``certificate``; ``SignatureError`` when the one named as
    its issuer did not sign it."""
    named = [c for c in candidates if c.subject == certificate.issuer]
    for candidate in named:
        try:
            certificate.verify_directly_issued_by(candidate)
        except InvalidSignature:
            continue
        except (ValueError, TypeError):  # not a CA key, unsupported algorithm
            continue
        return candidate
    if named:
        raise ChainProblem(CertificateStatus.SIGNATURE_ERROR)
    return None


def ocsp_request_data(chain: Sequence[x509.Certificate]) -> list[datatypes.OCSPRequestData]:
    """OCPP OCSPRequestData for each certificate below the root that names a responder."""
    found: list[datatypes.OCSPRequestData] = []
    for certificate, issuer in itertools.pairwise(chain):
        url = _responder_url(certificate)
        if url is None:
            continue
        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256())
        built = request.build()
        found.append(
            datatypes.OCSPRequestData(
                hash_algorithm=enums.HashAlgorithmEnum.SHA256,
                issuer_name_hash=built.issuer_name_hash.hex(),
                issuer_key_hash=built.issuer_key_hash.hex(),
                serial_number=format(built.serial_number, "x"),
                responder_url=url,
            )
        )
    return found[:4]


def _responder_url(certificate: x509.Certificate) -> str | None:
    try:
        access = certificate.extensions.get_extension_for_class(
            x509.AuthorityInformationAccess
        ).value
    except x509.ExtensionNotFound:
        return None
    for description in access:
        if description.access_method == AuthorityInformationAccessOID.OCSP and isinstance(
            description.access_location, x509.UniformResourceIdentifier
        ):
            url: str = description.access_location.value
            return url[:512]
    return None
