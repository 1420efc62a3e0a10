"""Recording a security event of a station: what a SecurityEventNotification reports, or what
the CSMS itself notices (a refused client certificate at the handshake, A00.FR.408).

Here rather than in a module because the handshake code (``server``, ``citrine_util``) records
events too. Critical types (OCPP's security events list) are flagged, logged as alerts, and
go to webhook subscribers of ``SecurityEventNotification`` once announced::

    async with unit_of_work(sessions) as uow:
        event = await record_security_event(
            uow.session, key, "InvalidChargingStationCertificate", "CN mismatch", now
        )
        if event is not None:
            uow.after_commit(functools.partial(announce_security_event, broker, event))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from citrine_base.interfaces.broker import Broker
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import format_date_time
from citrine_base.ocpp.v201 import Action
from citrine_base.ocpp.v201.security_events import is_critical
from citrine_data import Session
from citrine_data.repositories import ChargingStationRepository, SecurityEventRepository
from citrine_util.webhook_events import publish_webhook_event, webhook_event

log = structlog.get_logger(__name__)

MAX_TYPE_LENGTH = 50
MAX_TECH_INFO_LENGTH = 255


@dataclass(frozen=True, slots=True)
class RecordedSecurityEvent:
    id: int
    station: StationKey
    type: str
    timestamp: datetime
    tech_info: str | None
    critical: bool

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "timestamp": format_date_time(self.timestamp),
            "critical": self.critical,
        }
        if self.tech_info is not None:
            data["techInfo"] = self.tech_info
        return data


async def record_security_event(
    session: Session,
    station: StationKey,
    type: str,
    tech_info: str | None,
    timestamp: datetime,
) -> RecordedSecurityEvent | None:
    """Store the event (flushed, not committed); None when the station is not registered.

    ``type`` and ``tech_info`` are cut to OCPP's lengths (50, 255) so that an event the CSMS
    raises about itself always fits.
    """
    stations = ChargingStationRepository.from_session(session)
    found = await stations.get_by_key(station)
    if found is None:
        log.warning("security_event.unknown_station", station_id=station.station_id, type=type)
        return None
    type = type[:MAX_TYPE_LENGTH]
    tech_info = tech_info[:MAX_TECH_INFO_LENGTH] if tech_info is not None else None
    critical = is_critical(type)
    stored = await SecurityEventRepository.from_session(session).add(
        found.id, type=type, timestamp=timestamp, tech_info=tech_info, critical=critical
    )
    if critical:
        log.warning(
            "security_event.critical",
            station_id=station.station_id,
            tenant_id=station.tenant_id,
            type=type,
            tech_info=tech_info,
        )
    return RecordedSecurityEvent(stored.id, station, type, timestamp, tech_info, critical)


async def announce_security_event(broker: Broker, event: RecordedSecurityEvent) -> None:
    """Tell webhook subscribers; call once the event is committed."""
    envelope = webhook_event(event.station, Action.SECURITY_EVENT_NOTIFICATION, event.to_json())
    await publish_webhook_event(broker, envelope)
