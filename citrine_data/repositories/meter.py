"""Meter values and their sampled values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from citrine_data.models.meter import MeterValue, SampledValue
from citrine_data.repositories.base import Repository


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


class MeterValueRepository(Repository):
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
