"""What smart charging knows besides profiles: external limits, EV needs, managed profiles,
and the reads the site limit needs (active transactions per location, EVSE maxima)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from citrine_data.errors import translate_errors
from citrine_data.models.device_model import Component, Variable
from citrine_data.models.location import Location
from citrine_data.models.smart_charging import (
    EvChargingNeeds,
    ExternalChargingLimit,
    ManagedProfile,
)
from citrine_data.models.station import ChargingStation, Evse
from citrine_data.models.transaction import Transaction, TransactionState
from citrine_data.repositories.base import Repository


class ExternalLimitRepository(Repository):
    async def upsert(
        self,
        station_pk: int,
        *,
        evse_id: int,
        source: str,
        is_grid_critical: bool | None,
        schedules: list[dict[str, Any]] | None,
    ) -> ExternalChargingLimit:
        values = {
            "station_pk": station_pk,
            "evse_id": evse_id,
            "source": source,
            "is_grid_critical": is_grid_critical,
            "schedules": schedules,
        }
        return await self._upsert(
            ExternalChargingLimit, values, key=["station_pk", "evse_id", "source"]
        )

    async def clear(self, station_pk: int, *, source: str, evse_id: int | None) -> int:
        """Release the limits of ``source`` (on one EVSE, or everywhere when None)."""
        statement = delete(ExternalChargingLimit).where(
            ExternalChargingLimit.station_pk == station_pk,
            ExternalChargingLimit.source == source,
        )
        if evse_id is not None:
            statement = statement.where(ExternalChargingLimit.evse_id == evse_id)
        return await self._execute_dml(statement)

    async def list(self, station_pk: int) -> list[ExternalChargingLimit]:
        statement = (
            select(ExternalChargingLimit)
            .where(ExternalChargingLimit.station_pk == station_pk)
            .order_by(ExternalChargingLimit.evse_id, ExternalChargingLimit.source)
        )
        return await self._get_all(statement)


@dataclass(frozen=True, slots=True, kw_only=True)
class NeedsData:
    evse_id: int
    needs: dict[str, Any]
    status: str
    received_at: datetime
    transaction_id: str | None = None
    max_schedule_tuples: int | None = None


class EvChargingNeedsRepository(Repository):
    async def record(self, station_pk: int, data: NeedsData) -> EvChargingNeeds:
        """Store the EV's latest needs at the EVSE; a new need forgets the previous EV
        schedule (it answered the previous negotiation)."""
        values = {
            "station_pk": station_pk,
            "evse_id": data.evse_id,
            "transaction_id": data.transaction_id,
            "needs": data.needs,
            "max_schedule_tuples": data.max_schedule_tuples,
            "status": data.status,
            "received_at": data.received_at,
            "ev_schedule": None,
            "ev_schedule_time_base": None,
            "ev_schedule_status": None,
        }
        return await self._upsert(EvChargingNeeds, values, key=["station_pk", "evse_id"])

    async def get(self, station_pk: int, evse_id: int) -> EvChargingNeeds | None:
        statement = select(EvChargingNeeds).where(
            EvChargingNeeds.station_pk == station_pk, EvChargingNeeds.evse_id == evse_id
        )
        return await self._get_one_or_none(statement)

    async def list(self, station_pk: int) -> list[EvChargingNeeds]:
        statement = (
            select(EvChargingNeeds)
            .where(EvChargingNeeds.station_pk == station_pk)
            .order_by(EvChargingNeeds.evse_id)
        )
        return await self._get_all(statement)

    async def set_status(self, needs: EvChargingNeeds, status: str) -> None:
        needs.status = status
        await self._flush()

    async def set_transaction(self, needs: EvChargingNeeds, transaction_id: str) -> None:
        needs.transaction_id = transaction_id
        await self._flush()

    async def record_schedule(
        self, needs: EvChargingNeeds, *, schedule: dict[str, Any], time_base: datetime, status: str
    ) -> None:
        needs.ev_schedule = schedule
        needs.ev_schedule_time_base = time_base
        needs.ev_schedule_status = status
        await self._flush()


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagedData:
    transaction_id: str
    evse_id: int
    profile_id: int
    stack_level: int
    share_amps: float | None
    schedule: dict[str, Any]
    sent_at: datetime


class ManagedProfileRepository(Repository):
    async def record_sent(self, station_pk: int, data: ManagedData) -> ManagedProfile:
        """Note what was sent for the transaction; the answer is not known yet."""
        values = {
            "station_pk": station_pk,
            "transaction_id": data.transaction_id,
            "evse_id": data.evse_id,
            "profile_id": data.profile_id,
            "stack_level": data.stack_level,
            "share_amps": data.share_amps,
            "schedule": data.schedule,
            "sent_at": data.sent_at,
            "status": None,
        }
        return await self._upsert(ManagedProfile, values, key=["station_pk", "transaction_id"])

    async def get(self, station_pk: int, transaction_id: str) -> ManagedProfile | None:
        statement = select(ManagedProfile).where(
            ManagedProfile.station_pk == station_pk,
            ManagedProfile.transaction_id == transaction_id,
        )
        return await self._get_one_or_none(statement)

    async def list_for_stations(self, station_pks: Sequence[int]) -> list[ManagedProfile]:
        if not station_pks:
            return []
        statement = select(ManagedProfile).where(ManagedProfile.station_pk.in_(list(station_pks)))
        return await self._get_all(statement.order_by(ManagedProfile.id))

    async def set_status(self, station_pk: int, profile_id: int, status: str) -> bool:
        """The station's answer to the managed profile with this id; False if not managed."""
        statement = (
            update(ManagedProfile)
            .where(ManagedProfile.station_pk == station_pk)
            .where(ManagedProfile.profile_id == profile_id)
            .values(status=status)
        )
        return await self._execute_dml(statement) > 0

    async def forget_profiles(self, station_pk: int, profile_ids: Sequence[int]) -> int:
        """Forget managed profiles the station no longer has (cleared), so they are sent
        again when next due."""
        if not profile_ids:
            return 0
        statement = delete(ManagedProfile).where(
            ManagedProfile.station_pk == station_pk,
            ManagedProfile.profile_id.in_(list(profile_ids)),
        )
        return await self._execute_dml(statement)

    async def delete_ended(self) -> list[tuple[int, str]]:
        """Forget the managed profiles of transactions no longer running (the station dropped
        their TxProfiles at the end); the (station, transaction) pairs forgotten."""
        running = (
            select(Transaction.id)
            .where(
                Transaction.station_pk == ManagedProfile.station_pk,
                Transaction.transaction_id == ManagedProfile.transaction_id,
                Transaction.state == TransactionState.ACTIVE,
            )
            .exists()
        )
        statement = select(ManagedProfile.station_pk, ManagedProfile.transaction_id).where(~running)
        with translate_errors():
            ended = [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]
        if ended:
            await self._execute_dml(delete(ManagedProfile).where(~running))
        return ended

    async def delete_for_transactions(self, station_pk: int, transaction_ids: Sequence[str]) -> int:
        if not transaction_ids:
            return 0
        statement = delete(ManagedProfile).where(
            ManagedProfile.station_pk == station_pk,
            ManagedProfile.transaction_id.in_(list(transaction_ids)),
        )
        return await self._execute_dml(statement)


@dataclass(frozen=True, slots=True)
class ActiveTransaction:
    """A running transaction at a site, with the station that runs it."""

    station: ChargingStation
    transaction: Transaction


class SiteRepository(Repository):
    """Reads across stations for the site limit: locations, their transactions, devices."""

    async def locations_with_limit(self) -> list[Location]:
        statement = (
            select(Location)
            .where(Location.grid_connection_limit_amps.is_not(None))
            .order_by(Location.id)
        )
        return await self._get_all(statement)

    async def location(self, location_pk: int) -> Location | None:
        """Any tenant's location: for the CSMS's own background work, never for REST."""
        return await self._get(Location, location_pk)

    async def location_of(self, station_pk: int) -> Location | None:
        statement = (
            select(Location)
            .join(ChargingStation, ChargingStation.location_pk == Location.id)
            .where(ChargingStation.id == station_pk)
        )
        return await self._get_one_or_none(statement)

    async def active_transactions_at(self, location_pk: int) -> list[ActiveTransaction]:
        """Oldest first: the order the sharing rule serves them in."""
        statement = (
            select(Transaction, ChargingStation)
            .join(ChargingStation, Transaction.station_pk == ChargingStation.id)
            .where(
                ChargingStation.location_pk == location_pk,
                Transaction.state == TransactionState.ACTIVE,
            )
            .order_by(Transaction.started_at, Transaction.id)
        )
        with translate_errors():
            rows = (await self.session.execute(statement)).all()
        return [ActiveTransaction(station=row[1], transaction=row[0]) for row in rows]

    async def device_variables(
        self, station_pks: Sequence[int], component_names: Sequence[str]
    ) -> list[Variable]:
        """The variables of these components on these stations, in one query, with their
        component, attributes and characteristics loaded."""
        if not station_pks:
            return []
        statement = (
            select(Variable)
            .join(Component)
            .where(
                Component.station_pk.in_(list(station_pks)),
                Component.name.in_(list(component_names)),
            )
            .options(
                selectinload(Variable.component),
                selectinload(Variable.attributes),
                selectinload(Variable.characteristics),
            )
        )
        return await self._get_all(statement)

    async def evse_ids(self, station_pk: int) -> list[int]:
        """The EVSE numbers the CSMS has seen on the station (status notifications)."""
        statement = select(Evse.evse_id).where(Evse.station_pk == station_pk).order_by(Evse.evse_id)
        with translate_errors():
            return list((await self.session.scalars(statement)).all())
