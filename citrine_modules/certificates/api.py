"""REST of the certificates module: the CA, signing history, and per station the installed
certificates with install / refresh / delete (M03-M05) and certificate renewal (A02).

Endpoints that talk to a station answer with the station's OCPP answer (camelCase, as on the
wire) or with the error of ``citrine_modules.station_calls``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_data.repositories import (
    CertificateOperationRepository,
    CertificateRepository,
    CertificateSigningRepository,
    InstalledCertificateRepository,
)
from citrine_modules.certificates.authority_store import CA_TYPE
from citrine_modules.certificates.schemas import (
    CertificateOut,
    InstalledOut,
    InstallIn,
    OperationOut,
    RefreshIn,
    RenewIn,
    SigningOut,
)
from citrine_modules.certificates.service import check_installable
from citrine_modules.rest import NotFoundError, Operator, PageOut, Paging, Reader, Uow
from citrine_modules.station_calls import Commands, call_station, station_or_404

router = APIRouter(tags=["certificates"])

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]
_TRIGGER = {
    enums.CertificateSigningUseEnum.CHARGING_STATION_CERTIFICATE: (
        enums.MessageTriggerEnum.SIGN_CHARGING_STATION_CERTIFICATE
    ),
    enums.CertificateSigningUseEnum.V2G_CERTIFICATE: enums.MessageTriggerEnum.SIGN_V2G_CERTIFICATE,
}


@router.get("/certificates/authority", response_model=CertificateOut)
async def get_authority(principal: Reader, uow: Uow, tenant: TenantQuery = None) -> CertificateOut:
    """The CA that signs station certificates (its certificate only)."""
    tenant_id = principal.tenant_for(tenant)
    certificate = await CertificateRepository.from_session(uow.session).latest(tenant_id, CA_TYPE)
    if certificate is None:
        raise NotFoundError("This tenant has no certificate authority")
    return CertificateOut.model_validate(certificate)


@router.get("/certificates/{certificate_id}", response_model=CertificateOut)
async def get_certificate(
    certificate_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> CertificateOut:
    repository = CertificateRepository.from_session(uow.session)
    certificate = await repository.get_by_id(principal.tenant_for(tenant), certificate_id)
    if certificate is None:
        raise NotFoundError(f"No certificate {certificate_id}")
    return CertificateOut.model_validate(certificate)


@router.get("/stations/{station_id}/certificate-signings", response_model=PageOut[SigningOut])
async def list_signings(
    station_id: str, principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[SigningOut]:
    """Every SignCertificate of the station: our answer, and the CertificateSigned outcome."""
    station = await station_or_404(
        uow.session, StationKey(principal.tenant_for(tenant), station_id)
    )
    page = await CertificateSigningRepository.from_session(uow.session).list(
        station.id, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, SigningOut.model_validate)


@router.get("/stations/{station_id}/certificate-operations", response_model=PageOut[OperationOut])
async def list_operations(
    station_id: str, principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
) -> PageOut[OperationOut]:
    station = await station_or_404(
        uow.session, StationKey(principal.tenant_for(tenant), station_id)
    )
    page = await CertificateOperationRepository.from_session(uow.session).list(
        station.id, limit=paging.limit, offset=paging.offset
    )
    return PageOut.of(page, OperationOut.model_validate)


@router.get("/stations/{station_id}/certificates/installed", response_model=list[InstalledOut])
async def list_installed(
    station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
) -> list[InstalledOut]:
    """What the station last reported (or was seen to install)."""
    station = await station_or_404(
        uow.session, StationKey(principal.tenant_for(tenant), station_id)
    )
    rows = await InstalledCertificateRepository.from_session(uow.session).list(station.id)
    return [InstalledOut.model_validate(row) for row in rows]


@router.post("/stations/{station_id}/certificates/renew")
async def renew_certificate(
    station_id: str,
    body: RenewIn,
    commands: Commands,
    principal: Operator,
    uow: Uow,
    tenant: TenantQuery = None,
) -> JSONResponse:
    """A02: TriggerMessage for a new CSR; the CSMS signs it and sends CertificateSigned."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    await station_or_404(uow.session, key)
    requested = (
        enums.MessageTriggerEnum.SIGN_COMBINED_CERTIFICATE
        if body.combined
        else _TRIGGER[body.certificate_type]
    )
    trigger = messages.TriggerMessageRequest(requested_message=requested)
    answer = await call_station(
        commands, key, Action.TRIGGER_MESSAGE, trigger, messages.TriggerMessageResponse
    )
    return JSONResponse(answer.to_wire())


@router.post("/stations/{station_id}/certificates/install")
async def install_certificate(
    station_id: str,
    body: InstallIn,
    commands: Commands,
    principal: Operator,
    uow: Uow,
    tenant: TenantQuery = None,
) -> JSONResponse:
    """M05 (TC_M_01-M_05): the outcome is recorded in the certificate operations."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    await station_or_404(uow.session, key)
    check_installable(body.certificate)
    install = messages.InstallCertificateRequest(
        certificate_type=body.certificate_type, certificate=body.certificate
    )
    answer = await call_station(
        commands,
        key,
        Action.INSTALL_CERTIFICATE,
        install,
        messages.InstallCertificateResponse,
    )
    return JSONResponse(answer.to_wire())


@router.post("/stations/{station_id}/certificates/installed/refresh")
async def refresh_installed(
    station_id: str,
    body: RefreshIn,
    commands: Commands,
    principal: Operator,
    uow: Uow,
    tenant: TenantQuery = None,
) -> JSONResponse:
    """M03 (TC_M_12-M_19): GetInstalledCertificateIds; its answer replaces the stored list."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    await station_or_404(uow.session, key)
    ask = messages.GetInstalledCertificateIdsRequest(certificate_type=body.certificate_type)
    answer = await call_station(
        commands,
        key,
        Action.GET_INSTALLED_CERTIFICATE_IDS,
        ask,
        messages.GetInstalledCertificateIdsResponse,
    )
    return JSONResponse(answer.to_wire())


@router.delete("/stations/{station_id}/certificates/installed/{installed_id}")
async def delete_installed(
    station_id: str,
    installed_id: int,
    commands: Commands,
    principal: Operator,
    uow: Uow,
    tenant: TenantQuery = None,
) -> JSONResponse:
    """M04 (TC_M_20/M_21): DeleteCertificate with the hash data exactly as the station reported
    it, hash algorithm included (M04.FR.07)."""
    key = StationKey(principal.tenant_for(tenant), station_id)
    station = await station_or_404(uow.session, key)
    installed = await InstalledCertificateRepository.from_session(uow.session).get(
        station.id, installed_id
    )
    if installed is None:
        raise NotFoundError(f"No installed certificate {installed_id} on {station_id}")
    delete = messages.DeleteCertificateRequest(
        certificate_hash_data=datatypes.CertificateHashData(
            hash_algorithm=enums.HashAlgorithmEnum(installed.hash_algorithm),
            issuer_name_hash=installed.issuer_name_hash,
            issuer_key_hash=installed.issuer_key_hash,
            serial_number=installed.serial_number,
        )
    )
    answer = await call_station(
        commands, key, Action.DELETE_CERTIFICATE, delete, messages.DeleteCertificateResponse
    )
    return JSONResponse(answer.to_wire())
