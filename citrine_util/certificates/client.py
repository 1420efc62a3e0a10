"""Security profile 3: does a TLS client certificate belong to the station that presents it?

The TLS layer has already checked the chain to the configured CA (OpenSSL, at the handshake)
but not the time (``X509_V_FLAG_NO_CHECK_TIME``: an expired certificate reaches us, so that the
refusal names the station and is stored as its security event). Here: validity now (of the
CAs of the chain too, when Python gives it: 3.13 and later), O equal to
the operator's organisation (A00.FR.404) and CN: the station's serial number (A00.FR.405,
compared with BootNotification later, B01.FR.11/12) or, when so configured, its identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from citrine_util.certificates.x509 import CertificateProblem, check_validity


@dataclass(frozen=True, slots=True)
class StationCertificate:
    common_name: str
    serial_to_match: str | None  # the CN when it carries the serial number, for the boot check


def _single(name: x509.Name, oid: x509.ObjectIdentifier, label: str) -> str:
    values = [str(attribute.value) for attribute in name.get_attributes_for_oid(oid)]
    if len(values) != 1:
        raise CertificateProblem(f"The certificate must carry one {label}, found {len(values)}")
    return values[0]


def _check_issuers(chain: Sequence[bytes], at: datetime) -> None:
    for der in chain[1:]:
        try:
            issuer = x509.load_der_x509_certificate(der)
        except ValueError as error:
            raise CertificateProblem(f"Unreadable certificate in the chain: {error}") from None
        try:
            check_validity(issuer, at)
        except CertificateProblem as problem:
            raise CertificateProblem(f"{issuer.subject.rfc4514_string()}: {problem}") from None


def check_station_certificate(
    der: bytes,
    identity: str,
    *,
    organization: str,
    common_name: Literal["serial_number", "station_id"],
    at: datetime,
    chain: Sequence[bytes] = (),
) -> StationCertificate:
    """The checked certificate, or ``CertificateProblem`` saying why it is refused.

    ``chain`` (leaf first) is the verified chain when the TLS layer can give it: the dates of
    the CAs in it are checked too.
    """
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise CertificateProblem(f"Unreadable client certificate: {error}") from None
    check_validity(certificate, at)
    _check_issuers(chain, at)
    found_organization = _single(certificate.subject, NameOID.ORGANIZATION_NAME, "O")
    if found_organization != organization:
        raise CertificateProblem(f"O is {found_organization!r}, expected {organization!r}")
    cn = _single(certificate.subject, NameOID.COMMON_NAME, "CN")
    if common_name == "station_id":
        if cn != identity:
            raise CertificateProblem(f"CN {cn!r} is not the station identity {identity!r}")
        return StationCertificate(cn, None)
    return StationCertificate(cn, cn)
