"""What the REST API reads: transactions with energy and cost, meter values, connector status."""

from __future__ import annotations

from datetime import UTC, datetime

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Page, Session
from citrine_data.models import MeterValue
from citrine_data.repositories import (
    ChargingStationRepository,
    ConnectorStatusRepository,
    MeterValueRepository,
    TransactionRepository,
)
from citrine_data.repositories.status import StatusEntry
from citrine_data.repositories.transaction_reads import TransactionFilter
from citrine_modules.rest import ConflictError, NotFoundError
from citrine_modules.transactions.schemas import (
    ConnectorStatusOut,
    EventOut,
    MeterValueOut,
    TransactionDetail,
    TransactionOut,
    missing_seq_nos,
    transaction_fields,
)


class TransactionQueries:
    async def list_transactions(
        self, session: Session, tenant_id: str, where: TransactionFilter, limit: int, offset: int
    ) -> Page[TransactionOut]:
        page = await TransactionRepository.from_session(session).list(
            tenant_id, where=where, limit=limit, offset=offset
        )
        now = datetime.now(UTC)
        items = [TransactionOut(**transaction_fields(item, now)) for item in page.items]
        return Page(items=items, total=page.total, limit=page.limit, offset=page.offset)

    async def transaction_detail(
        self, session: Session, tenant_id: str, transaction_id: str, station_id: str | None
    ) -> TransactionDetail:
        found = await TransactionRepository.from_session(session).find_in_tenant(
            tenant_id, transaction_id, station_id
        )
        if not found:
            raise NotFoundError(f"No transaction {transaction_id}")
        if len(found) > 1:
            stations = ", ".join(item.station.station_id for item in found)
            raise ConflictError(
                f"Stations {stations} each have a transaction {transaction_id}: pass stationId"
            )
        transaction = found[0]
        values = await MeterValueRepository.from_session(session).list_for_transaction(
            transaction.id
        )
        return TransactionDetail(
            **transaction_fields(transaction, datetime.now(UTC)),
            missing_seq_nos=missing_seq_nos(transaction),
            events=[EventOut.of(event) for event in transaction.events],
            meter_values=[MeterValueOut.of(value) for value in values],
        )

    async def connectors(self, session: Session, key: StationKey) -> list[ConnectorStatusOut]:
        station_pk = await self.station_pk_or_raise(session, key)
        latest = await ConnectorStatusRepository.from_session(session).latest_for_station(
            station_pk
        )
        return [
            ConnectorStatusOut(evse_id=evse, connector_id=connector, status=status, status_at=at)
            for evse, connector, status, at in latest
        ]

    async def status_history(
        self,
        session: Session,
        key: StationKey,
        evse_id: int | None,
        connector_id: int | None,
        limit: int,
        offset: int,
    ) -> Page[StatusEntry]:
        station_pk = await self.station_pk_or_raise(session, key)
        return await ConnectorStatusRepository.from_session(session).history_for_station(
            station_pk, evse_id=evse_id, connector_id=connector_id, limit=limit, offset=offset
        )

    async def meter_values(
        self,
        session: Session,
        key: StationKey,
        *,
        evse_id: int | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> Page[MeterValue]:
        station_pk = await self.station_pk_or_raise(session, key)
        return await MeterValueRepository.from_session(session).page_for_station(
            station_pk, evse_id=evse_id, since=since, until=until, limit=limit, offset=offset
        )

    async def station_pk_or_raise(self, session: Session, key: StationKey) -> int:
        station_pk = await ChargingStationRepository.from_session(session).get_pk(key)
        if station_pk is None:
            raise NotFoundError(f"No station {key.station_id}")
        return station_pk


queries = TransactionQueries()
