"""Meter values and their sampled values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import selectinload

from citrine_data.errors import translate_errors
from citrine_data.models.meter import MeterValue, SampledValue
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

SAMPLED_VALUES = cast("Table", SampledValue.__table__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SampledValueData:
    value: float
    measurand: str = "Energy.Active.Import.Register"
    context: str | None = None
    phase: str | None = None
    location: str | None = None
    unit: str | None = None
    multiplier: int | None = None
    signed_meter_value: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterValueData:
    """One MeterValue (its sampled values share a timestamp)."""

    evse_id: int
    timestamp: datetime
    sampled_values: Sequence[SampledValueData]
    transaction_pk: int | None = None
    transaction_event_pk: int | None = None


class MeterValueRepository(Repository):
    async def add_many(self, station_pk: int, values: Sequence[MeterValueData]) -> None:
        """Store meter values: one INSERT for all their sampled values, and one for the
        meter values on PostgreSQL (batched with RETURNING; SQLite, in process, takes one
        per meter value)."""
        rows = [
            MeterValue(
                station_pk=station_pk,
                evse_id=value.evse_id,
                timestamp=value.timestamp,
                transaction_pk=value.transaction_pk,
                transaction_event_pk=value.transaction_event_pk,
            )
            for value in values
        ]
        self.session.add_all(rows)
        await self._flush()
        samples = [
            {"meter_value_pk": row.id, **asdict(sample)}
            for row, value in zip(rows, values, strict=True)
            for sample in value.sampled_values
        ]
        if samples:
            # The table, not the entity: an ORM bulk insert splits the batch wherever the
            # set of non-null columns changes; a plain executemany sends every row at once.
            with translate_errors():
                await self.session.execute(insert(SAMPLED_VALUES), samples)

    async def add(
        self,
        station_pk: int,
        *,
        evse_id: int,
        timestamp: datetime,
        sampled_values: Sequence[SampledValueData],
        transaction_pk: int | None = None,
        transaction_event_pk: int | None = None,
    ) -> MeterValue:
        meter_value = MeterValue(
            station_pk=station_pk,
            evse_id=evse_id,
            timestamp=timestamp,
            transaction_pk=transaction_pk,
            transaction_event_pk=transaction_event_pk,
            sampled_values=[SampledValue(**asdict(sample)) for sample in sampled_values],
        )
        self.session.add(meter_value)
        await self._flush()
        return meter_value

    async def place_on_evse(self, transaction_pk: int, evse_id: int) -> int:
        """Give a transaction's meter values stored before its EVSE was known (filed under
        0) their EVSE; how many were moved."""
        statement = (
            update(MeterValue)
            .where(MeterValue.transaction_pk == transaction_pk, MeterValue.evse_id == 0)
            .values(evse_id=evse_id)
        )
        return await self._execute_dml(statement, synchronize=False)

    async def list_for_transaction(self, transaction_pk: int) -> list[MeterValue]:
        statement = (
            select(MeterValue)
            .where(MeterValue.transaction_pk == transaction_pk)
            .options(selectinload(MeterValue.sampled_values))
            .order_by(MeterValue.timestamp, MeterValue.id)
        )
        return await self._get_all(statement)

    async def list_for_station(
        self, station_pk: int, *, since: datetime, until: datetime | None = None
    ) -> list[MeterValue]:
        statement = select(MeterValue).where(
            MeterValue.station_pk == station_pk, MeterValue.timestamp >= since
        )
        if until is not None:
            statement = statement.where(MeterValue.timestamp < until)
        statement = statement.options(selectinload(MeterValue.sampled_values)).order_by(
            MeterValue.timestamp, MeterValue.id
        )
        return await self._get_all(statement)

    async def page_for_station(
        self,
        station_pk: int,
        *,
        evse_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[MeterValue]:
        """Newest first, with their sampled values."""
        statement = select(MeterValue).where(MeterValue.station_pk == station_pk)
        if evse_id is not None:
            statement = statement.where(MeterValue.evse_id == evse_id)
        if since is not None:
            statement = statement.where(MeterValue.timestamp >= since)
        if until is not None:
            statement = statement.where(MeterValue.timestamp < until)
        statement = statement.options(selectinload(MeterValue.sampled_values)).order_by(
            MeterValue.timestamp.desc(), MeterValue.id.desc()
        )
        return await self._paginate(statement, limit=limit, offset=offset)
