"""ISO 15118 contract certificates in Authorize (C07): real certificate chains made here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from citrine_base.ocpp.v201 import datatypes, messages
from citrine_data import Session
from citrine_data.repositories import CertificateRepository
from citrine_data.repositories.certificate import CertificateData
from citrine_modules.evdriver.contract import ContractCertificates, Revocation
from tests.live import LiveServer
from tests.modules.evdriver.support import authorize, booted, in_db, put_token

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime.now(UTC)
OCSP_URL = "http://ocsp.mo.example/"


def name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def issue(
    subject: str,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool,
    days: tuple[int, int] = (-1, 30),
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + timedelta(days=days[0]))
        .not_valid_after(NOW + timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if issuer is not None:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(OCSP_URL)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)


ROOT, ROOT_KEY = issue("MO Root", None, ca=True, days=(-10, 3650))
SUB, SUB_KEY = issue("MO Sub-CA", ("MO Root", ROOT_KEY), ca=True)
LEAF, _ = issue("NLABC000000001", ("MO Sub-CA", SUB_KEY), ca=False)
OLD_LEAF, _ = issue("NLABC000000002", ("MO Sub-CA", SUB_KEY), ca=False, days=(-30, -1))
STRANGER_ROOT, STRANGER_KEY = issue("Other Root", None, ca=True)
STRANGER_LEAF, _ = issue("NLABC000000003", ("Other Root", STRANGER_KEY), ca=False)
_, IMPOSTOR_KEY = issue("MO Sub-CA", None, ca=True)  # same name as the sub-CA, another key
FORGED_LEAF, _ = issue("NLABC000000004", ("MO Sub-CA", IMPOSTOR_KEY), ca=False)


@dataclass
class Responder:
    """A revocation checker with a fixed verdict, remembering what it was asked."""

    verdict: Revocation
    asked: list[list[datatypes.OCSPRequestData]] = field(default_factory=list)

    async def check(self, data: Sequence[datatypes.OCSPRequestData]) -> Revocation:
        self.asked.append(list(data))
        return self.verdict


async def store_root(server: LiveServer) -> None:
    async def work(session: Session) -> None:
        repository = CertificateRepository.from_session(session)
        if await repository.list("default", certificate_type="MORootCertificate"):
            return
        await repository.add(
            "default",
            CertificateData(
                certificate_type="MORootCertificate",
                pem=pem(ROOT),
                serial_number=format(ROOT.serial_number, "x"),
                issuer="MO Root",
                subject="MO Root",
                not_before=ROOT.not_valid_before_utc,
                not_after=ROOT.not_valid_after_utc,
            ),
        )

    await in_db(server, work)


def request(certificate: str | None = None, **extra: object) -> messages.AuthorizeRequest:
    """An AuthorizeRequest as it arrives on the wire (validated from its JSON)."""
    body: dict[str, object] = {"idToken": {"idToken": "NLABC000000001", "type": "eMAID"}}
    if certificate is not None:
        body["certificate"] = certificate
    body.update(extra)
    return messages.AuthorizeRequest.model_validate_json(orjson.dumps(body))


async def status_of(
    server: LiveServer, checker: Responder | None, authorize_request: messages.AuthorizeRequest
) -> str | None:
    await store_root(server)

    async def work(session: Session) -> str | None:
        found = await ContractCertificates(checker).status(session, "default", authorize_request)
        return None if found is None else found.value

    return await in_db(server, work)


HASH_DATA = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "aa" * 32,
    "issuerKeyHash": "bb" * 32,
    "serialNumber": "1f",
    "responderURL": OCSP_URL,
}


class TestChecks:
    async def test_a_valid_chain_needs_ocsp_to_be_accepted_TC_C_52_CSMS(
        self, server: LiveServer
    ) -> None:
        chain = pem(LEAF, SUB)
        assert await status_of(server, None, request(chain)) == "NoCertificateAvailable"
        good = Responder(Revocation.GOOD)
        assert await status_of(server, good, request(chain)) == "Accepted"
        # The CSMS computed the OCSP request data itself (no hash data was sent).
        [asked] = good.asked
        assert [item.serial_number for item in asked] == [
            format(LEAF.serial_number, "x"),
            format(SUB.serial_number, "x"),
        ]
        assert {item.responder_url for item in asked} == {OCSP_URL}
        revoked = Responder(Revocation.REVOKED)
        assert await status_of(server, revoked, request(chain)) == "CertificateRevoked"

    async def test_hash_data_from_the_station_TC_C_50_CSMS_TC_C_51_CSMS(
        self, server: LiveServer
    ) -> None:
        hashed = request(iso15118CertificateHashData=[HASH_DATA])
        assert await status_of(server, None, hashed) == "NoCertificateAvailable"
        good = Responder(Revocation.GOOD)
        assert await status_of(server, good, hashed) == "Accepted"
        assert good.asked[0][0].issuer_name_hash == "aa" * 32
        assert await status_of(server, Responder(Revocation.REVOKED), hashed) == (
            "CertificateRevoked"
        )
        assert await status_of(server, None, request()) is None

    async def test_what_is_refused_without_asking_anyone(self, server: LiveServer) -> None:
        good = Responder(Revocation.GOOD)
        assert await status_of(server, good, request(pem(OLD_LEAF, SUB))) == "CertificateExpired"
        assert await status_of(server, good, request(pem(STRANGER_LEAF))) == "CertChainError"
        assert await status_of(server, good, request(pem(LEAF))) == "CertChainError"  # no sub-CA
        assert await status_of(server, good, request(pem(FORGED_LEAF, SUB))) == "SignatureError"
        assert await status_of(server, good, request("-----BEGIN CERTIFICATE-----\nxx")) == (
            "CertChainError"
        )
        assert good.asked == []


async def test_authorize_with_a_certificate_over_the_websocket(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await store_root(server)
    await put_token(client, "NLABC000000001", "eMAID")
    await put_token(client, "NLABC000000002", "eMAID")
    async with booted(server, "C07") as station:
        valid = await authorize(station, "NLABC000000001", "eMAID", certificate=pem(LEAF, SUB))
        expired = await authorize(
            station, "NLABC000000002", "eMAID", certificate=pem(OLD_LEAF, SUB)
        )
    # Without OCSP (the certificates block) the CSMS does not claim the chain is good.
    assert valid == {
        "idTokenInfo": {"status": "Accepted"},
        "certificateStatus": "NoCertificateAvailable",
    }
    # C07.FR.16: a refused certificate refuses the token.
    assert expired == {
        "idTokenInfo": {"status": "Invalid"},
        "certificateStatus": "CertificateExpired",
    }
