"""How one TransactionEvent changes what we know of its transaction: pure rules, no I/O.

Events may arrive late, twice, out of order, and after Ended (offline queues, E04, E12), so
every rule here gives the same result whatever the arrival order:

* facts a station sends once (EVSE, remoteStartId, reservationId, the starting token) keep
  the first value seen;
* the start time is the Started event's; until it arrives, the earliest event's;
* the current state (chargingState) comes from the newest event by seqNo that reported
  one, up to the station's Ended (an event after Ended is not part of the transaction);
* time spent charging and the energy register only grow: the highest value wins, and the
  energy is the highest register reading minus the lowest;
* only an Ended event ends a transaction for the station, and nothing reopens one (an
  Updated after Ended is stored, not applied: CitrineOS reopens it, citrineos#204).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from citrine_base.ocpp.v201 import enums, messages
from citrine_data.models import EndedBy, IdToken, Transaction, TransactionState
from citrine_modules.transactions.metering import energy_span

EventType = enums.TransactionEventEnum
# Triggers of an event whose idToken ends the authorization instead of starting it.
STOPPING_TRIGGERS = frozenset(
    {enums.TriggerReasonEnum.STOP_AUTHORIZED, enums.TriggerReasonEnum.DEAUTHORIZED}
)


@dataclass(frozen=True, slots=True)
class TokenUse:
    """The token an event carries, as it starts the transaction."""

    id_token: str
    type: str
    row: IdToken | None


def starts_authorization(
    transaction: Transaction, request: messages.TransactionEventRequest
) -> bool:
    """The event's idToken is the one the transaction is started (authorized) with."""
    return (
        request.id_token is not None
        and transaction.id_token is None
        and request.event_type is not EventType.ENDED
        and request.trigger_reason not in STOPPING_TRIGGERS
    )


def ended_by_station(transaction: Transaction) -> bool:
    return transaction.ended_by == EndedBy.STATION.value


def plan(
    transaction: Transaction,
    request: messages.TransactionEventRequest,
    readings: list[float],
    token: TokenUse | None,
) -> dict[str, Any]:
    """The columns of ``transaction`` to change for ``request`` (nothing is changed here)."""
    changes: dict[str, Any] = {}
    _once(transaction, request, token, changes)
    _started(transaction, request, changes)
    _state(transaction, request, changes)
    _energy(transaction, request, readings, changes)
    _ending(transaction, request, changes)
    return {name: value for name, value in changes.items() if getattr(transaction, name) != value}


def _once(
    transaction: Transaction,
    request: messages.TransactionEventRequest,
    token: TokenUse | None,
    changes: dict[str, Any],
) -> None:
    evse = request.evse
    if new_evse(transaction, request) is not None and evse is not None:
        changes["evse_id"] = evse.id
    if (
        evse is not None
        and evse.connector_id is not None
        and transaction.connector_id is None
        and evse.id == changes.get("evse_id", transaction.evse_id)
    ):
        changes["connector_id"] = evse.connector_id
    remote_start_id = request.transaction_info.remote_start_id
    if remote_start_id is not None and transaction.remote_start_id is None:
        changes["remote_start_id"] = remote_start_id
    if request.reservation_id is not None and transaction.reservation_id is None:
        changes["reservation_id"] = request.reservation_id
    if token is not None:
        changes["id_token"] = token.id_token
        changes["id_token_type"] = token.type
        changes["id_token_pk"] = token.row.id if token.row is not None else None


def _started(
    transaction: Transaction, request: messages.TransactionEventRequest, changes: dict[str, Any]
) -> None:
    started_at = start_time(transaction, request)
    if started_at is not None:
        changes["started_at"] = started_at


def start_time(
    transaction: Transaction, request: messages.TransactionEventRequest
) -> datetime | None:
    """When the transaction started, as far as this event tells."""
    if request.event_type is EventType.STARTED:
        return request.timestamp
    if transaction.started_seq_no is None and _earlier(request.timestamp, transaction.started_at):
        return request.timestamp
    return transaction.started_at


def _earlier(candidate: datetime, known: datetime | None) -> bool:
    return known is None or candidate < known


def new_evse(transaction: Transaction, request: messages.TransactionEventRequest) -> int | None:
    """The EVSE the event places a transaction on that had none yet."""
    if request.evse is None or transaction.evse_id is not None:
        return None
    return request.evse.id


def _state(
    transaction: Transaction, request: messages.TransactionEventRequest, changes: dict[str, Any]
) -> None:
    info = request.transaction_info
    reported_at = transaction.charging_state_seq_no
    newer = reported_at is None or request.seq_no > reported_at
    if info.charging_state is not None and newer and not _after_end(transaction, request):
        changes["charging_state"] = info.charging_state.value
        changes["charging_state_seq_no"] = request.seq_no
    spent = info.time_spent_charging
    if spent is not None and (transaction.time_spent_charging or 0) < spent:
        changes["time_spent_charging"] = spent


def _energy(
    transaction: Transaction,
    request: messages.TransactionEventRequest,
    readings: list[float],
    changes: dict[str, Any],
) -> None:
    if not readings or _after_end(transaction, request):
        return
    span = energy_span(readings, transaction.meter_start_wh, transaction.meter_stop_wh)
    if span is not None:
        low, high = span
        changes.update(meter_start_wh=low, meter_stop_wh=high, energy_wh=high - low)


def _after_end(transaction: Transaction, request: messages.TransactionEventRequest) -> bool:
    """The event comes after the station's Ended: not part of the transaction's energy."""
    ended_seq_no = transaction.ended_seq_no
    return (
        ended_by_station(transaction) and ended_seq_no is not None and request.seq_no > ended_seq_no
    )


def _ending(
    transaction: Transaction, request: messages.TransactionEventRequest, changes: dict[str, Any]
) -> None:
    if request.event_type is not EventType.ENDED or ended_by_station(transaction):
        return
    reason = request.transaction_info.stopped_reason
    changes.update(
        state=TransactionState.ENDED,
        ended_at=request.timestamp,
        # The station leaves stoppedReason out only when the reason is Local.
        stopped_reason=(reason or enums.ReasonEnum.LOCAL).value,
        ended_by=EndedBy.STATION.value,
    )


def evse_became_known(changes: dict[str, Any]) -> bool:
    return "evse_id" in changes


def after(transaction: Transaction, changes: dict[str, Any], name: str) -> Any:
    """A column's value once ``changes`` are applied."""
    return changes[name] if name in changes else getattr(transaction, name)
