"""What the router does about a station closed for flooding: one security event, off the
per-frame path (once per connection, after it closed)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError, unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_util.security_events import announce_security_event, record_security_event

log = structlog.get_logger(__name__)

EVENT_TYPE = "InvalidMessages"
"""The non-critical security event of OCPP's list that fits a flood best."""


async def record_flood(deps: ModuleDeps, station: StationKey, refused: int) -> None:
    """Store ``InvalidMessages`` for ``station`` and tell webhook subscribers once committed."""
    rate = deps.config.limits.message_rate
    tech_info = f"Closed for flooding: over {rate:g} messages/s, {refused} refused"
    try:
        async with unit_of_work(deps.sessions) as uow:
            event = await record_security_event(
                uow.session, station, EVENT_TYPE, tech_info, datetime.now(UTC)
            )
            if event is not None:
                uow.after_commit(functools.partial(announce_security_event, deps.broker, event))
    except DataError as exc:
        log.warning("station.flood_not_recorded", station_id=station.station_id, error=str(exc))
