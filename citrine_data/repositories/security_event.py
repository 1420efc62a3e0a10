"""Security events: reported by stations (SecurityEventNotification) or raised by the CSMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from citrine_data.models.security_event import SecurityEvent
from citrine_data.models.station import ChargingStation
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


def _filtered(
    statement: Select[SecurityEvent],
    since: datetime | None,
    until: datetime | None,
    critical: bool | None,
    type: str | None,
) -> Select[SecurityEvent]:
    if since is not None:
        statement = statement.where(SecurityEvent.timestamp >= since)
    if until is not None:
        statement = statement.where(SecurityEvent.timestamp < until)
    if critical is not None:
        statement = statement.where(SecurityEvent.critical.is_(critical))
    if type is not None:
        statement = statement.where(SecurityEvent.type == type)
    return statement.order_by(SecurityEvent.timestamp.desc(), SecurityEvent.id.desc())


class SecurityEventRepository(Repository):
    async def add(
        self,
        station_pk: int,
        *,
        type: str,
        timestamp: datetime,
        tech_info: str | None = None,
        critical: bool = False,
    ) -> SecurityEvent:
        event = SecurityEvent(
            station_pk=station_pk,
            type=type,
            timestamp=timestamp,
            tech_info=tech_info,
            critical=critical,
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
        critical: bool | None = None,
        type: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[SecurityEvent]:
        statement = select(SecurityEvent).where(SecurityEvent.station_pk == station_pk)
        statement = _filtered(statement, since, until, critical, type)
        return await self._paginate(statement, limit=limit, offset=offset)

    async def list_for_tenant(
        self,
        tenant_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        critical: bool | None = None,
        type: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[SecurityEvent]:
        """Every station's events of the tenant, newest first, with ``station`` loaded."""
        statement = (
            select(SecurityEvent)
            .join(ChargingStation, ChargingStation.id == SecurityEvent.station_pk)
            .where(ChargingStation.tenant_id == tenant_id)
            .options(contains_eager(SecurityEvent.station))
        )
        statement = _filtered(statement, since, until, critical, type)
        return await self._paginate(statement, limit=limit, offset=offset)
