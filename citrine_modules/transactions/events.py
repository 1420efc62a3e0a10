"""TransactionEvent (block E): always answered, applied exactly once, in any arrival order.

Per event, in one unit of work and few statements:

1. the transaction's row is upserted (created by its first event, whatever its type) and, on
   PostgreSQL, locked until the commit: the events of one transaction never race;
2. an idToken is re-checked (E01.FR.11: the station may have accepted it offline or from a
   stale cache) and answered in idTokenInfo;
3. ``progress.plan`` decides what changes, the cost is computed on Ended (TC_I_02_CSMS);
4. the event is inserted with its answer, unless its (transaction, seqNo) is stored already:
   then nothing is applied and the stored answer is given again (a retried event);
5. the changes, the seqNo bookkeeping and the meter values are written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import enums, messages
from citrine_data import Session
from citrine_data.models import Tariff, Transaction
from citrine_data.repositories import (
    MeterValueRepository,
    TariffRepository,
    TransactionRepository,
)
from citrine_data.repositories.meter import MeterValueData
from citrine_data.repositories.transaction import EventData
from citrine_modules.evdriver.authorization import (
    Authorization,
    AuthorizationService,
    authorization,
)
from citrine_modules.evdriver.remote import remote_starts
from citrine_modules.evdriver.reservations import reservation_service
from citrine_modules.transactions import progress
from citrine_modules.transactions.cost import session_cost
from citrine_modules.transactions.metering import register_readings, sampled_rows
from citrine_modules.transactions.progress import TokenUse, after

log = structlog.get_logger(__name__)

ENDED = enums.TransactionEventEnum.ENDED


class TransactionEventService:
    def __init__(self, authorizer: AuthorizationService = authorization) -> None:
        # The module passes one that also asks the roaming partner about unknown tokens.
        self._authorizer = authorizer

    async def handle(
        self, session: Session, station: StationKey, request: messages.TransactionEventRequest
    ) -> messages.TransactionEventResponse:
        transactions = TransactionRepository.from_session(session)
        transaction = await transactions.open_for_event(
            station, request.transaction_info.transaction_id, seen_at=request.timestamp
        )
        is_new = transaction.event_count == 0
        await self._end_superseded(transactions, transaction, request)
        checked, token = await self._authorize(session, station, transaction, request)
        readings = register_readings(request.meter_value or ())
        changes = progress.plan(transaction, request, readings, token)
        tariff = await self._tariff(session, station, transaction, changes, is_new, request)
        cost = _final_cost(transaction, changes, tariff, request)
        response = messages.TransactionEventResponse(
            total_cost=float(cost) if cost is not None and request.event_type is ENDED else None,
            id_token_info=checked.info if checked is not None else None,
        )
        event_pk = await transactions.record_event(
            transaction.id, _event_data(request), response.to_wire()
        )
        if event_pk is None:
            return await self._repeated(transactions, transaction, request, response)
        await self._apply(session, station, transaction, changes, request, event_pk)
        if is_new or "state" in changes:
            log.info(
                "transaction.progress",
                station_id=station.station_id,
                transaction_id=transaction.transaction_id,
                event_type=request.event_type.value,
                state=transaction.state.value,
            )
        return response

    async def _end_superseded(
        self,
        transactions: TransactionRepository,
        transaction: Transaction,
        request: messages.TransactionEventRequest,
    ) -> None:
        """One transaction at a time per EVSE: older ones still active there lost their Ended
        and would otherwise hold their token (ConcurrentTx) for ever. Done before the token
        is checked, which must not count them; harmless for a repeated event."""
        evse_id = progress.new_evse(transaction, request)
        started_at = progress.start_time(transaction, request)
        if evse_id is not None and started_at is not None:
            await transactions.end_superseded(
                transaction, evse_id, started_before=started_at, at=started_at
            )

    async def _authorize(
        self,
        session: Session,
        station: StationKey,
        transaction: Transaction,
        request: messages.TransactionEventRequest,
    ) -> tuple[Authorization | None, TokenUse | None]:
        if request.id_token is None:
            return None, None
        starting = progress.starts_authorization(transaction, request)
        checked = await self._authorizer.authorize(
            session,
            station,
            request.id_token,
            evse_id=request.evse.id if request.evse is not None else transaction.evse_id,
            starting=starting,
            transaction_id=transaction.transaction_id,
        )
        if not starting:
            return checked, None
        token = TokenUse(request.id_token.id_token, request.id_token.type.value, checked.token)
        return checked, token

    async def _tariff(
        self,
        session: Session,
        station: StationKey,
        transaction: Transaction,
        changes: dict[str, Any],
        is_new: bool,
        request: messages.TransactionEventRequest,
    ) -> Tariff | None:
        """The tariff of the transaction: chosen when it starts and again once its EVSE is
        known (an EVSE may have a tariff of its own); loaded only when a cost is due."""
        tariffs = TariffRepository.from_session(session)
        if is_new or progress.evse_became_known(changes):
            tariff = await tariffs.find_applicable(
                station.tenant_id,
                transaction.station_pk,
                after(transaction, changes, "evse_id"),
                after(transaction, changes, "started_at"),
            )
            if (tariff.id if tariff else None) != transaction.tariff_pk:
                changes["tariff_pk"] = tariff.id if tariff else None
                changes["currency"] = tariff.currency if tariff else None
            return tariff
        if transaction.tariff_pk is None or not _cost_due(transaction, changes, request):
            return None
        return await tariffs.get_by_pk(transaction.tariff_pk)

    async def _repeated(
        self,
        transactions: TransactionRepository,
        transaction: Transaction,
        request: messages.TransactionEventRequest,
        fresh: messages.TransactionEventResponse,
    ) -> messages.TransactionEventResponse:
        stored = await transactions.stored_event(transaction.id, request.seq_no)
        same = stored is not None and stored.payload == request.to_wire()
        log.info(
            "transaction_event.repeated" if same else "transaction_event.seq_no_reused",
            transaction_id=transaction.transaction_id,
            seq_no=request.seq_no,
        )
        if stored is None or stored.response is None:
            return fresh
        return messages.TransactionEventResponse.model_validate_json(orjson.dumps(stored.response))

    async def _apply(
        self,
        session: Session,
        station: StationKey,
        transaction: Transaction,
        changes: dict[str, Any],
        request: messages.TransactionEventRequest,
        event_pk: int,
    ) -> None:
        transactions = TransactionRepository.from_session(session)
        meter_values = MeterValueRepository.from_session(session)
        stored_before = transaction.event_count > 0
        for name, value in changes.items():
            setattr(transaction, name, value)
        await transactions.note_event(transaction, request.seq_no, request.event_type.value)
        if stored_before and progress.evse_became_known(changes) and transaction.evse_id:
            # TC_J_08_CSMS: Transaction.Begin values sent before the EVSE was known.
            await meter_values.place_on_evse(transaction.id, transaction.evse_id)
        if request.meter_value:
            rows = [
                MeterValueData(
                    evse_id=transaction.evse_id or 0,
                    timestamp=value.timestamp,
                    sampled_values=sampled_rows(value),
                    transaction_pk=transaction.id,
                    transaction_event_pk=event_pk,
                )
                for value in request.meter_value
            ]
            await meter_values.add_many(transaction.station_pk, rows)
        if "reservation_id" in changes and transaction.reservation_id is not None:
            # H01: the first event after authorization carries reservationId.
            await reservation_service.consume(
                session, station, transaction.reservation_id, transaction.id
            )
        if "remote_start_id" in changes and transaction.remote_start_id is not None:
            # F01/F02: the transaction answers a RequestStartTransaction of ours.
            await remote_starts.link(
                session,
                station,
                transaction.remote_start_id,
                transaction.id,
                transaction.transaction_id,
            )


def _cost_due(
    transaction: Transaction, changes: dict[str, Any], request: messages.TransactionEventRequest
) -> bool:
    """A final cost is due on Ended, and again when a late event changes the energy of a
    transaction the station already ended."""
    return request.event_type is ENDED or (
        progress.ended_by_station(transaction) and "energy_wh" in changes
    )


def _final_cost(
    transaction: Transaction,
    changes: dict[str, Any],
    tariff: Tariff | None,
    request: messages.TransactionEventRequest,
) -> Decimal | None:
    if tariff is None or not _cost_due(transaction, changes, request):
        return None
    ended_at = after(transaction, changes, "ended_at") or request.timestamp
    cost = session_cost(
        tariff,
        after(transaction, changes, "energy_wh"),
        after(transaction, changes, "started_at"),
        ended_at,
    )
    changes["total_cost"] = cost
    changes["currency"] = tariff.currency
    return cost


def _event_data(request: messages.TransactionEventRequest) -> EventData:
    return EventData(
        seq_no=request.seq_no,
        event_type=request.event_type.value,
        trigger_reason=request.trigger_reason.value,
        timestamp=request.timestamp,
        payload=request.to_wire(),
        offline=request.offline is True,
    )
