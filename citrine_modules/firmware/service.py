"""Firmware rules (block L): updates (L01/L02), publication on Local Controllers (L03/L04).

* UpdateFirmware always carries the signing certificate (L01.FR.11). Before sending, the CSMS
  checks it (one PEM certificate, valid now) and, for firmware it hosts, that the signature
  verifies over the file with that certificate's key (SHA-256; RSA PKCS#1 v1.5 or ECDSA).
* Requests are stored before the CALL, so no FirmwareStatusNotification can outrun them; each
  status is appended in arrival order. AcceptedCanceled (a second update replaced a running
  one, TC_L_10) marks the older ones still in progress ``Canceled``.
* PublishFirmware answers and PublishFirmwareStatusNotifications are stored per request, with
  the locations a Local Controller publishes at; an Unpublished answer marks them unpublished.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import messages
from citrine_data import Session
from citrine_data.models import FirmwarePublication, FirmwareRequest
from citrine_data.repositories import ChargingStationRepository, FileTransferRepository
from citrine_modules.rest import Unprocessable
from citrine_util.certificates.x509 import CertificateProblem, check_validity, load_certificate

log = structlog.get_logger(__name__)

REQUESTED = "requested"
CANCELED = "Canceled"
UPDATE_IN_PROGRESS = (
    REQUESTED,
    "Accepted",
    "AcceptedCanceled",
    "DownloadScheduled",
    "Downloading",
    "DownloadPaused",
    "Downloaded",
    "SignatureVerified",
    "InstallScheduled",
    "Installing",
    "InstallRebooting",
)
REQUEST_COUNTER = "request_id"


def check_signed_firmware(certificate_pem: str, signature: str | None, sha256: str | None) -> None:
    """``Unprocessable`` unless the certificate is usable and, when the file's SHA-256 is
    known, the signature verifies over it."""
    try:
        certificate = load_certificate(certificate_pem)
        check_validity(certificate)
    except CertificateProblem as problem:
        raise Unprocessable(f"Invalid firmware signing certificate: {problem}") from None
    if signature is None or sha256 is None:
        return
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable("The firmware signature is not base64") from None
    digest = bytes.fromhex(sha256)
    key = certificate.public_key()
    prehashed = utils.Prehashed(hashes.SHA256())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, digest, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw, digest, ec.ECDSA(prehashed))
        else:
            raise Unprocessable("The signing certificate's key is neither RSA nor EC")
    except InvalidSignature:
        raise Unprocessable("The firmware signature does not verify with the certificate") from None


class FirmwareService:
    async def next_request_id(self, session: Session, station_pk: int) -> int:
        stations = ChargingStationRepository.from_session(session)
        return await stations.next_value(station_pk, REQUEST_COUNTER)

    async def update_answered(
        self, session: Session, station_pk: int, request_id: int, status: str
    ) -> FirmwareRequest | None:
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_firmware_request(station_pk, request_id)
        if row is None:
            return None
        now = datetime.now(UTC)
        if status == "AcceptedCanceled":
            for older in await repository.in_status(
                FirmwareRequest, station_pk, UPDATE_IN_PROGRESS
            ):
                if older.id != row.id:
                    await repository.record_status(older, CANCELED, now)
        if row.status == REQUESTED:
            await repository.record_status(row, status, now)
        else:  # a status notification came first: it stays current, the answer is kept
            row.status_history = [{"status": status, "at": now.isoformat()}, *row.status_history]
        return row

    async def update_notified(
        self,
        session: Session,
        key: StationKey,
        request: messages.FirmwareStatusNotificationRequest,
    ) -> None:
        if request.request_id is None:
            return  # triggered with no update in progress (Idle): nothing to attach it to
        station = await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_firmware_request(station.id, request.request_id)
        if row is None:
            log.warning("firmware.unknown_request", request_id=request.request_id)
            return
        await repository.record_status(row, request.status.value, datetime.now(UTC))

    async def publication_answered(
        self, session: Session, station_pk: int, request_id: int, status: str
    ) -> FirmwarePublication | None:
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_publication(station_pk, request_id)
        if row is None:
            return None
        now = datetime.now(UTC)
        if row.status == REQUESTED:
            await repository.record_status(row, status, now)
        else:
            row.status_history = [{"status": status, "at": now.isoformat()}, *row.status_history]
        return row

    async def publication_notified(
        self,
        session: Session,
        key: StationKey,
        request: messages.PublishFirmwareStatusNotificationRequest,
    ) -> None:
        if request.request_id is None:
            return
        station = await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)
        repository = FileTransferRepository.from_session(session)
        row = await repository.get_publication(station.id, request.request_id)
        if row is None:
            log.warning("firmware.unknown_publication", request_id=request.request_id)
            return
        if request.location:
            row.published_locations = list(request.location)
        await repository.record_status(row, request.status.value, datetime.now(UTC))

    async def unpublished(self, session: Session, station_pk: int, checksum: str) -> None:
        repository = FileTransferRepository.from_session(session)
        now = datetime.now(UTC)
        for row in await repository.publications_with_checksum(station_pk, checksum):
            await repository.record_status(row, "Unpublished", now)


firmware_service = FirmwareService()
