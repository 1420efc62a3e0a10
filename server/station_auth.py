"""Station authentication at the websocket handshake, per the listener's security profile.

=========  =====================================================================
profile    what the station must show
=========  =====================================================================
0          nothing (only for a local run: ``station_security.plain_security_profile``)
1, 2       HTTP Basic, username = the identity in the URL (A00.FR.204, TC_A_02_CSMS), a
           password of 16-64 characters matching the stored hash (or the previous one
           while a rotation is not confirmed by use)
3          a client certificate chaining to the client CA (checked by TLS), valid now, O
           = the operator, CN = its serial number (checked against BootNotification by the
           router, B01.FR.11/12) or its identity (``certificates.common_name``)
=========  =====================================================================

A station connecting below its ``minimum_security_profile`` is refused (no downgrade,
A00.FR.002/005). Every refusal is logged and, for a registered station, stored as its
security event; addresses that keep failing are throttled (``citrine_util.auth_throttle``).
A station without a password (an unknown identity, or one nobody set a password for) has
nothing to check on profile 1/2: refused (401) unless ``accept_without_password``; the
unknown-station policy then applies as on profile 0.
Passwords are never logged; hashes are checked in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from starlette.types import Scope

from citrine_base.config import SystemConfig, UnknownStationPolicy
from citrine_base.interfaces.broker import Broker
from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError, SessionFactory, unit_of_work
from citrine_data.repositories import StationCredentialRepository
from citrine_data.repositories.credentials import StationAuthRecord
from citrine_util.auth_throttle import AuthThrottle
from citrine_util.certificates import CertificateProblem
from citrine_util.certificates.client import check_station_certificate
from citrine_util.passwords import (
    PasswordRefused,
    check_password,
    hash_password,
    verify_async,
    verify_password,
)
from citrine_util.security_events import announce_security_event, record_security_event
from server.listeners import Listener, listener_of, peer_certificate, verified_chain

log = structlog.get_logger(__name__)

BAD_PASSWORD = "FailedToAuthenticateAtCsms"
BAD_CERTIFICATE = "InvalidChargingStationCertificate"
PROFILE_TOO_LOW = "SecurityProfileTooLow"  # not in OCPP's list: raised by this CSMS


@functools.cache
def _dummy_hash() -> str:
    return hash_password("no station has this password")


def _spend_a_check(password: str) -> None:
    """As long as checking a wrong password takes (blocking: run it in a thread)."""
    verify_password(password, _dummy_hash())


BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="OCPP", charset="UTF-8"'}


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str  # told to the station and stored; never a secret
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Authenticated:
    security_profile: int
    serial_to_match: str | None = None  # profile 3: the certificate's CN, for the boot check
    # A password or certificate was checked (not profile 0, not a station let in without a
    # password): only that clears the address's failures.
    proven: bool = False


@dataclass(frozen=True, slots=True)
class _Failure:
    status: int
    event_type: str
    reason: str  # stored and logged; the station hears only ``told``

    @property
    def told(self) -> str:
        # One answer for every password failure: the station (or whoever tries) learns
        # neither whether the identity exists nor whether it has a password.
        return "Invalid credentials" if self.event_type == BAD_PASSWORD else self.reason


def basic_credentials(scope: Scope) -> tuple[str, str] | None:
    """(username, password) of an ``Authorization: Basic`` header, None if absent or bad."""
    for name, value in scope.get("headers", []):
        if name.lower() != b"authorization":
            continue
        scheme, _, token = value.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, colon, password = decoded.partition(":")
        return (username, password) if colon else None
    return None


class StationAuthenticator:
    def __init__(self, config: SystemConfig, sessions: SessionFactory, broker: Broker) -> None:
        self._config = config
        self._sessions = sessions
        self._broker = broker
        security = config.station_security
        self.throttle = AuthThrottle(
            security.failures_before_backoff, security.backoff_initial, security.backoff_max
        )

    async def authenticate(self, scope: Scope, station: StationKey) -> Authenticated | Refusal:
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
        wait = self.throttle.retry_after(address)
        if wait is not None:
            log.warning("station.auth_throttled", station_id=station.station_id, address=address)
            headers = {"Retry-After": str(int(wait) + 1)}
            return Refusal(429, "Too many failed authentications; retry later", headers)
        listener = listener_of(scope, self._config)
        try:
            async with unit_of_work(self._sessions) as uow:
                credentials = StationCredentialRepository.from_session(uow.session)
                record = await credentials.auth_record(station)
            outcome = await self._check(scope, station, listener, record)
        except DataError as exc:
            log.error("station.auth_unavailable", station_id=station.station_id, error=exc.message)
            return Refusal(503, "The CSMS cannot authenticate stations right now")
        if isinstance(outcome, Authenticated):
            if outcome.proven:
                self.throttle.succeeded(address)
                if (
                    record is not None
                    and outcome.security_profile > record.minimum_security_profile
                ):
                    await self._raise_minimum(station, record, outcome.security_profile)
            return outcome
        self.throttle.failed(address)
        await self._record(station, outcome, f"{outcome.reason} (from {address}, {listener.name})")
        headers = BASIC_CHALLENGE if outcome.event_type == BAD_PASSWORD else {}
        return Refusal(outcome.status, outcome.told, headers)

    async def _raise_minimum(
        self, station: StationKey, record: StationAuthRecord, profile: int
    ) -> None:
        """A05.FR.07: no way back to a lower profile once the station proved it can do better.
        A write only on the connection that upgrades, not on every handshake."""
        if not self._config.station_security.raise_minimum_profile:
            return
        try:
            async with unit_of_work(self._sessions) as uow:
                credentials = StationCredentialRepository.from_session(uow.session)
                raised = await credentials.raise_minimum_profile(record.station_pk, profile)
        except DataError as exc:
            # The station is authenticated: let it in, the raise is tried on its next connection.
            log.warning(
                "station.minimum_profile_not_raised",
                station_id=station.station_id,
                error=exc.message,
            )
            return
        if raised:
            log.info(
                "station.minimum_profile_raised",
                station_id=station.station_id,
                minimum_security_profile=profile,
            )

    async def _check(
        self,
        scope: Scope,
        station: StationKey,
        listener: Listener,
        record: StationAuthRecord | None,
    ) -> Authenticated | _Failure:
        profile = listener.security_profile
        minimum = record.minimum_security_profile if record is not None else 0
        if profile < minimum:
            reason = f"Security profile {profile} is below the station's minimum {minimum}"
            return _Failure(403, PROFILE_TOO_LOW, reason)
        if profile == 3:
            return self._check_certificate(scope, station)
        if profile in (1, 2):
            return await self._check_password(scope, station, record, profile)
        return Authenticated(profile)

    def _check_certificate(self, scope: Scope, station: StationKey) -> Authenticated | _Failure:
        der = peer_certificate(scope)
        if der is None:
            return _Failure(401, BAD_CERTIFICATE, "No client certificate")
        certificates = self._config.certificates
        try:
            checked = check_station_certificate(
                der,
                station.station_id,
                organization=certificates.organization,
                common_name=certificates.common_name,
                at=datetime.now(UTC),
                chain=verified_chain(scope),
            )
        except CertificateProblem as problem:
            return _Failure(401, BAD_CERTIFICATE, f"Client certificate refused: {problem}")
        return Authenticated(3, checked.serial_to_match, proven=True)

    async def _check_password(
        self, scope: Scope, station: StationKey, record: StationAuthRecord | None, profile: int
    ) -> Authenticated | _Failure:
        if (record is None or record.password_hash is None) and self._may_skip(record):
            return Authenticated(profile)
        credentials = basic_credentials(scope)
        if credentials is None:
            return _Failure(401, BAD_PASSWORD, "HTTP Basic credentials are required")
        username, password = credentials
        if username != station.station_id:
            return _Failure(401, BAD_PASSWORD, "The username is not the station identity")
        if record is None or record.password_hash is None:
            await asyncio.to_thread(_spend_a_check, password)
            return _Failure(401, BAD_PASSWORD, "No password is set for this station")
        try:
            check_password(password)
        except PasswordRefused:
            return _Failure(401, BAD_PASSWORD, "Wrong password")
        matched = await verify_async(password, record.password_hash, record.previous_hash)
        if matched is None:
            return _Failure(401, BAD_PASSWORD, "Wrong password")
        if matched == 0 and record.previous_hash is not None:
            # The station uses the new password: the rotation is done, the old one goes.
            async with unit_of_work(self._sessions) as uow:
                credentials_repo = StationCredentialRepository.from_session(uow.session)
                await credentials_repo.forget_previous(record.station_pk)
            log.info("station.password_rotated", station_id=station.station_id)
        elif matched == 1:
            log.info("station.previous_password_used", station_id=station.station_id)
        return Authenticated(profile, proven=True)

    def _may_skip(self, record: StationAuthRecord | None) -> bool:
        """Whether a station without a password may pass unchecked: when so configured, or
        when it is unknown and the admission refuses it anyway (404, as on profile 0)."""
        if self._config.station_security.accept_without_password:
            return True
        return record is None and self._config.stations.unknown is UnknownStationPolicy.REFUSE

    async def _record(self, station: StationKey, failure: _Failure, tech_info: str) -> None:
        log.warning(
            "station.auth_refused",
            station_id=station.station_id,
            type=failure.event_type,
            reason=tech_info,
        )
        try:
            async with unit_of_work(self._sessions) as uow:
                event = await record_security_event(
                    uow.session, station, failure.event_type, tech_info, datetime.now(UTC)
                )
                if event is not None:
                    announce = functools.partial(announce_security_event, self._broker, event)
                    uow.after_commit(announce)
        except DataError as exc:
            log.warning(
                "station.security_event_lost", station_id=station.station_id, error=exc.message
            )
