"""Connector status: the latest per connector and the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
from citrine_data.models.station import Connector, Evse
from citrine_data.models.status import ConnectorStatusHistory, ConnectorStatusLatest
from citrine_data.repositories.base import Repository


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
