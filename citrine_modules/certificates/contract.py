"""Contract certificates for ISO 15118 Plug & Charge (M01/M02): a pluggable provider.

The station forwards the EV's CertificateInstallationReq / CertificateUpdateReq as base64 EXI;
a contract-certificate pool (an eMSP's or a Hubject-like service) answers with the EXI
response. ``ContractCertificateProvider`` is that seam. Two providers ship:

* ``NoContractProvider`` (no ``certificates.contract_provider_url``): Failed, with the reason;
* ``HttpContractProvider``: POSTs ``{"iso15118SchemaVersion", "action", "exiRequest"}`` as JSON
  to the configured URL and expects ``{"status": "Accepted"|"Failed", "exiResponse": "..."}``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import httpx

from citrine_base.ocpp.v201 import messages

MAX_EXI_RESPONSE = 7500  # the OCPP field's maxLength


@dataclass(frozen=True, slots=True)
class ContractAnswer:
    accepted: bool
    exi_response: str = ""
    reason: str = ""


class ContractCertificateProvider(ABC):
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    @abstractmethod
    async def answer(self, request: messages.Get15118EVCertificateRequest) -> ContractAnswer: ...


class NoContractProvider(ContractCertificateProvider):
    async def answer(self, request: messages.Get15118EVCertificateRequest) -> ContractAnswer:
        return ContractAnswer(False, reason="No contract certificate provider is configured")


class HttpContractProvider(ContractCertificateProvider):
    def __init__(self, url: str, timeout: float) -> None:
        self._url = url
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=self._timeout)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def answer(self, request: messages.Get15118EVCertificateRequest) -> ContractAnswer:
        if self._http is None:
            return ContractAnswer(False, reason="Contract provider not started")
        body = {
            "iso15118SchemaVersion": request.iso15118_schema_version,
            "action": request.action.value,
            "exiRequest": request.exi_request,
        }
        try:
            reply = await self._http.post(self._url, json=body)
        except httpx.HTTPError as error:
            return ContractAnswer(False, reason=f"Provider unreachable: {type(error).__name__}")
        if reply.status_code != 200:
            return ContractAnswer(False, reason=f"Provider answered HTTP {reply.status_code}")
        try:
            data = reply.json()
            status, exi = data["status"], data.get("exiResponse", "")
        except (ValueError, KeyError, TypeError):
            return ContractAnswer(False, reason="Provider answer is not the expected JSON")
        if not isinstance(exi, str) or len(exi) > MAX_EXI_RESPONSE:
            return ContractAnswer(False, reason="Provider's exiResponse is missing or too long")
        return ContractAnswer(status == "Accepted", exi, "" if status == "Accepted" else status)
