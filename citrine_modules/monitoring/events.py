"""Events (N07, N08): NotifyEvent stored as it came, queryable, and announced to webhook
subscribers; a connector's AvailabilityState event also moves its status, as a
StatusNotification would (the CSMS must support both ways, Part 5 remark on block G)."""

from __future__ import annotations

from collections.abc import Sequence

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.repositories import (
    ChargingStationRepository,
    ConnectorStatusRepository,
    MonitoringRepository,
)
from citrine_data.repositories.monitoring import EventRecordData

AVAILABILITY_STATE = "AvailabilityState"
CONNECTOR = "Connector"
CONNECTOR_STATUSES = frozenset(status.value for status in enums.ConnectorStatusEnum)


def event_record(event: datatypes.EventData) -> EventRecordData:
    evse = event.component.evse
    return EventRecordData(
        event_id=event.event_id,
        timestamp=event.timestamp,
        trigger=event.trigger.value,
        cause=event.cause,
        actual_value=event.actual_value,
        tech_code=event.tech_code,
        tech_info=event.tech_info,
        cleared=event.cleared,
        transaction_id=event.transaction_id,
        variable_monitoring_id=event.variable_monitoring_id,
        event_notification_type=event.event_notification_type.value,
        component_name=event.component.name,
        component_instance=event.component.instance,
        evse_id=evse.id if evse else None,
        connector_id=evse.connector_id if evse else None,
        variable_name=event.variable.name,
        variable_instance=event.variable.instance,
    )


def availability_changes(
    events: Sequence[datatypes.EventData],
) -> list[tuple[int, int, str, datatypes.EventData]]:
    """(evse id, connector id, status, event) of each connector AvailabilityState event."""
    changes = []
    for event in events:
        evse = event.component.evse
        if (
            event.component.name == CONNECTOR
            and event.variable.name == AVAILABILITY_STATE
            and evse is not None
            and evse.connector_id is not None
            and event.actual_value in CONNECTOR_STATUSES
        ):
            changes.append((evse.id, evse.connector_id, event.actual_value, event))
    return changes


class EventService:
    async def record(
        self, session: Session, key: StationKey, request: messages.NotifyEventRequest
    ) -> None:
        """Store every EventData of the notification in one INSERT; two round trips besides
        the AvailabilityState events."""
        station = await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)
        records = [event_record(event) for event in request.event_data]
        await MonitoringRepository.from_session(session).add_events(station.id, records)
        for evse_id, connector_id, status, event in availability_changes(request.event_data):
            connector = await ChargingStationRepository.from_session(session).ensure_connector(
                station.id, evse_id, connector_id
            )
            await ConnectorStatusRepository.from_session(session).record(
                connector.id, status, event.timestamp
            )


event_service = EventService()
