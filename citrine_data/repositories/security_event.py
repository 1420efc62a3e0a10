"""Security events reported by stations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from citrine_data.models.security_event import SecurityEvent
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


class SecurityEventRepository(Repository):
    async def add(
        self, station_pk: int, *, type: str, timestamp: datetime, tech_info: str | None = None
    ) -> SecurityEvent:
        event = SecurityEvent(
            station_pk=station_pk, type=type, timestamp=timestamp, tech_info=tech_info
        )
        self.session.add(event)
        await self._flush()
        return event

    async def list(
        self,
        station_pk: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[SecurityEvent]:
        statement = select(SecurityEvent).where(SecurityEvent.station_pk == station_pk)
        if since is not None:
            statement = statement.where(SecurityEvent.timestamp >= since)
        if until is not None:
            statement = statement.where(SecurityEvent.timestamp < until)
        statement = statement.order_by(SecurityEvent.timestamp.desc(), SecurityEvent.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset)
