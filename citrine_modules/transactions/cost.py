"""What a charging session costs under a tariff (block I): energy, time, a session fee, tax.

cost = (price_per_kwh x kWh + price_per_minute x minutes + price_per_session) x (1 + tax_rate),
rounded half-up to the currency's minor unit (ISO 4217: 2 decimals unless listed below).
Minutes are the session's duration, from its start to its end (or to now while it runs).
Exact decimals throughout: money never passes through a float until it goes on the wire.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from citrine_data.models import Tariff, Transaction

# ISO 4217 currencies whose minor unit is not 1/100.
ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
MINOR_UNIT_DIGITS: dict[str, int] = {
    **dict.fromkeys(ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(THREE_DECIMALS.split(), 3),
}
WH_PER_KWH = Decimal(1000)
SECONDS_PER_MINUTE = Decimal(60)


def session_cost(
    tariff: Tariff,
    energy_wh: float | None,
    started_at: datetime | None,
    until: datetime,
) -> Decimal:
    """The session's total cost including tax, in the tariff's currency."""
    kwh = Decimal(repr(energy_wh or 0.0)) / WH_PER_KWH
    minutes = _minutes(started_at, until)
    net = tariff.price_per_kwh * kwh + tariff.price_per_minute * minutes + tariff.price_per_session
    return round_money(net * (1 + tariff.tax_rate), tariff.currency)


def _minutes(started_at: datetime | None, until: datetime) -> Decimal:
    if started_at is None or until <= started_at:
        return Decimal(0)
    return Decimal(repr((until - started_at).total_seconds())) / SECONDS_PER_MINUTE


def round_money(amount: Decimal, currency: str) -> Decimal:
    digits = MINOR_UNIT_DIGITS.get(currency.upper(), 2)
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def current_cost(transaction: Transaction, now: datetime) -> Decimal | None:
    """The final cost once stored, else the cost so far (to the end, or to ``now`` while
    running); None without a tariff. The transaction's ``tariff`` must be loaded."""
    if transaction.total_cost is not None:
        return transaction.total_cost
    tariff = transaction.tariff
    if tariff is None:
        return None
    return session_cost(
        tariff, transaction.energy_wh, transaction.started_at, transaction.ended_at or now
    )
