"""Reservations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from citrine_data.models.reservation import Reservation
from citrine_data.repositories.base import Repository

# Statuses under which a reservation still holds its EVSE.
HOLDING = ("requested", "Accepted")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservationData:
    reservation_id: int
    expiry_at: datetime
    id_token: str
    id_token_type: str
    group_id_token: str | None = None
    group_id_token_type: str | None = None
    evse_id: int | None = None
    connector_type: str | None = None


class ReservationRepository(Repository):
    async def create(self, station_pk: int, data: ReservationData) -> Reservation:
        """``Conflict`` when the station already has this reservation id."""
        reservation = Reservation(
            station_pk=station_pk,
            reservation_id=data.reservation_id,
            expiry_at=data.expiry_at,
            id_token=data.id_token,
            id_token_type=data.id_token_type,
            group_id_token=data.group_id_token,
            group_id_token_type=data.group_id_token_type,
            evse_id=data.evse_id,
            connector_type=data.connector_type,
            status="requested",
        )
        return await self._add(reservation)

    async def get(self, station_pk: int, reservation_id: int) -> Reservation | None:
        statement = select(Reservation).where(
            Reservation.station_pk == station_pk, Reservation.reservation_id == reservation_id
        )
        return await self._get_one_or_none(statement)

    async def set_status(
        self,
        station_pk: int,
        reservation_id: int,
        status: str,
        *,
        transaction_pk: int | None = None,
    ) -> bool:
        values: dict[str, object] = {"status": status}
        if transaction_pk is not None:
            values["transaction_pk"] = transaction_pk
        statement = (
            update(Reservation)
            .where(
                Reservation.station_pk == station_pk,
                Reservation.reservation_id == reservation_id,
            )
            .values(values)
        )
        return await self._execute_dml(statement) > 0

    async def list_holding(self, station_pk: int, *, at: datetime) -> list[Reservation]:
        """Reservations not yet used, cancelled or expired at ``at``."""
        statement = (
            select(Reservation)
            .where(
                Reservation.station_pk == station_pk,
                Reservation.status.in_(HOLDING),
                Reservation.expiry_at > at,
            )
            .order_by(Reservation.expiry_at)
        )
        return await self._get_all(statement)
