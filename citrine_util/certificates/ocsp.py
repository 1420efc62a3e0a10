"""OCSP over HTTP (RFC 6960, RFC 5019 POST): what GetCertificateStatus asks the CSMS for (M06).

The station names the certificate by hashes (issuer name, issuer key, serial) and gives the
responder's URL; the CSMS builds the DER request from those, POSTs it, checks that the answer
is a successful OCSP response about that certificate, and returns its DER bytes for the station
to verify itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

_ALGORITHMS: dict[str, hashes.HashAlgorithm] = {
    "SHA256": hashes.SHA256(),
    "SHA384": hashes.SHA384(),
    "SHA512": hashes.SHA512(),
}
MAX_RESPONSE_BYTES = 64 * 1024  # an OCSP response is a few kB; the OCPP field holds 5500 base64


class OcspFailed(Exception):
    """No usable OCSP answer; the message is the reason given to the station."""


@dataclass(frozen=True, slots=True)
class CertId:
    hash_algorithm: str
    issuer_name_hash: str  # hex
    issuer_key_hash: str  # hex
    serial_number: str  # hex


def build_request(cert_id: CertId) -> bytes:
    algorithm = _ALGORITHMS.get(cert_id.hash_algorithm)
    if algorithm is None:
        raise OcspFailed(f"Unsupported hash algorithm {cert_id.hash_algorithm}")
    try:
        name_hash = bytes.fromhex(cert_id.issuer_name_hash)
        key_hash = bytes.fromhex(cert_id.issuer_key_hash)
        serial = int(cert_id.serial_number, 16)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate_by_hash(name_hash, key_hash, serial, algorithm)
            .build()
        )
    except ValueError as error:
        raise OcspFailed(f"Invalid certificate hash data: {error}") from None
    return request.public_bytes(serialization.Encoding.DER)


def check_response(der: bytes, cert_id: CertId) -> ocsp.OCSPResponse:
    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError:
        raise OcspFailed("The responder's answer is not an OCSP response") from None
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspFailed(f"The responder answered {response.response_status.name}")
    serial = int(cert_id.serial_number, 16)
    if not any(single.serial_number == serial for single in response.responses):
        raise OcspFailed("The OCSP response is about another certificate")
    return response


async def fetch(client: httpx.AsyncClient, url: str, cert_id: CertId, timeout: float) -> bytes:
    """The DER OCSP response for ``cert_id`` from the responder at ``url``, or ``OcspFailed``."""
    if not url.startswith(("http://", "https://")):
        raise OcspFailed(f"Responder URL is not HTTP: {url[:100]}")
    body = build_request(cert_id)
    try:
        async with client.stream(
            "POST",
            url,
            content=body,
            headers={"content-type": "application/ocsp-request"},
            timeout=timeout,
        ) as reply:
            if reply.status_code != 200:
                raise OcspFailed(f"The responder answered HTTP {reply.status_code}")
            der = await _read_limited(reply)
    except httpx.TimeoutException:
        raise OcspFailed(f"The responder did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise OcspFailed(f"The responder could not be reached: {type(error).__name__}") from None
    check_response(der, cert_id)
    return der


async def _read_limited(reply: httpx.Response) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in reply.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise OcspFailed("The responder's answer is too large")
        parts.append(chunk)
    return b"".join(parts)
