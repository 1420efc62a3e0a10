"""The pure parts: password hashing and rules, back-off, client certificate checks, the Basic
header, redaction of passwords from logged messages."""

from __future__ import annotations

import base64
import ssl
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from citrine_base.config import TlsListenerConfig
from citrine_util.auth_throttle import AuthThrottle
from citrine_util.certificates import CertificateProblem
from citrine_util.certificates.client import check_station_certificate
from citrine_util.passwords import (
    PasswordRefused,
    check_password,
    generate_password,
    hash_password,
    verify_async,
    verify_password,
)
from citrine_util.redaction import REDACTED, redact_frame, redact_payload
from server.listeners import tls_context
from server.station_auth import basic_credentials
from tests.security.pki import issue, make_ca, tls_setup


class TestPasswords:
    def test_hash_is_salted_and_verifies(self) -> None:
        first, second = hash_password("s3cret-password-16"), hash_password("s3cret-password-16")
        assert first != second
        assert first.startswith("scrypt$16384$8$5$")
        assert verify_password("s3cret-password-16", first)
        assert not verify_password("s3cret-password-17", first)

    def test_malformed_hash_never_matches(self) -> None:
        for stored in ("", "plain", "scrypt$1$2$3$!!$!!", "bcrypt$a$b$c$d$e"):
            assert not verify_password("whatever-password-1", stored)

    async def test_verify_async_tells_which_hash(self) -> None:
        current, previous = hash_password("new-password-000001"), hash_password("old-pass-0000001")
        assert await verify_async("new-password-000001", current, previous) == 0
        assert await verify_async("old-pass-0000001", current, previous) == 1
        assert await verify_async("old-pass-0000001", current, None) is None

    @pytest.mark.parametrize("password", ["x" * 15, "x" * 65, "é" * 20, "new\nline-password-1"])
    def test_rules(self, password: str) -> None:
        with pytest.raises(PasswordRefused):
            check_password(password)

    def test_generated_passwords_follow_the_rules(self) -> None:
        check_password(generate_password())
        assert generate_password() != generate_password()


class TestThrottle:
    def test_back_off_grows_and_clears(self) -> None:
        throttle = AuthThrottle(2, initial=10, maximum=25)
        throttle.failed("a")
        assert throttle.retry_after("a") is None
        throttle.failed("a")
        first = throttle.retry_after("a")
        assert first is not None
        assert 9 < first <= 10
        throttle.failed("a")
        throttle.failed("a")  # 40 s, capped
        capped = throttle.retry_after("a")
        assert capped is not None
        assert 24 < capped <= 25
        assert throttle.retry_after("b") is None
        throttle.succeeded("a")
        assert throttle.retry_after("a") is None

    def test_bounded_memory(self) -> None:
        throttle = AuthThrottle(1, initial=10, maximum=10, capacity=3)
        for address in "abcd":
            throttle.failed(address)
        assert throttle.retry_after("a") is None  # forgotten first
        assert throttle.retry_after("d") is not None


class TestStationCertificate:
    ca = make_ca()

    def der(self, cn: str, organization: str = "Citrine", expired: bool = False) -> bytes:
        issued = issue(self.ca, cn, organization=organization, expired=expired)
        from cryptography.hazmat.primitives.serialization import Encoding

        return issued.certificate.public_bytes(Encoding.DER)

    def check(self, der: bytes, identity: str, common_name: str = "serial_number") -> str | None:
        checked = check_station_certificate(
            der,
            identity,
            organization="Citrine",
            common_name=common_name,  # type: ignore[arg-type]
            at=datetime.now(UTC),
        )
        return checked.serial_to_match

    def test_serial_in_cn_is_returned_for_the_boot_check(self) -> None:
        assert self.check(self.der("SN-1"), "CS-1") == "SN-1"

    def test_cn_bound_to_identity(self) -> None:
        assert self.check(self.der("CS-1"), "CS-1", "station_id") is None
        with pytest.raises(CertificateProblem, match="not the station identity"):
            self.check(self.der("CS-2"), "CS-1", "station_id")

    def test_expired_ca_in_the_verified_chain(self) -> None:
        from cryptography.hazmat.primitives.serialization import Encoding

        expired_ca = issue(self.ca, "Old Sub CA", expired=True).certificate.public_bytes(
            Encoding.DER
        )
        leaf = self.der("SN-1")
        with pytest.raises(CertificateProblem, match=r"Old Sub CA.*Expired"):
            check_station_certificate(
                leaf,
                "CS-1",
                organization="Citrine",
                common_name="serial_number",
                at=datetime.now(UTC),
                chain=[leaf, expired_ca],
            )

    def test_expired_client_ca_refused_at_start(self, tmp_path: Path) -> None:
        setup = tls_setup(tmp_path)
        listener = TlsListenerConfig.model_validate(setup.listener(8443, 3))
        old_ca = issue(self.ca, "Old CA", expired=True)
        with pytest.raises(CertificateProblem, match="Expired"):
            tls_context(listener, old_ca.pem)
        assert tls_context(listener, self.ca.pem).verify_mode == ssl.CERT_REQUIRED

    def test_organisation_and_validity(self) -> None:
        with pytest.raises(CertificateProblem, match="O is 'Other'"):
            self.check(self.der("SN-1", organization="Other"), "CS-1")
        with pytest.raises(CertificateProblem, match="Expired"):
            self.check(self.der("SN-1", expired=True), "CS-1")
        with pytest.raises(CertificateProblem, match="Unreadable"):
            self.check(b"not a certificate", "CS-1")


class TestBasicHeader:
    def scope(self, value: bytes) -> dict[str, object]:
        return {"headers": [(b"host", b"x"), (b"authorization", value)]}

    def test_parsed(self) -> None:
        token = base64.b64encode(b"CS-1:pass:with:colons-1")
        assert basic_credentials(self.scope(b"Basic " + token)) == ("CS-1", "pass:with:colons-1")

    @pytest.mark.parametrize(
        "value", [b"Bearer abc", b"Basic !!!", b"Basic " + base64.b64encode(b"no-colon")]
    )
    def test_refused(self, value: bytes) -> None:
        assert basic_credentials(self.scope(value)) is None
        assert basic_credentials({"headers": []}) is None


SECRET_ITEM = {
    "attributeValue": "the-secret-password-1",
    "component": {"name": "SecurityCtrlr"},
    "variable": {"name": "BasicAuthPassword"},
}
OTHER_ITEM = {
    "attributeValue": "300",
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
}


class TestRedaction:
    def test_frame(self) -> None:
        frame = orjson.dumps(
            [2, "m1", "SetVariables", {"setVariableData": [SECRET_ITEM, OTHER_ITEM]}]
        )
        redacted = orjson.loads(redact_frame("SetVariables", frame.decode()))
        values = [item["attributeValue"] for item in redacted[3]["setVariableData"]]
        assert values == [REDACTED, "300"]

    def test_payload_and_others_untouched(self) -> None:
        payload = orjson.dumps({"setVariableData": [SECRET_ITEM]})
        assert b"the-secret-password-1" not in redact_payload("SetVariables", payload)
        assert redact_payload("DataTransfer", payload) == payload
        plain = orjson.dumps({"setVariableData": [OTHER_ITEM]})
        assert redact_payload("SetVariables", plain) == plain
