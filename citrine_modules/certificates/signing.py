"""SignCertificate (A02/A03): answer Accepted only for a CSR the CA can sign, sign it, and say
what to deliver with CertificateSigned once the answer is on the wire.

Accepted needs (A02.FR.11): a valid CSR signature; RSA >= 2048 or EC >= 224 bits (and, for a
V2GCertificate, the secp256r1 curve ISO 15118-2 prescribes); CN = the station's serial number
from its BootNotification (A00.FR.405; its identity when it reported none, or with
``certificates.common_name = "station_id"``); O = ``certificates.organization`` (A00.FR.404).
Anything else is Rejected with the reason, in statusInfo and in the signing record.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from citrine_base.config import CertificatesConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import ChargingStation
from citrine_data.repositories import (
    CertificateRepository,
    CertificateSigningRepository,
    ChargingStationRepository,
)
from citrine_modules.certificates.authority_store import certificate_data
from citrine_util.certificates.authority import CertificateAuthority, CsrSubject, check_csr
from citrine_util.certificates.x509 import CertificateProblem, to_pem

Use = enums.CertificateSigningUseEnum
Status = enums.GenericStatusEnum


@dataclass(frozen=True, slots=True)
class Delivery:
    """What CertificateSigned carries, and the signing record it completes."""

    signing_pk: int
    chain_pem: str
    certificate_type: Use | None


def expected_subject(
    config: CertificatesConfig, station: ChargingStation, key: StationKey
) -> CsrSubject:
    if config.common_name == "serial_number" and station.serial_number:
        return CsrSubject(station.serial_number, config.organization)
    return CsrSubject(key.station_id, config.organization)


def _check_purpose(csr: x509.CertificateSigningRequest, use: Use | None) -> None:
    if use is Use.V2G_CERTIFICATE:
        key = csr.public_key()
        if not (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"):
            raise CertificateProblem("A V2GCertificate needs an EC secp256r1 key (ISO 15118-2)")


class SigningService:
    async def sign_request(
        self,
        session: Session,
        key: StationKey,
        request: messages.SignCertificateRequest,
        authority: CertificateAuthority,
        config: CertificatesConfig,
    ) -> tuple[messages.SignCertificateResponse, Delivery | None]:
        station = await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)
        use = request.certificate_type
        signings = CertificateSigningRepository.from_session(session)
        try:
            csr = check_csr(request.csr, expected_subject(config, station, key))
            _check_purpose(csr, use)
        except CertificateProblem as problem:
            reason = str(problem)[:255]
            await signings.create(
                station.id, certificate_type=use, csr=request.csr, status="Rejected", reason=reason
            )
            info = datatypes.StatusInfo(reason_code="InvalidCSR", additional_info=reason)
            return messages.SignCertificateResponse(status=Status.REJECTED, status_info=info), None
        certificate = authority.sign(
            csr,
            config.certificate_days,
            station=use is not Use.V2G_CERTIFICATE,
            v2g=use is not Use.CHARGING_STATION_CERTIFICATE,
        )
        stored = await CertificateRepository.from_session(session).add(
            key.tenant_id,
            certificate_data(
                certificate, (use or Use.CHARGING_STATION_CERTIFICATE).value, station_pk=station.id
            ),
        )
        signing = await signings.create(
            station.id,
            certificate_type=use,
            csr=request.csr,
            status="Accepted",
            certificate_pk=stored.id,
        )
        chain = to_pem(certificate) + authority.chain_pem
        return (
            messages.SignCertificateResponse(status=Status.ACCEPTED),
            Delivery(signing.id, chain, use),
        )


signing_service = SigningService()
