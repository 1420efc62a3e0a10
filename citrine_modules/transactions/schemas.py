"""REST bodies of transactions, meter values, connector status and tariffs.

Money is an exact decimal, written as a JSON string ("12.34") so that no client rounds it
through a float; on the way in a number or a string is accepted.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, Field, PlainSerializer, model_validator

from citrine_data.models import MeterValue, SampledValue, Tariff, Transaction, TransactionEvent
from citrine_data.repositories.status import StatusEntry
from citrine_modules.rest import ApiModel
from citrine_modules.transactions.cost import current_cost, round_money

IDENTITY_PATTERN = r"^[A-Za-z0-9*\-_=+|@.]{1,48}$"


def decimal_text(value: Decimal) -> str:
    """The same text on every backend ("0.25", not "0.250000")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_text(value: Decimal) -> str:
    """An amount already rounded to its currency's minor unit, written as such ("4.00")."""
    return format(value, "f")


MoneyText = Annotated[Decimal, PlainSerializer(money_text, return_type=str, when_used="json")]
Price = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=6),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
]


class TariffIn(ApiModel):
    """A tariff for the tenant, one station (``stationId``) or one of its EVSEs (``evseId``);
    the most specific one valid when a transaction starts is the one it is charged by."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["EUR"])
    price_per_kwh: Price = Field(default=Decimal(0), examples=["0.35"])
    price_per_minute: Price = Field(default=Decimal(0), examples=["0.02"])
    price_per_session: Price = Field(default=Decimal(0), examples=["1.00"])
    tax_rate: Price = Field(
        default=Decimal(0), le=1, description="0.19 for 19 %; prices are before tax"
    )
    station_id: str | None = Field(default=None, pattern=IDENTITY_PATTERN, examples=["CS-0001"])
    evse_id: int | None = Field(default=None, ge=1, description="Needs stationId")
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.evse_id is not None and self.station_id is None:
            raise ValueError("evseId needs stationId: an EVSE is a station's")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("validTo must be after validFrom")
        return self


class TariffOut(TariffIn):
    id: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, tariff: Tariff) -> TariffOut:
        return cls(
            id=tariff.id,
            currency=tariff.currency,
            price_per_kwh=tariff.price_per_kwh,
            price_per_minute=tariff.price_per_minute,
            price_per_session=tariff.price_per_session,
            tax_rate=tariff.tax_rate,
            station_id=tariff.station.station_id if tariff.station is not None else None,
            evse_id=tariff.evse_id,
            valid_from=tariff.valid_from,
            valid_to=tariff.valid_to,
            created_at=tariff.created_at,
            updated_at=tariff.updated_at,
        )


class TransactionOut(ApiModel):
    transaction_id: str
    station_id: str
    evse_id: int | None
    connector_id: int | None
    state: str = Field(description="active or ended")
    ended_by: str | None = Field(
        description="station (its Ended arrived) or csms (inferred: a newer transaction "
        "started on the EVSE, or the station said it is not ongoing)"
    )
    charging_state: str | None
    stopped_reason: str | None
    id_token: str | None
    id_token_type: str | None
    remote_start_id: int | None
    reservation_id: int | None
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None = Field(description="To the end, or to now while running")
    time_spent_charging: int | None = Field(description="Seconds, as the station reports")
    meter_start_wh: float | None
    meter_stop_wh: float | None
    energy_wh: float | None
    tariff_id: int | None
    total_cost: MoneyText | None = Field(
        description="Including tax; running cost while active, final once ended "
        "(absent: no tariff, which does not mean free)"
    )
    currency: str | None
    is_complete: bool = Field(description="Every event from Started through Ended arrived")
    event_count: int


class EventOut(ApiModel):
    seq_no: int
    event_type: str
    trigger_reason: str
    timestamp: datetime
    offline: bool
    received_at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, event: TransactionEvent) -> EventOut:
        return cls.model_validate(event)


class SampledValueOut(ApiModel):
    value: float
    measurand: str
    context: str | None
    phase: str | None
    location: str | None
    unit: str | None
    multiplier: int | None
    signed_meter_value: dict[str, Any] | None

    @classmethod
    def of(cls, sample: SampledValue) -> SampledValueOut:
        return cls.model_validate(sample)


class MeterValueOut(ApiModel):
    timestamp: datetime
    evse_id: int = Field(description="0: the station's main meter")
    in_transaction: bool
    received_at: datetime
    sampled_values: list[SampledValueOut]

    @classmethod
    def of(cls, value: MeterValue) -> MeterValueOut:
        return cls(
            timestamp=value.timestamp,
            evse_id=value.evse_id,
            in_transaction=value.transaction_pk is not None,
            received_at=value.received_at,
            sampled_values=[SampledValueOut.of(sample) for sample in value.sampled_values],
        )


class TransactionDetail(TransactionOut):
    missing_seq_nos: list[int] = Field(
        description="seqNos between Started and Ended not received yet (up to 1000)"
    )
    events: list[EventOut]
    meter_values: list[MeterValueOut]


class ConnectorStatusOut(ApiModel):
    evse_id: int
    connector_id: int
    status: str
    status_at: datetime


class StatusEntryOut(ConnectorStatusOut):
    received_at: datetime

    @classmethod
    def of(cls, entry: StatusEntry) -> StatusEntryOut:
        return cls(
            evse_id=entry.evse_id,
            connector_id=entry.connector_id,
            status=entry.status,
            status_at=entry.status_at,
            received_at=entry.received_at,
        )


def transaction_fields(transaction: Transaction, now: datetime) -> dict[str, Any]:
    """The fields of ``TransactionOut`` (station and tariff loaded)."""
    started, ended = transaction.started_at, transaction.ended_at
    return {
        "transaction_id": transaction.transaction_id,
        "station_id": transaction.station.station_id,
        "evse_id": transaction.evse_id,
        "connector_id": transaction.connector_id,
        "state": transaction.state.value,
        "ended_by": transaction.ended_by,
        "charging_state": transaction.charging_state,
        "stopped_reason": transaction.stopped_reason,
        "id_token": transaction.id_token,
        "id_token_type": transaction.id_token_type,
        "remote_start_id": transaction.remote_start_id,
        "reservation_id": transaction.reservation_id,
        "started_at": started,
        "ended_at": ended,
        "duration_seconds": ((ended or now) - started).total_seconds() if started else None,
        "time_spent_charging": transaction.time_spent_charging,
        "meter_start_wh": transaction.meter_start_wh,
        "meter_stop_wh": transaction.meter_stop_wh,
        "energy_wh": transaction.energy_wh,
        "tariff_id": transaction.tariff_pk,
        "total_cost": _rounded(current_cost(transaction, now), transaction.currency),
        "currency": transaction.currency,
        "is_complete": transaction.is_complete,
        "event_count": transaction.event_count,
    }


def _rounded(amount: Decimal | None, currency: str | None) -> Decimal | None:
    # PostgreSQL gives NUMERIC(18, 6) back with six decimals; show the currency's own.
    if amount is None or currency is None:
        return amount
    return round_money(amount, currency)


def missing_seq_nos(transaction: Transaction, limit: int = 1000) -> list[int]:
    """The seqNos not received between the first and the last known (Started and Ended
    when they arrived); the events must be loaded."""
    low = _first_known(transaction.started_seq_no, transaction.min_seq_no)
    high = _first_known(transaction.ended_seq_no, transaction.max_seq_no)
    if low is None or high is None:
        return []
    seen = {event.seq_no for event in transaction.events}
    missing: list[int] = []
    for seq_no in range(low, high + 1):
        if seq_no not in seen:
            missing.append(seq_no)
            if len(missing) >= limit:
                break
    return missing


def _first_known(*values: int | None) -> int | None:
    return next((value for value in values if value is not None), None)
