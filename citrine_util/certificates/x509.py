"""X.509 helpers shared by the certificate services and the TLS layer (library
``cryptography``): PEM chains, OCPP certificate hash data, key strength rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes

MIN_RSA_BITS = 2048  # A00.FR.507 and following: RSA >= 2048 or EC >= 224 bits
MIN_EC_BITS = 224
_HASHES = {"SHA256": hashlib.sha256, "SHA384": hashlib.sha384, "SHA512": hashlib.sha512}


class CertificateProblem(ValueError):
    """A certificate, chain or request that cannot be used; the message says why."""


def load_chain(pem: str) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, in order; ``CertificateProblem`` when none parses."""
    try:
        chain = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as error:
        raise CertificateProblem(f"Not a PEM certificate: {error}") from None
    if not chain:
        raise CertificateProblem("No certificate in the PEM text")
    return chain


def load_certificate(pem: str) -> x509.Certificate:
    chain = load_chain(pem)
    if len(chain) != 1:
        raise CertificateProblem(f"Expected one certificate, got {len(chain)}")
    return chain[0]


def to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def serial_hex(certificate: x509.Certificate) -> str:
    """The serial number as OCPP writes it: hexadecimal without leading zeroes (M03)."""
    return format(certificate.serial_number, "x")


def is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except Exception:  # InvalidSignature, or a key type that cannot verify
        return False
    return True


def check_key_strength(key: object) -> None:
    """``CertificateProblem`` unless ``key`` is RSA >= 2048 or EC >= 224 bits."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CertificateProblem(f"RSA key of {key.key_size} bits; at least 2048 needed")
        return
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise CertificateProblem(f"EC key of {key.curve.key_size} bits; at least 224 needed")
        return
    raise CertificateProblem(f"Unsupported key type {type(key).__name__}; RSA or EC needed")


def check_validity(certificate: x509.Certificate, at: datetime | None = None) -> None:
    moment = at or datetime.now(UTC)
    if certificate.not_valid_before_utc > moment:
        raise CertificateProblem(f"Not valid before {certificate.not_valid_before_utc}")
    if certificate.not_valid_after_utc < moment:
        raise CertificateProblem(f"Expired on {certificate.not_valid_after_utc}")


def public_key_bytes(key: CertificateIssuerPublicKeyTypes) -> bytes:
    """The subjectPublicKey BIT STRING content, which OCPP's issuerKeyHash hashes."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


@dataclass(frozen=True, slots=True)
class HashData:
    """OCPP CertificateHashDataType: identifies a certificate as OCSP does (RFC 6960 CertID)."""

    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str


def hash_data(
    certificate: x509.Certificate,
    issuer: x509.Certificate | None = None,
    algorithm: str = "SHA256",
) -> HashData:
    """The hash data of ``certificate``; ``issuer`` defaults to itself (a root)."""
    digest = _HASHES.get(algorithm)
    if digest is None:
        raise CertificateProblem(f"Unknown hash algorithm {algorithm}")
    issuer = issuer or certificate
    if certificate.issuer != issuer.subject:
        raise CertificateProblem("The given issuer did not issue this certificate")
    issuer_key = issuer.public_key()
    if not isinstance(issuer_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise CertificateProblem("Issuer key is neither RSA nor EC")
    return HashData(
        hash_algorithm=algorithm,
        issuer_name_hash=digest(certificate.issuer.public_bytes()).hexdigest(),
        issuer_key_hash=digest(public_key_bytes(issuer_key)).hexdigest(),
        serial_number=serial_hex(certificate),
    )


def find_issuer(
    certificate: x509.Certificate, candidates: list[x509.Certificate]
) -> x509.Certificate | None:
    """The candidate that signed ``certificate`` (itself for a root), or None."""
    if is_self_signed(certificate):
        return certificate
    for candidate in candidates:
        if candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except Exception:
            continue
        return candidate
    return None
