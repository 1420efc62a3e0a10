"""Test certificates made with ``cryptography``: CAs, RSA and ECDSA server certificates for
localhost, station client certificates; and TLS listener settings using them."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
ORGANIZATION = "Citrine"


@dataclass
class Issued:
    certificate: x509.Certificate
    key: Key

    def write(self, directory: Path, name: str) -> tuple[Path, Path]:
        cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
        cert_path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def _name(cn: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def make_ca(cn: str = "Test CA", organization: str = ORGANIZATION) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, organization))
        .issuer_name(_name(cn, organization))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issued(certificate, key)


def issue(
    ca: Issued,
    cn: str,
    *,
    organization: str = ORGANIZATION,
    server: bool = False,
    rsa_key: bool = False,
    expired: bool = False,
) -> Issued:
    key: Key = (
        rsa.generate_private_key(65537, 2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(days=10), now - timedelta(days=1))
        if expired
        else (
            now - timedelta(days=1),
            now + timedelta(days=10),
        )
    )
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, organization))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(cn), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


@dataclass
class TlsSetup:
    """A server CA with an RSA and an ECDSA certificate for localhost, written to disk."""

    directory: Path
    server_ca: Issued
    certificates: list[dict[str, str]]

    def listener(self, port: int, profile: int, client_ca: Issued | None = None) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "port": port,
            "security_profile": profile,
            "certificates": self.certificates,
        }
        if client_ca is not None:
            path = self.directory / f"client-ca-{port}.pem"
            path.write_text(client_ca.pem)
            settings["client_ca_file"] = str(path)
        return settings

    def client_context(self, client: Issued | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self.server_ca.pem)
        if client is not None:
            cert_path, key_path = client.write(self.directory, f"client-{id(client)}")
            context.load_cert_chain(cert_path, key_path)
        return context


def tls_setup(directory: Path) -> TlsSetup:
    server_ca = make_ca("Server CA", "CSMS Operator")
    certificates = []
    for name, rsa_key in (("server-rsa", True), ("server-ec", False)):
        cert_path, key_path = issue(server_ca, "localhost", server=True, rsa_key=rsa_key).write(
            directory, name
        )
        certificates.append({"certificate_file": str(cert_path), "key_file": str(key_path)})
    return TlsSetup(directory, server_ca, certificates)
