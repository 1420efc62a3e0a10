"""Reservations (block H): what the CSMS asked, what stations answered and reported.

* A reservation exists here once the station answered ReserveNow (H01): Accepted replaces
  the reservation with the same id (H01.FR.02); a refusal (Occupied, Faulted, Unavailable,
  Rejected) is recorded only where no reservation with that id still holds, so a refused
  replacement leaves the old one in place.
* CancelReservation answered Accepted ends it as Cancelled (H02).
* ReservationStatusUpdate Expired or Removed (H04, TC_H_07, TC_H_20) ends it as reported.
* A TransactionEvent that carries the ``reservationId`` consumes it (H03): the Transactions
  module calls ``reservation_service.consume(session, station, reservation_id,
  transaction_pk)``.
* A reservation still holding past its expiry is marked Expired by a periodic sweep, in case
  the station never said so.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import Reservation
from citrine_data.repositories import ChargingStationRepository, ReservationRepository
from citrine_data.repositories.reservation import HOLDING, USED, ReservationData
from citrine_modules.evdriver.authorization import AuthorizationService, group_id_token
from citrine_modules.evdriver.remote import ocpp_token, station_pk_or_raise
from citrine_modules.evdriver.schemas import ReservationIn
from citrine_modules.rest import ConflictError, NotFoundError, Unprocessable

log = structlog.get_logger(__name__)

CANCELLED = "Cancelled"
SEQUENCE = "reservation_id"
MAX_ID_ATTEMPTS = 100


def reservation_data(request: messages.ReserveNowRequest) -> ReservationData:
    group = request.group_id_token
    return ReservationData(
        reservation_id=request.id,
        expiry_at=request.expiry_date_time,
        id_token=request.id_token.id_token,
        id_token_type=request.id_token.type.value,
        group_id_token=group.id_token if group else None,
        group_id_token_type=group.type.value if group else None,
        evse_id=request.evse_id,
        connector_type=request.connector_type.value if request.connector_type else None,
    )


def reason(status_info: datatypes.StatusInfo | None) -> str | None:
    if status_info is None:
        return None
    text = status_info.reason_code
    if status_info.additional_info:
        text = f"{text}: {status_info.additional_info}"
    return text[:255]


class ReservationService:
    async def prepare(
        self,
        session: Session,
        authorization: AuthorizationService,
        station: StationKey,
        body: ReservationIn,
    ) -> messages.ReserveNowRequest:
        """Check a reservation asked over REST and choose its id (H01)."""
        station_pk = await station_pk_or_raise(session, station)
        if body.expiry_date_time <= datetime.now(UTC):
            raise Unprocessable("expiryDateTime must be in the future")
        id_token = ocpp_token(body.id_token)
        checked = await authorization.authorize(session, station, id_token, evse_id=body.evse_id)
        if not checked.accepted:
            raise Unprocessable(f"The token is {checked.info.status.value} at this station")
        group = ocpp_token(body.group_id_token) if body.group_id_token else None
        if group is None and checked.token is not None:
            group = group_id_token(checked.token)  # TC_H_19: the group may use it too
        return messages.ReserveNowRequest(
            id=await self._choose_id(session, station_pk, body.id),
            expiry_date_time=body.expiry_date_time,
            id_token=id_token,
            group_id_token=group,
            evse_id=body.evse_id,
            connector_type=body.connector_type,
        )

    async def _choose_id(self, session: Session, station_pk: int, given: int | None) -> int:
        if given is not None:
            return given  # the operator's id: the same id replaces that reservation (H01)
        repository = ReservationRepository.from_session(session)
        stations = ChargingStationRepository.from_session(session)
        for _ in range(MAX_ID_ATTEMPTS):  # never replace a reservation by accident
            candidate = await stations.next_value(station_pk, SEQUENCE)
            if await repository.get(station_pk, candidate) is None:
                return candidate
        raise ConflictError("Could not find a free reservation id")

    async def prepare_cancel(
        self, session: Session, station: StationKey, reservation_id: int
    ) -> messages.CancelReservationRequest:
        station_pk = await station_pk_or_raise(session, station)
        found = await ReservationRepository.from_session(session).get(station_pk, reservation_id)
        if found is None:
            raise NotFoundError(f"No reservation {reservation_id} at {station.station_id}")
        if found.status not in HOLDING:
            raise ConflictError(f"Reservation {reservation_id} is {found.status}")
        return messages.CancelReservationRequest(reservation_id=reservation_id)

    async def consume(
        self,
        session: Session,
        station: StationKey,
        reservation_id: int,
        transaction_pk: int | None,
    ) -> bool:
        """The transaction ``transaction_pk`` used reservation ``reservation_id`` (its
        TransactionEvent carried the id). One statement; idempotent for a repeated event.
        False when the station has no such reservation (it is logged, not an error: a
        TransactionEvent cannot be refused) or another transaction used it already."""
        consumed = await ReservationRepository.from_session(session).consume(
            station, reservation_id, transaction_pk
        )
        if not consumed:
            log.warning(
                "reservation.not_consumed",
                station_id=station.station_id,
                reservation_id=reservation_id,
            )
        return consumed

    async def status_update(
        self,
        session: Session,
        station: StationKey,
        request: messages.ReservationStatusUpdateRequest,
    ) -> None:
        station_pk = await _station_pk(session, station)
        repository = ReservationRepository.from_session(session)
        found = await repository.get(station_pk, request.reservation_id) if station_pk else None
        if found is None or station_pk is None:
            # Still acknowledged: the station must not retry a message about the unknown.
            log.warning(
                "reservation.unknown_update",
                station_id=station.station_id,
                reservation_id=request.reservation_id,
            )
            return
        if found.status != USED:
            found.status = request.reservation_update_status.value
            await session.flush()

    async def answered(
        self,
        session: Session,
        station: StationKey,
        request: messages.ReserveNowRequest,
        response: messages.ReserveNowResponse,
    ) -> Reservation | None:
        """Record the station's answer to ReserveNow."""
        station_pk = await _station_pk(session, station)
        if station_pk is None:
            return None
        repository = ReservationRepository.from_session(session)
        status = response.status.value
        if response.status is not enums.ReserveNowStatusEnum.ACCEPTED:
            existing = await repository.get(station_pk, request.id)
            if existing is not None and existing.status in HOLDING:
                return existing
        return await repository.put(
            station_pk,
            reservation_data(request),
            status=status,
            reason=reason(response.status_info),
        )

    async def cancelled(
        self,
        session: Session,
        station: StationKey,
        request: messages.CancelReservationRequest,
        response: messages.CancelReservationResponse,
    ) -> None:
        if response.status is not enums.CancelReservationStatusEnum.ACCEPTED:
            return
        station_pk = await _station_pk(session, station)
        if station_pk is not None:
            await ReservationRepository.from_session(session).set_status(
                station_pk, request.reservation_id, CANCELLED
            )

    async def expire_due(self, session: Session) -> int:
        return await ReservationRepository.from_session(session).expire_due(datetime.now(UTC))


async def _station_pk(session: Session, station: StationKey) -> int | None:
    found = await ChargingStationRepository.from_session(session).get_by_key(station)
    return None if found is None else found.id


reservation_service = ReservationService()
