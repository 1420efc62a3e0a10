"""What the router does about a station closed for flooding: one security event, off the
per-frame path (after the socket closed), and at most one per station per
``EVENT_INTERVAL`` seconds, so that a station that floods, is closed, reconnects and floods
again cannot turn its loop into a database write per cycle."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError, unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_util.security_events import announce_security_event, record_security_event

log = structlog.get_logger(__name__)

EVENT_TYPE = "InvalidMessages"
"""The non-critical security event of OCPP's list that fits a flood best."""

EVENT_INTERVAL = 300.0
MAX_REMEMBERED = 10_000


class FloodRecorder:
    def __init__(self, deps: ModuleDeps) -> None:
        self._deps = deps
        self._recorded: dict[StationKey, float] = {}
        self.suppressed = 0

    def _due(self, station: StationKey, now: float) -> bool:
        last = self._recorded.get(station)
        if last is not None and now - last < EVENT_INTERVAL:
            return False
        if len(self._recorded) >= MAX_REMEMBERED:  # bounded: forget the stale ones
            self._recorded = {
                key: at for key, at in self._recorded.items() if now - at < EVENT_INTERVAL
            }
        self._recorded[station] = now
        return True

    async def record(self, station: StationKey, refused: int) -> None:
        """Store ``InvalidMessages`` for ``station`` and tell webhook subscribers once
        committed; skipped when one was stored for it in the last ``EVENT_INTERVAL`` s."""
        if not self._due(station, time.monotonic()):
            self.suppressed += 1
            return
        rate = self._deps.config.limits.message_rate
        tech_info = f"Closed for flooding: over {rate:g} messages/s, {refused} refused"
        try:
            async with unit_of_work(self._deps.sessions) as uow:
                event = await record_security_event(
                    uow.session, station, EVENT_TYPE, tech_info, datetime.now(UTC)
                )
                if event is not None:
                    uow.after_commit(
                        functools.partial(announce_security_event, self._deps.broker, event)
                    )
        except DataError as exc:
            log.warning("station.flood_not_recorded", station_id=station.station_id, error=str(exc))
