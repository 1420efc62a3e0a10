"""Meter values, connector status history and tariffs: the repository methods the
transactions module uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.models import ChargingStation, Tenant
from citrine_data.repositories.meter import MeterValueData, MeterValueRepository, SampledValueData
from citrine_data.repositories.station import ChargingStationRepository
from citrine_data.repositories.status import ConnectorStatusRepository
from citrine_data.repositories.tariff import TariffData, TariffRepository
from citrine_data.repositories.transaction import TransactionRepository, TransactionStart

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


class TestMeterValues:
    async def test_many_values_in_two_statements(
        self, session: AsyncSession, station: ChargingStation, sql_trace: Any
    ) -> None:
        repository = MeterValueRepository(session)
        values = [
            MeterValueData(
                evse_id=1,
                timestamp=T0 + timedelta(minutes=minute),
                sampled_values=[
                    SampledValueData(value=minute),
                    SampledValueData(value=1, phase="L1"),
                ],
            )
            for minute in range(3)
        ]
        with sql_trace() as sent:
            await repository.add_many(station.id, values)
        # Batched meter values on PostgreSQL; SQLite, in process, takes one per meter value.
        meter_inserts = 1 if repository.dialect_name == "postgresql" else len(values)
        assert sent == ["INSERT"] * (meter_inserts + 1), sent
        page = await repository.page_for_station(station.id, limit=2)
        assert page.total == 3
        assert [value.sampled_values[0].value for value in page.items] == [2.0, 1.0]
        since = await repository.page_for_station(station.id, since=T0 + timedelta(minutes=1))
        assert since.total == 2
        assert (await repository.page_for_station(station.id, evse_id=0)).total == 0

    async def test_values_stored_before_the_evse_was_known_move_to_it(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        transaction = await TransactionRepository(session).create(
            station.id, TransactionStart(transaction_id="tx", started_at=T0)
        )
        repository = MeterValueRepository(session)
        early = MeterValueData(
            evse_id=0, timestamp=T0, sampled_values=[SampledValueData(value=1)],
            transaction_pk=transaction.id,
        )  # fmt: skip
        await repository.add_many(station.id, [early])
        assert await repository.place_on_evse(transaction.id, 3) == 1
        session.expunge_all()
        [stored] = await repository.list_for_transaction(transaction.id)
        assert stored.evse_id == 3


class TestStatusHistory:
    async def test_history_by_station_evse_and_connector(
        self, session: AsyncSession, station: ChargingStation, station_key: StationKey
    ) -> None:
        stations = ChargingStationRepository(session)
        statuses = ConnectorStatusRepository(session)
        for evse_id, connector_id, status, minute in [
            (1, 1, "Available", 0),
            (2, 1, "Available", 1),
            (2, 1, "Occupied", 2),
        ]:
            connector = await stations.ensure_connector(station.id, evse_id, connector_id)
            await statuses.record(connector.id, status, T0 + timedelta(minutes=minute))
        assert await stations.connector_pk(station_key, 2, 1) == connector.id
        assert await stations.connector_pk(station_key, 3, 1) is None
        assert await stations.connector_pk(StationKey("acme", "NOPE"), 2, 1) is None

        page = await statuses.history_for_station(station.id, limit=2)
        assert page.total == 3
        assert [(e.evse_id, e.status) for e in page.items] == [(2, "Occupied"), (2, "Available")]
        only = await statuses.history_for_station(station.id, evse_id=1, connector_id=1)
        assert [(e.evse_id, e.connector_id, e.status) for e in only.items] == [(1, 1, "Available")]


class TestTariffs:
    async def test_the_most_specific_valid_tariff_applies(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = TariffRepository(session)

        async def add(**fields: Any) -> int:
            return (await repository.create(tenant.id, TariffData(currency="EUR", **fields))).id

        tenant_wide = await add()
        station_wide = await add(station_pk=station.id)
        evse_two = await add(station_pk=station.id, evse_id=2)
        await add(station_pk=station.id, evse_id=1, valid_to=T0)  # expired

        async def applies(evse_id: int | None) -> int | None:
            found = await repository.find_applicable(tenant.id, station.id, evse_id, T0)
            return found.id if found else None

        assert await applies(2) == evse_two
        assert await applies(1) == station_wide
        assert await applies(None) == station_wide
        other = await ChargingStationRepository(session).create(StationKey(tenant.id, "CS2"))
        assert (await repository.find_applicable(tenant.id, other.id, 1, T0)).id == tenant_wide  # type: ignore[union-attr]

    async def test_list_update_delete_within_the_tenant(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = TariffRepository(session)
        tariff = await repository.create(tenant.id, TariffData(currency="EUR"))
        await repository.create(tenant.id, TariffData(currency="EUR", station_pk=station.id))
        assert (await repository.list(tenant.id)).total == 2
        assert (await repository.list(tenant.id, station_pk=station.id)).total == 1
        assert (await repository.list("someone-else")).total == 0

        changed = TariffData(currency="USD", price_per_kwh=Decimal("0.42"), station_pk=station.id)
        updated = await repository.update(tenant.id, tariff.id, changed)
        assert updated is not None
        assert (updated.currency, updated.price_per_kwh) == ("USD", Decimal("0.42"))
        assert updated.station is not None
        assert updated.station.station_id == "CS1"
        assert await repository.update("someone-else", tariff.id, changed) is None
        assert await repository.delete("someone-else", tariff.id) is False
        assert await repository.delete(tenant.id, tariff.id) is True
        assert await repository.get(tenant.id, tariff.id) is None
