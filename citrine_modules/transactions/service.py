"""MeterValues (block J), StatusNotification (block G) and what GetTransactionStatus tells.

MeterValues: the station's key and the transaction running on the EVSE come from one
statement, then every meter value and sampled value is written in two batched INSERTs.
EVSE 0 is the whole station's meter and belongs to no transaction.

StatusNotification: a connector is (station, EVSE, connector): connector 1 of EVSE 1 and
connector 1 of EVSE 2 are two connectors (CitrineOS collides them, citrineos-core#859). The
history keeps every notification; the latest moves only forward in the station's time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import messages
from citrine_base.rpc.errors import InternalError
from citrine_data import Session
from citrine_data.repositories import (
    ChargingStationRepository,
    ConnectorStatusRepository,
    MeterValueRepository,
    TransactionRepository,
)
from citrine_data.repositories.meter import MeterValueData
from citrine_modules.transactions.metering import sampled_rows

log = structlog.get_logger(__name__)


class UnknownStation(InternalError):
    """The station sending has no row any more (deleted while connected); the station
    retries what was not acknowledged, so nothing is lost once it is provisioned again."""


class MeteringService:
    async def record_meter_values(
        self, session: Session, station: StationKey, request: messages.MeterValuesRequest
    ) -> None:
        found = await TransactionRepository.from_session(session).station_and_running(
            station, request.evse_id
        )
        if found is None:
            raise UnknownStation(f"no station {station}")
        station_pk, transaction_pk = found
        rows = [
            MeterValueData(
                evse_id=request.evse_id,
                timestamp=value.timestamp,
                sampled_values=sampled_rows(value),
                transaction_pk=transaction_pk,
            )
            for value in request.meter_value
        ]
        await MeterValueRepository.from_session(session).add_many(station_pk, rows)


class StatusService:
    async def record_status(
        self, session: Session, station: StationKey, request: messages.StatusNotificationRequest
    ) -> None:
        await self.record(
            session,
            station,
            request.evse_id,
            request.connector_id,
            request.connector_status.value,
            request.timestamp,
        )

    async def record(
        self,
        session: Session,
        station: StationKey,
        evse_id: int,
        connector_id: int,
        status: str,
        at: datetime,
    ) -> None:
        """Record a connector's status (also the way for a NotifyEvent of the connector's
        AvailabilityState, the other way a station reports it)."""
        connector_pk = await self._connector_pk(session, station, evse_id, connector_id)
        await ConnectorStatusRepository.from_session(session).record(connector_pk, status, at)

    async def _connector_pk(
        self, session: Session, station: StationKey, evse_id: int, connector_id: int
    ) -> int:
        stations = ChargingStationRepository.from_session(session)
        known = await stations.connector_pk(station, evse_id, connector_id)
        if known is not None:
            return known
        station_pk = await stations.get_pk(station)
        if station_pk is None:
            raise UnknownStation(f"no station {station}")
        return (await stations.ensure_connector(station_pk, evse_id, connector_id)).id


class TransactionStatusService:
    async def status_answered(
        self,
        session: Session,
        station: StationKey,
        request: messages.GetTransactionStatusRequest,
        response: messages.GetTransactionStatusResponse,
    ) -> bool:
        """E14: a transaction the station says is over, with nothing left in its queue, is
        over here too (its Ended was lost); with messages queued, they will tell. True when
        a transaction was ended."""
        if request.transaction_id is None or response.ongoing_indicator is not False:
            return False
        if response.messages_in_queue:
            return False
        station_pk = await ChargingStationRepository.from_session(session).get_pk(station)
        if station_pk is None:
            return False
        ended = await TransactionRepository.from_session(session).end_by_csms(
            station_pk, request.transaction_id, at=datetime.now(UTC)
        )
        if ended:
            log.info(
                "transaction.ended_by_csms",
                station_id=station.station_id,
                transaction_id=request.transaction_id,
                reason="GetTransactionStatus: not ongoing",
            )
        return ended


metering = MeteringService()
status_service = StatusService()
transaction_status = TransactionStatusService()
