"""A certificate authority in the CSMS: checks station CSRs and signs them (A02/A03).

``CertificateAuthority`` holds a CA certificate (with the chain up to its root, if it is a
sub-CA) and its private key, either loaded from configured files or generated at first start.
It is pure ``cryptography``: storing the key is the caller's business.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from citrine_util.certificates.x509 import (
    CertificateProblem,
    check_key_strength,
    load_chain,
    to_pem,
)

CaKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
BACKDATE = timedelta(minutes=5)  # tolerate stations whose clock runs a little behind


@dataclass(frozen=True, slots=True)
class CsrSubject:
    common_name: str
    organization: str


def load_private_key(pem: bytes, password: str | None) -> CaKey:
    try:
        key = serialization.load_pem_private_key(pem, password.encode() if password else None)
    except (ValueError, TypeError) as error:
        raise CertificateProblem(f"Cannot read the CA key: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateProblem("The CA key must be RSA or EC")
    return key


def private_key_pem(key: CaKey, password: str | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def check_csr(pem: str, expected: CsrSubject) -> x509.CertificateSigningRequest:
    """The CSR if the CSMS can sign it, else ``CertificateProblem`` saying why (A02.FR.11).

    A signature that verifies, a strong enough key, CN equal to the station's serial number
    (or identity) and O equal to the operator's organisation (A00.FR.404/405).
    """
    try:
        csr = x509.load_pem_x509_csr(pem.encode())
    except ValueError as error:
        raise CertificateProblem(f"Not a PEM certificate signing request: {error}") from None
    if not csr.is_signature_valid:
        raise CertificateProblem("The CSR's signature does not verify")
    check_key_strength(csr.public_key())
    common_names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    organizations = csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if [a.value for a in common_names] != [expected.common_name]:
        found = ", ".join(str(a.value) for a in common_names) or "none"
        raise CertificateProblem(f"CN must be {expected.common_name!r}, found {found}")
    if [a.value for a in organizations] != [expected.organization]:
        found = ", ".join(str(a.value) for a in organizations) or "none"
        raise CertificateProblem(f"O must be {expected.organization!r}, found {found}")
    return csr


class CertificateAuthority:
    def __init__(self, chain: list[x509.Certificate], key: CaKey) -> None:
        if not chain:
            raise CertificateProblem("A CA needs its certificate")
        certificate = chain[0]
        if certificate.public_key() != key.public_key():
            raise CertificateProblem("The CA key does not belong to the CA certificate")
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        if not constraints.value.ca:
            raise CertificateProblem("The CA certificate is not a CA (BasicConstraints)")
        self.certificate = certificate
        self.chain = chain
        self.key = key

    @classmethod
    def from_pem(cls, chain_pem: str, key_pem: bytes, password: str | None) -> CertificateAuthority:
        return cls(load_chain(chain_pem), load_private_key(key_pem, password))

    @classmethod
    def generate(cls, organization: str, days: int) -> CertificateAuthority:
        """A new self-signed root (EC P-256): the embedded default when none is configured."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} Charging Station CA"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            ]
        )
        now = datetime.now(UTC)
        subject_key = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(subject_key, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(subject_key),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        return cls([certificate], key)

    @property
    def chain_pem(self) -> str:
        return "".join(to_pem(certificate) for certificate in self.chain)

    def sign(
        self,
        csr: x509.CertificateSigningRequest,
        days: int,
        *,
        station: bool = True,
        v2g: bool = False,
    ) -> x509.Certificate:
        """A certificate for the CSR's subject and key: for the station's TLS client side
        towards the CSMS (clientAuth), for ISO 15118 (V2G: the SECC is the TLS server towards
        the EV, serverAuth), or both (a SignCertificate without certificateType)."""
        now = datetime.now(UTC)
        not_after = min(now + timedelta(days=days), self.certificate.not_valid_after_utc)
        public_key = csr.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise CertificateProblem("Only RSA and EC keys are signed")
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if station else []
        usages += [ExtendedKeyUsageOID.SERVER_AUTH] if v2g else []
        if not usages:
            raise CertificateProblem("A certificate needs a purpose")
        issuer_key = self.certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value
        return (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            # 159 random bits: unpredictable, positive, within the 20 octets RFC 5280 allows.
            .serial_number(secrets.randbits(159) | 1)
            .not_valid_before(now - BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_key_usage(public_key), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_key),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> x509.KeyUsage:
    is_ec = isinstance(public_key, ec.EllipticCurvePublicKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not is_ec,
        data_encipherment=False,
        key_agreement=is_ec,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
