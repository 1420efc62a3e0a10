"""Reservations (ReserveNow) and what became of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from citrine_base.interfaces.envelope import StationKey
from citrine_data.models.reservation import Reservation
from citrine_data.models.station import ChargingStation
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

# Statuses under which a reservation still holds its EVSE.
HOLDING = ("requested", "Accepted")
USED = "Used"
EXPIRED = "Expired"


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


@dataclass(frozen=True, slots=True)
class ReservationFilter:
    station_pk: int | None = None
    status: str | None = None
    holding: bool | None = None  # True: still holding an EVSE now; False: over
    id_token: str | None = None


def _station_pk(key: StationKey) -> object:
    return (
        select(ChargingStation.id)
        .where(
            ChargingStation.tenant_id == key.tenant_id,
            ChargingStation.station_id == key.station_id,
        )
        .scalar_subquery()
    )


class ReservationRepository(Repository):
    async def create(self, station_pk: int, data: ReservationData) -> Reservation:
        """``Conflict`` when the station already has this reservation id."""
        reservation = Reservation(station_pk=station_pk, status="requested", **asdict(data))
        return await self._add(reservation)

    async def put(
        self, station_pk: int, data: ReservationData, *, status: str, reason: str | None = None
    ) -> Reservation:
        """Create the reservation, or replace the one with the same id (ReserveNow with an
        existing id replaces it, H01.FR.02), in one statement."""
        values = {
            "station_pk": station_pk,
            **asdict(data),
            "status": status,
            "status_reason": reason,
            "transaction_pk": None,
        }
        return await self._upsert(Reservation, values, key=["station_pk", "reservation_id"])

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
        reason: str | None = None,
    ) -> bool:
        values: dict[str, object] = {"status": status}
        if transaction_pk is not None:
            values["transaction_pk"] = transaction_pk
        if reason is not None:
            values["status_reason"] = reason
        statement = (
            update(Reservation)
            .where(
                Reservation.station_pk == station_pk,
                Reservation.reservation_id == reservation_id,
            )
            .values(values)
        )
        return await self._execute_dml(statement) > 0

    async def consume(
        self, key: StationKey, reservation_id: int, transaction_pk: int | None
    ) -> bool:
        """Mark the reservation used by ``transaction_pk`` in one statement; False when the
        station has no such reservation or another transaction already used it."""
        statement = (
            update(Reservation)
            .where(
                Reservation.station_pk == _station_pk(key),
                Reservation.reservation_id == reservation_id,
                or_(
                    Reservation.status != USED,
                    Reservation.transaction_pk.is_(None),
                    Reservation.transaction_pk == transaction_pk,
                ),
            )
            .values(status=USED, transaction_pk=transaction_pk)
        )
        return await self._execute_dml(statement, synchronize=False) > 0

    async def expire_due(self, at: datetime) -> int:
        """Mark Expired every holding reservation whose time is over (of every tenant)."""
        statement = (
            update(Reservation)
            .where(Reservation.status.in_(HOLDING), Reservation.expiry_at <= at)
            .values(status=EXPIRED)
        )
        return await self._execute_dml(statement, synchronize=False)

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

    async def list(
        self,
        tenant_id: str,
        *,
        where: ReservationFilter | None = None,
        at: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[Reservation]:
        """Newest first, within one tenant, with the station loaded."""
        where = where or ReservationFilter()
        statement = (
            select(Reservation)
            .join(ChargingStation, Reservation.station_pk == ChargingStation.id)
            .where(ChargingStation.tenant_id == tenant_id)
            .options(selectinload(Reservation.station))
        )
        if where.station_pk is not None:
            statement = statement.where(Reservation.station_pk == where.station_pk)
        if where.status is not None:
            statement = statement.where(Reservation.status == where.status)
        if where.id_token is not None:
            statement = statement.where(Reservation.id_token == where.id_token)
        if where.holding is not None and at is not None:
            holding = Reservation.status.in_(HOLDING) & (Reservation.expiry_at > at)
            statement = statement.where(holding if where.holding else ~holding)
        statement = statement.order_by(Reservation.created_at.desc(), Reservation.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)

    async def get_detail(self, station_pk: int, reservation_id: int) -> Reservation | None:
        statement = (
            select(Reservation)
            .where(
                Reservation.station_pk == station_pk,
                Reservation.reservation_id == reservation_id,
            )
            .options(selectinload(Reservation.station))
        )
        return await self._get_one_or_none(statement)
