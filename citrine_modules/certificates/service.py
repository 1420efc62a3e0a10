"""Certificates installed on stations (M03-M05), kept in step with what the stations answer.

Every InstallCertificate, DeleteCertificate and GetInstalledCertificateIds outcome is recorded
(``certificate_operations``), however it was sent. The installed-certificate table follows:
a GetInstalledCertificateIds answer is the whole truth for the types it asked for (NotFound:
none of them, TC_M_19); an accepted delete removes the hash (and so does NotFound: the station
does not have it); an accepted install adds its hash when the issuer is known (a root, or a
certificate the CSMS holds), else the next GetInstalledCertificateIds brings it.
"""

from __future__ import annotations

from enum import StrEnum

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.repositories import (
    CertificateOperationRepository,
    CertificateRepository,
    ChargingStationRepository,
    InstalledCertificateRepository,
)
from citrine_data.repositories.certificate import CertificateHash, OperationData
from citrine_modules.certificates.authority_store import CA_TYPE
from citrine_modules.rest import Unprocessable
from citrine_util.certificates.x509 import (
    CertificateProblem,
    check_validity,
    find_issuer,
    hash_data,
    load_certificate,
    load_chain,
)
from citrine_util.handler_runner import CallOutcome


def to_hash(data: datatypes.CertificateHashData) -> CertificateHash:
    """Kept exactly as the station wrote it: a DeleteCertificate must send it back unchanged
    (M04.FR.07, same hashAlgorithm; stations compare the strings)."""
    return CertificateHash(
        hash_algorithm=data.hash_algorithm.value,
        issuer_name_hash=data.issuer_name_hash,
        issuer_key_hash=data.issuer_key_hash,
        serial_number=data.serial_number,
    )


def check_installable(pem: str) -> None:
    """``Unprocessable`` unless ``pem`` is one certificate valid now (M05)."""
    try:
        check_validity(load_certificate(pem))
    except CertificateProblem as problem:
        raise Unprocessable(f"Cannot install this certificate: {problem}") from None


def _status_of(outcome: CallOutcome) -> tuple[str, dict[str, str] | None]:
    response = outcome.response
    if response is None:
        return outcome.error_code or "error", None
    status = getattr(response, "status", None)
    info = getattr(response, "status_info", None)
    value = status.value if isinstance(status, StrEnum) else str(status)
    return value, info.to_wire() if isinstance(info, datatypes.StatusInfo) else None


class InstalledCertificateService:
    async def record(self, outcome: CallOutcome) -> None:
        """Store the outcome of an M03-M05 CALL and apply it to the installed certificates."""
        station = await ChargingStationRepository.from_session(outcome.session).get_by_key(
            outcome.station
        )
        if station is None:
            return
        status, info = _status_of(outcome)
        request = outcome.request
        data = OperationData(action=outcome.action, status=status, status_info=info)
        if isinstance(request, messages.InstallCertificateRequest):
            data = OperationData(
                action=outcome.action,
                status=status,
                status_info=info,
                certificate_type=request.certificate_type.value,
                certificate=request.certificate,
            )
            if status == "Accepted":
                await self._installed(outcome.session, outcome.station, station.id, request)
        elif isinstance(request, messages.DeleteCertificateRequest):
            data = OperationData(
                action=outcome.action,
                status=status,
                status_info=info,
                hash_data=request.certificate_hash_data.to_wire(),
            )
            if status in ("Accepted", "NotFound"):
                await InstalledCertificateRepository.from_session(outcome.session).remove(
                    station.id, to_hash(request.certificate_hash_data)
                )
        elif isinstance(request, messages.GetInstalledCertificateIdsRequest):
            types = [t.value for t in request.certificate_type or []]
            data = OperationData(
                action=outcome.action,
                status=status,
                status_info=info,
                certificate_type=",".join(types)[:40] or None,
            )
            if isinstance(outcome.response, messages.GetInstalledCertificateIdsResponse):
                await self._mirror(outcome.session, station.id, types, outcome.response)
        await CertificateOperationRepository.from_session(outcome.session).record(station.id, data)

    async def _installed(
        self,
        session: Session,
        key: StationKey,
        station_pk: int,
        request: messages.InstallCertificateRequest,
    ) -> None:
        try:
            certificate = load_chain(request.certificate)[0]
        except CertificateProblem:
            return
        # Roots are their own issuers; otherwise only our CAs can have issued it.
        held = await CertificateRepository.from_session(session).list(
            key.tenant_id, certificate_type=CA_TYPE
        )
        candidates = [c for row in held for c in load_chain(row.pem)]
        issuer = find_issuer(certificate, candidates)
        if issuer is None:
            return
        computed = hash_data(certificate, issuer)
        await InstalledCertificateRepository.from_session(session).record(
            station_pk,
            request.certificate_type.value,
            CertificateHash(
                hash_algorithm=computed.hash_algorithm,
                issuer_name_hash=computed.issuer_name_hash,
                issuer_key_hash=computed.issuer_key_hash,
                serial_number=computed.serial_number,
            ),
        )

    async def _mirror(
        self,
        session: Session,
        station_pk: int,
        types: list[str],
        response: messages.GetInstalledCertificateIdsResponse,
    ) -> None:
        if response.status is not enums.GetInstalledCertificateStatusEnum.ACCEPTED:
            installed: list[tuple[str, CertificateHash]] = []
        else:
            installed = [
                (chain.certificate_type.value, to_hash(chain.certificate_hash_data))
                for chain in response.certificate_hash_data_chain or []
            ]
        await InstalledCertificateRepository.from_session(session).replace_all(
            station_pk, installed, types=types or None
        )


installed_service = InstalledCertificateService()
