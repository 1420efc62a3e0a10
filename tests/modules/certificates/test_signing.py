"""A02/A03 over real websockets: a station's CSR is signed by the CSMS's CA, CertificateSigned
follows the answer, and the chain verifies with ``cryptography``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store

from tests.live import BOOT_PAYLOAD, LiveServer, live_server, raw_station

SERIAL = BOOT_PAYLOAD["chargingStation"]["serialNumber"]


def make_csr(
    common_name: str = SERIAL,
    organization: str = "Citrine",
    key: Any = None,
) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


async def signings(server: LiveServer, station_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        reply = await client.get(f"/stations/{station_id}/certificate-signings")
        assert reply.status_code == 200, reply.text
        items: list[dict[str, Any]] = reply.json()["items"]
        return items


async def wait_for_delivery(server: LiveServer, station_id: str) -> dict[str, Any]:
    for _ in range(100):
        latest = (await signings(server, station_id))[0]
        if latest["deliveryStatus"] is not None:
            return latest
        await asyncio.sleep(0.05)
    raise AssertionError("the CertificateSigned outcome was never recorded")


def verify_client_chain(chain_pem: str, root_pem: str) -> x509.Certificate:
    leaf, *intermediates = x509.load_pem_x509_certificates(chain_pem.encode())
    root = x509.load_pem_x509_certificate(root_pem.encode())
    # The Web PKI profile, except that a station certificate names the station in its CN,
    # not in a subjectAltName (A00.FR.405).
    leaf_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
    )
    verifier = (
        PolicyBuilder()
        .store(Store([root]))
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=leaf_policy)
        .build_client_verifier()
    )
    verified = verifier.verify(leaf, intermediates)
    assert verified.chain[-1] == root
    return leaf


async def test_csr_signed_by_the_csms_ca_and_chain_verifies() -> None:
    """TC_A_11_CSMS: triggered renewal, Accepted, CertificateSigned with the chain and the same
    certificateType (A02.FR.14), which verifies against the CA the REST API shows."""
    async with live_server() as server, raw_station(server, "CS1") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            renew = asyncio.create_task(client.post("/stations/CS1/certificates/renew", json={}))
            trigger = await station.recv()
            assert trigger[2] == "TriggerMessage"
            assert trigger[3] == {"requestedMessage": "SignChargingStationCertificate"}
            await station.send([3, trigger[1], {"status": "Accepted"}])
            assert (await renew).json() == {"status": "Accepted"}
            authority = (await client.get("/certificates/authority")).json()

        key = ec.generate_private_key(ec.SECP256R1())
        answer = await station.call(
            "SignCertificate",
            {"csr": make_csr(key=key), "certificateType": "ChargingStationCertificate"},
        )
        assert answer[2] == {"status": "Accepted"}
        signed = await station.recv()
        assert signed[2] == "CertificateSigned"
        assert signed[3]["certificateType"] == "ChargingStationCertificate"
        leaf = verify_client_chain(signed[3]["certificateChain"], authority["pem"])
        assert leaf.public_key() == key.public_key()
        assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == SERIAL
        usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert ExtendedKeyUsageOID.CLIENT_AUTH in usage
        await station.send([3, signed[1], {"status": "Accepted"}])
        record = await wait_for_delivery(server, "CS1")
        assert record["status"] == "Accepted"
        assert record["deliveryStatus"] == "Accepted"
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            issued = await client.get(f"/certificates/{record['certificateId']}")
        assert issued.json()["serialNumber"] == format(leaf.serial_number, "x")


async def test_v2g_certificate_is_signed_for_the_secc() -> None:
    """TC_A_12_CSMS (A03 station-initiated): a V2GCertificate gets serverAuth."""
    async with live_server() as server, raw_station(server, "CS2") as station:
        await station.boot()
        answer = await station.call(
            "SignCertificate", {"csr": make_csr(), "certificateType": "V2GCertificate"}
        )
        assert answer[2] == {"status": "Accepted"}
        signed = await station.recv()
        assert signed[3]["certificateType"] == "V2GCertificate"
        leaf = x509.load_pem_x509_certificates(signed[3]["certificateChain"].encode())[0]
        usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
        await station.send([3, signed[1], {"status": "Accepted"}])


async def test_station_rejecting_the_certificate_is_recorded() -> None:
    """TC_A_14_CSMS: the station refuses the certificate; the CSMS keeps that outcome."""
    async with live_server() as server, raw_station(server, "CS3") as station:
        await station.boot()
        await station.call("SignCertificate", {"csr": make_csr()})
        signed = await station.recv()
        assert "certificateType" not in signed[3]
        await station.send([3, signed[1], {"status": "Rejected"}])
        record = await wait_for_delivery(server, "CS3")
        assert record["deliveryStatus"] == "Rejected"


class TestCsrRefused:
    """A02.FR.11: Rejected, with the reason, for a CSR the CSMS cannot process."""

    async def _answer(self, csr: str, **certificate_type: str) -> tuple[dict[str, Any], str]:
        async with live_server() as server, raw_station(server, "CS9") as station:
            await station.boot()
            answer = await station.call("SignCertificate", {"csr": csr, **certificate_type})
            reason = (await signings(server, "CS9"))[0]["reason"]
            return answer[2], reason

    async def test_wrong_common_name(self) -> None:
        answer, reason = await self._answer(make_csr(common_name="someone-else"))
        assert answer["status"] == "Rejected"
        assert answer["statusInfo"]["reasonCode"] == "InvalidCSR"
        assert "CN must be 'SN-1'" in reason

    async def test_wrong_organization(self) -> None:
        answer, reason = await self._answer(make_csr(organization="Other Org"))
        assert answer["status"] == "Rejected"
        assert "O must be 'Citrine'" in reason

    async def test_weak_rsa_key(self) -> None:
        weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        answer, reason = await self._answer(make_csr(key=weak))
        assert answer["status"] == "Rejected"
        assert "at least 2048" in reason

    async def test_not_a_csr(self) -> None:
        answer, reason = await self._answer("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n")
        assert answer["status"] == "Rejected"
        assert "Not a PEM certificate signing request" in reason

    async def test_v2g_needs_p256(self) -> None:
        key = ec.generate_private_key(ec.SECP384R1())
        answer, reason = await self._answer(make_csr(key=key), certificateType="V2GCertificate")
        assert answer["status"] == "Rejected"
        assert "secp256r1" in reason


async def test_combined_renewal_signs_both_certificates() -> None:
    """TC_A_13_CSMS: TriggerMessage SignCombinedCertificate; the station sends a CSR for its
    station certificate and one for its V2G certificate; each comes back signed for its use."""
    async with live_server() as server, raw_station(server, "CS4") as station:
        await station.boot()
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            renew = asyncio.create_task(
                client.post("/stations/CS4/certificates/renew", json={"combined": True})
            )
            trigger = await station.recv()
            assert trigger[3] == {"requestedMessage": "SignCombinedCertificate"}
            await station.send([3, trigger[1], {"status": "Accepted"}])
            assert (await renew).json() == {"status": "Accepted"}
        usages = {
            "ChargingStationCertificate": [ExtendedKeyUsageOID.CLIENT_AUTH],
            "V2GCertificate": [ExtendedKeyUsageOID.SERVER_AUTH],
        }
        for certificate_type, expected_usage in usages.items():
            answer = await station.call(
                "SignCertificate", {"csr": make_csr(), "certificateType": certificate_type}
            )
            assert answer[2] == {"status": "Accepted"}
            signed = await station.recv()
            assert signed[2] == "CertificateSigned"
            assert signed[3]["certificateType"] == certificate_type
            leaf = x509.load_pem_x509_certificates(signed[3]["certificateChain"].encode())[0]
            usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            assert list(usage) == expected_usage
            await station.send([3, signed[1], {"status": "Accepted"}])
