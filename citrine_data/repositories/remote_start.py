"""RequestStartTransaction requests, findable by (station, remoteStartId)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from citrine_base.interfaces.envelope import StationKey
from citrine_data.models.remote_start import RemoteStart
from citrine_data.models.station import ChargingStation
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStartData:
    remote_start_id: int
    id_token: str
    id_token_type: str
    requested_at: datetime
    evse_id: int | None = None
    group_id_token: str | None = None
    group_id_token_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStartAnswer:
    status: str
    at: datetime
    reason: str | None = None
    transaction_id: str | None = None


def _by_key(key: StationKey, remote_start_id: int) -> list[ColumnElement[bool]]:
    station_pk = (
        select(ChargingStation.id)
        .where(
            ChargingStation.tenant_id == key.tenant_id,
            ChargingStation.station_id == key.station_id,
        )
        .scalar_subquery()
    )
    return [RemoteStart.station_pk == station_pk, RemoteStart.remote_start_id == remote_start_id]


class RemoteStartRepository(Repository):
    async def create(self, station_pk: int, data: RemoteStartData) -> RemoteStart:
        """``Conflict`` when the station already has a request with this remoteStartId."""
        return await self._add(
            RemoteStart(station_pk=station_pk, status="requested", **asdict(data))
        )

    async def ensure(self, station_pk: int, data: RemoteStartData) -> RemoteStart:
        """The request with this remoteStartId, recorded from ``data`` if it is not yet
        (a RequestStartTransaction sent without our endpoint); an existing one is kept."""
        values = {"station_pk": station_pk, "status": "requested", **asdict(data)}
        statement = (
            self._insert(RemoteStart)
            .values(values)
            .on_conflict_do_nothing(index_elements=["station_pk", "remote_start_id"])
        )
        await self._execute_dml(statement, synchronize=False)
        found = await self.get(station_pk, data.remote_start_id)
        assert found is not None  # inserted above, or there already
        return found

    async def get(self, station_pk: int, remote_start_id: int) -> RemoteStart | None:
        statement = select(RemoteStart).where(
            RemoteStart.station_pk == station_pk, RemoteStart.remote_start_id == remote_start_id
        )
        return await self._get_one_or_none(statement)

    async def find(self, key: StationKey, remote_start_id: int) -> RemoteStart | None:
        """One query from the station's identity (for whoever links transactions)."""
        return await self._get_one_or_none(
            select(RemoteStart).where(*_by_key(key, remote_start_id))
        )

    async def record_answer(
        self, station_pk: int, remote_start_id: int, answer: RemoteStartAnswer
    ) -> bool:
        values: dict[str, object] = {
            "status": answer.status,
            "status_reason": answer.reason,
            "answered_at": answer.at,
        }
        if answer.transaction_id is not None:
            values["transaction_id"] = answer.transaction_id
        statement = (
            update(RemoteStart)
            .where(
                RemoteStart.station_pk == station_pk,
                RemoteStart.remote_start_id == remote_start_id,
            )
            .values(values)
        )
        return await self._execute_dml(statement) > 0

    async def link(
        self, key: StationKey, remote_start_id: int, transaction_pk: int, transaction_id: str
    ) -> bool:
        """Note the transaction started for the request; False when there is no request."""
        statement = (
            update(RemoteStart)
            .where(*_by_key(key, remote_start_id))
            .values(transaction_pk=transaction_pk, transaction_id=transaction_id)
        )
        return await self._execute_dml(statement, synchronize=False) > 0

    async def list(
        self,
        tenant_id: str,
        *,
        station_pk: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[RemoteStart]:
        """Newest first, within one tenant, with the station loaded."""
        statement = (
            select(RemoteStart)
            .join(ChargingStation, RemoteStart.station_pk == ChargingStation.id)
            .where(ChargingStation.tenant_id == tenant_id)
            .options(selectinload(RemoteStart.station))
        )
        if station_pk is not None:
            statement = statement.where(RemoteStart.station_pk == station_pk)
        statement = statement.order_by(RemoteStart.requested_at.desc(), RemoteStart.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)

    async def get_detail(self, station_pk: int, remote_start_id: int) -> RemoteStart | None:
        statement = (
            select(RemoteStart)
            .where(
                RemoteStart.station_pk == station_pk,
                RemoteStart.remote_start_id == remote_start_id,
            )
            .options(selectinload(RemoteStart.station))
        )
        return await self._get_one_or_none(statement)
