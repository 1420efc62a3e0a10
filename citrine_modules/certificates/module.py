"""Certificates module (block A02/A03 and block M): the CSMS's CA, OCSP, contract certificates,
and the certificates installed on stations.

Handles: SignCertificate, GetCertificateStatus, Get15118EVCertificate.
Sends: CertificateSigned (after an accepted SignCertificate), InstallCertificate,
GetInstalledCertificateIds, DeleteCertificate; TriggerMessage SignChargingStationCertificate /
SignV2GCertificate through its renew endpoint.
Records the outcome of every InstallCertificate, DeleteCertificate and
GetInstalledCertificateIds, however it was sent.
"""

from __future__ import annotations

import base64

import httpx
import structlog
from fastapi import APIRouter
from pydantic import ValidationError

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_data import unit_of_work
from citrine_data.repositories import CertificateSigningRepository
from citrine_modules.certificates.api import router
from citrine_modules.certificates.authority_store import AuthorityStore
from citrine_modules.certificates.contract import (
    ContractCertificateProvider,
    HttpContractProvider,
    NoContractProvider,
)
from citrine_modules.certificates.service import installed_service
from citrine_modules.certificates.signing import Delivery, signing_service
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_util.certificates import ocsp
from citrine_util.certificates.authority import CertificateAuthority
from citrine_util.handler_runner import CallOutcome, HandlerContext

log = structlog.get_logger(__name__)

MAX_OCSP_RESULT = 5500  # the base64 field's maxLength


def _status_info(code: str, reason: str) -> datatypes.StatusInfo:
    return datatypes.StatusInfo(reason_code=code[:20], additional_info=reason[:512])


class CertificatesModule(CsmsModule):
    name = "certificates"
    sends = (
        Action.CERTIFICATE_SIGNED,
        Action.INSTALL_CERTIFICATE,
        Action.GET_INSTALLED_CERTIFICATE_IDS,
        Action.DELETE_CERTIFICATE,
    )

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        self._authority: CertificateAuthority | None = None
        self._http: httpx.AsyncClient | None = None
        config = deps.config.certificates
        self.contracts: ContractCertificateProvider = (
            HttpContractProvider(config.contract_provider_url, config.ocsp_timeout)
            if config.contract_provider_url
            else NoContractProvider()
        )

    @property
    def authority(self) -> CertificateAuthority:
        if self._authority is None:
            raise RuntimeError("The certificates module has not started")
        return self._authority

    async def start(self) -> None:
        store = AuthorityStore(
            self.deps.config.certificates,
            self.deps.config.tenant_id,
            self.deps.sessions,
            self.deps.storage,
            self.deps.cache,
            self.deps.config.instance_id,
        )
        self._authority = await store.load()
        self._http = httpx.AsyncClient()
        await self.contracts.start()

    async def stop(self) -> None:
        await self.contracts.stop()
        if self._http is not None:
            await self._http.aclose()

    def routers(self) -> list[APIRouter]:
        return [router]

    @as_handler(Action.SIGN_CERTIFICATE)
    async def sign_certificate(
        self, ctx: HandlerContext, request: messages.SignCertificateRequest
    ) -> messages.SignCertificateResponse:
        response, delivery = await signing_service.sign_request(
            ctx.session, ctx.station, request, self.authority, self.deps.config.certificates
        )
        if delivery is not None:
            station = ctx.station

            async def deliver_after_answer() -> None:
                # A task: the CertificateSigned CALL must follow the answer, not block it.
                self.deps.tasks.spawn(self._deliver(station, delivery), "certificate-signed")

            ctx.after_commit(deliver_after_answer)
        return response

    async def _deliver(self, station: StationKey, delivery: Delivery) -> None:
        """Send CertificateSigned with the chain and the requested type (A02.FR.14); record
        the station's verdict (Rejected: TC_A_14) or why it never got there."""
        info: str | None
        try:
            request = messages.CertificateSignedRequest(
                certificate_chain=delivery.chain_pem, certificate_type=delivery.certificate_type
            )
            response = await self.deps.commands.call(station, Action.CERTIFICATE_SIGNED, request)
        except ValidationError:
            status, info = "local:chain_too_long", "The chain exceeds 10000 characters"
        except OcppError as error:
            status, info = error.code.value, error.description
        except CallFailed as failure:
            status, info = f"local:{failure.reason}", str(failure)
        else:
            assert isinstance(response, messages.CertificateSignedResponse)
            status, info = response.status.value, None
            if response.status_info is not None:
                info = response.status_info.additional_info or response.status_info.reason_code
        async with unit_of_work(self.deps.sessions) as uow:
            await CertificateSigningRepository.from_session(uow.session).set_delivery(
                delivery.signing_pk, status, info
            )
        log.info("certificates.delivered", station_id=station.station_id, status=status)

    @as_handler(Action.GET_CERTIFICATE_STATUS)
    async def get_certificate_status(
        self, ctx: HandlerContext, request: messages.GetCertificateStatusRequest
    ) -> messages.GetCertificateStatusResponse:
        """M06: a real OCSP request to the responder the station names."""
        data = request.ocsp_request_data
        cert_id = ocsp.CertId(
            data.hash_algorithm.value,
            data.issuer_name_hash,
            data.issuer_key_hash,
            data.serial_number,
        )
        failed = enums.GetCertificateStatusEnum.FAILED
        assert self._http is not None, "handlers run only after start()"
        try:
            der = await ocsp.fetch(
                self._http, data.responder_url, cert_id, self.deps.config.certificates.ocsp_timeout
            )
        except ocsp.OcspFailed as problem:
            return messages.GetCertificateStatusResponse(
                status=failed, status_info=_status_info("OCSPFailed", str(problem))
            )
        result = base64.b64encode(der).decode()
        if len(result) > MAX_OCSP_RESULT:
            info = _status_info("OCSPTooLarge", f"{len(result)} base64 characters; 5500 fit")
            return messages.GetCertificateStatusResponse(status=failed, status_info=info)
        return messages.GetCertificateStatusResponse(
            status=enums.GetCertificateStatusEnum.ACCEPTED, ocsp_result=result
        )

    @as_handler(Action.GET_15118_EV_CERTIFICATE)
    async def get_15118_ev_certificate(
        self, ctx: HandlerContext, request: messages.Get15118EVCertificateRequest
    ) -> messages.Get15118EVCertificateResponse:
        """M01/M02: the EV's request goes to the contract-certificate provider."""
        answer = await self.contracts.answer(request)
        if answer.accepted:
            return messages.Get15118EVCertificateResponse(
                status=enums.Iso15118EVCertificateStatusEnum.ACCEPTED,
                exi_response=answer.exi_response,
            )
        return messages.Get15118EVCertificateResponse(
            status=enums.Iso15118EVCertificateStatusEnum.FAILED,
            exi_response=answer.exi_response,
            status_info=_status_info("NoCertificate", answer.reason),
        )

    @as_result_handler(Action.INSTALL_CERTIFICATE)
    async def certificate_installed(self, outcome: CallOutcome) -> None:
        await installed_service.record(outcome)

    @as_result_handler(Action.DELETE_CERTIFICATE)
    async def certificate_deleted(self, outcome: CallOutcome) -> None:
        await installed_service.record(outcome)

    @as_result_handler(Action.GET_INSTALLED_CERTIFICATE_IDS)
    async def installed_ids_reported(self, outcome: CallOutcome) -> None:
        await installed_service.record(outcome)
