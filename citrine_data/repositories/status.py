"""Connector status: the latest per connector and the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
from citrine_data.models.station import Connector, Evse
from citrine_data.models.status import ConnectorStatusHistory, ConnectorStatusLatest
from citrine_data.repositories.base import (
    DEFAULT_LIMIT,
    Page,
    Repository,
    check_offset,
    clamp_limit,
)


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One status a connector reported, with where and when."""

    evse_id: int
    connector_id: int
    status: str
    status_at: datetime
    received_at: datetime


class ConnectorStatusRepository(Repository):
    async def record(self, connector_pk: int, status: str, status_at: datetime) -> None:
        """Append to the history and move the latest status, unless the station's timestamp is
        older than the one we hold (a late, queued notification must not win)."""
        now = utc_now()
        with translate_errors():
            self.session.add(
                ConnectorStatusHistory(
                    connector_pk=connector_pk, status=status, status_at=status_at, received_at=now
                )
            )
        statement = self._insert(ConnectorStatusLatest).values(
            connector_pk=connector_pk, status=status, status_at=status_at, received_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["connector_pk"],
            set_={"status": status, "status_at": status_at, "received_at": now},
            where=ConnectorStatusLatest.status_at <= statement.excluded.status_at,
        )
        with translate_errors():
            await self.session.execute(statement)
        await self._flush()

    async def latest_for_station(self, station_pk: int) -> list[tuple[int, int, str, datetime]]:
        """(evse id, connector id, status, status time) for every connector with a status."""
        statement = (
            select(
                Evse.evse_id,
                Connector.connector_id,
                ConnectorStatusLatest.status,
                ConnectorStatusLatest.status_at,
            )
            .join(Connector, Connector.evse_pk == Evse.id)
            .join(ConnectorStatusLatest, ConnectorStatusLatest.connector_pk == Connector.id)
            .where(Evse.station_pk == station_pk)
            .order_by(Evse.evse_id, Connector.connector_id)
        )
        with translate_errors():
            rows = (await self.session.execute(statement)).all()
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    async def history(self, connector_pk: int, *, limit: int = 100) -> list[ConnectorStatusHistory]:
        statement = (
            select(ConnectorStatusHistory)
            .where(ConnectorStatusHistory.connector_pk == connector_pk)
            .order_by(ConnectorStatusHistory.status_at.desc(), ConnectorStatusHistory.id.desc())
            .limit(limit)
        )
        return await self._get_all(statement)

    async def history_for_station(
        self,
        station_pk: int,
        *,
        evse_id: int | None = None,
        connector_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[StatusEntry]:
        """The station's status history, newest first, optionally for one EVSE or connector."""
        limit, offset = clamp_limit(limit), check_offset(offset)
        conditions = [Evse.station_pk == station_pk]
        if evse_id is not None:
            conditions.append(Evse.evse_id == evse_id)
        if connector_id is not None:
            conditions.append(Connector.connector_id == connector_id)
        joined = (
            select(ConnectorStatusHistory)
            .join(Connector, ConnectorStatusHistory.connector_pk == Connector.id)
            .join(Evse, Connector.evse_pk == Evse.id)
            .where(*conditions)
        )
        rows = (
            joined.with_only_columns(
                Evse.evse_id,
                Connector.connector_id,
                ConnectorStatusHistory.status,
                ConnectorStatusHistory.status_at,
                ConnectorStatusHistory.received_at,
            )
            .order_by(ConnectorStatusHistory.status_at.desc(), ConnectorStatusHistory.id.desc())
            .limit(limit)
            .offset(offset)
        )
        counted = joined.with_only_columns(func.count(ConnectorStatusHistory.id))
        with translate_errors():
            total: int = (await self.session.execute(counted)).scalar_one()
            found = (await self.session.execute(rows)).all()
        return Page(
            items=[StatusEntry(*row) for row in found], total=total, limit=limit, offset=offset
        )
