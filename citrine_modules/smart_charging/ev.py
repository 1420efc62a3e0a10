"""ISO 15118 charging needs and schedules (K15-K17) and external limits (K11-K13).

NotifyEVChargingNeeds is answered at once: Accepted when a transaction runs on the EVSE (the
TxProfile follows within seconds), Processing when the transaction is not known yet (the CSMS
looks for it for up to ``NEEDS_DEADLINE`` seconds, then sends the TxProfile: K15 asks for it
within 60 s), Rejected for needs whose parameters contradict the requested energy transfer.
NotifyEVChargingSchedule is Accepted when the EV's schedule stays within what the CSMS allows
(its own TxProfile and the stored profiles), otherwise Rejected, and the CSMS renegotiates by
sending the TxProfile again (K15.FR.12/13, K16.FR.07/08, K17.FR.12/13).
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import Transaction
from citrine_data.repositories import (
    ChargingProfileRepository,
    EvChargingNeedsRepository,
    ExternalLimitRepository,
    ManagedProfileRepository,
    TransactionRepository,
)
from citrine_data.repositories.charging_state import NeedsData
from citrine_data.repositories.smart_charging import ProfileFilter
from citrine_modules.smart_charging import composite
from citrine_modules.smart_charging.convert import engine_schedule, stored_engine_profile
from citrine_modules.smart_charging.fitting import needs_problem
from citrine_modules.smart_charging.profiles import station_pk

NEEDS_DEADLINE = 50.0
TOLERANCE = 0.05  # limits carry one decimal; rounding must not make a schedule "exceed"
DEFAULT_SPAN = 24 * 3600

NeedsStatus = enums.NotifyEVChargingNeedsStatusEnum


async def running_on(session: Session, pk: int, evse_id: int) -> Transaction | None:
    for transaction in await TransactionRepository.from_session(session).list_active(pk):
        if transaction.evse_id == evse_id:
            return transaction
    return None


class EvService:
    async def needs_received(
        self, session: Session, key: StationKey, request: messages.NotifyEVChargingNeedsRequest
    ) -> messages.NotifyEVChargingNeedsResponse:
        pk = await station_pk(session, key)
        problem = needs_problem(request.charging_needs)
        if request.evse_id <= 0:
            problem = "evseId must be > 0"
        transaction = await running_on(session, pk, request.evse_id) if not problem else None
        if problem:
            status = NeedsStatus.REJECTED
        elif transaction is not None:
            status = NeedsStatus.ACCEPTED
        else:
            status = NeedsStatus.PROCESSING
        await EvChargingNeedsRepository.from_session(session).record(
            pk,
            NeedsData(
                evse_id=request.evse_id,
                needs=request.charging_needs.to_wire(),
                status=status.value,
                received_at=datetime.now(UTC),
                transaction_id=transaction.transaction_id if transaction else None,
                max_schedule_tuples=request.max_schedule_tuples,
            ),
        )
        info = datatypes.StatusInfo(reason_code="InvalidNeeds", additional_info=problem)
        return messages.NotifyEVChargingNeedsResponse(
            status=status, status_info=info if problem else None
        )

    async def transaction_for_needs(
        self, session: Session, key: StationKey, evse_id: int
    ) -> Transaction | None:
        """The transaction the EV's needs belong to, once it runs (noted on the needs)."""
        pk = await station_pk(session, key)
        transaction = await running_on(session, pk, evse_id)
        needs = await EvChargingNeedsRepository.from_session(session).get(pk, evse_id)
        if transaction is not None and needs is not None and needs.transaction_id is None:
            await EvChargingNeedsRepository.from_session(session).set_transaction(
                needs, transaction.transaction_id
            )
        return transaction

    async def schedule_received(
        self,
        session: Session,
        key: StationKey,
        request: messages.NotifyEVChargingScheduleRequest,
    ) -> messages.NotifyEVChargingScheduleResponse:
        pk = await station_pk(session, key)
        allowed = await self._allowed(session, pk, request)
        exceeds = _exceeds(request, allowed)
        status = enums.GenericStatusEnum.REJECTED if exceeds else enums.GenericStatusEnum.ACCEPTED
        needs = await EvChargingNeedsRepository.from_session(session).get(pk, request.evse_id)
        if needs is not None:
            await EvChargingNeedsRepository.from_session(session).record_schedule(
                needs,
                schedule=request.charging_schedule.to_wire(),
                time_base=request.time_base,
                status=status.value,
            )
        info = datatypes.StatusInfo(
            reason_code="ExceedsLimits",
            additional_info=exceeds,
        )
        return messages.NotifyEVChargingScheduleResponse(
            status=status, status_info=info if exceeds else None
        )

    async def _allowed(
        self, session: Session, pk: int, request: messages.NotifyEVChargingScheduleRequest
    ) -> list[composite.Composite]:
        """What the CSMS allows at the EVSE from the time base: the composite of the stored
        profiles and, on its own, the TxProfile the CSMS sent (its answer may not be stored
        yet when the EV's schedule arrives)."""
        transaction = await running_on(session, pk, request.evse_id)
        window = _window(request, transaction)
        stored = [
            profile
            for row in await ChargingProfileRepository.from_session(session).list_installed(pk)
            if (profile := stored_engine_profile(row)) is not None
        ]
        allowed = [composite.compute(stored, window)]
        if transaction is not None:
            managed = await ManagedProfileRepository.from_session(session).get(
                pk, transaction.transaction_id
            )
            if managed is not None:
                sent = datatypes.ChargingSchedule.model_validate_json(
                    orjson.dumps(managed.schedule)
                )
                allowed.append(composite.compute([_as_limit(sent)], window))
        return allowed

    async def limit_notified(
        self, session: Session, key: StationKey, request: messages.NotifyChargingLimitRequest
    ) -> None:
        await ExternalLimitRepository.from_session(session).upsert(
            await station_pk(session, key),
            evse_id=request.evse_id or 0,
            source=request.charging_limit.charging_limit_source.value,
            is_grid_critical=request.charging_limit.is_grid_critical,
            schedules=[item.to_wire() for item in request.charging_schedule or []] or None,
        )

    async def limit_cleared(
        self, session: Session, key: StationKey, request: messages.ClearedChargingLimitRequest
    ) -> None:
        """The external system released its limit: forget it, and the external-constraints
        profiles of that source the station had reported."""
        pk = await station_pk(session, key)
        source = request.charging_limit_source.value
        await ExternalLimitRepository.from_session(session).clear(
            pk, source=source, evse_id=request.evse_id
        )
        await ChargingProfileRepository.from_session(session).delete_matching(
            pk,
            ProfileFilter(
                evse_id=request.evse_id,
                purpose=composite.EXTERNAL,
                limit_sources=[source],
            ),
        )


def _window(
    request: messages.NotifyEVChargingScheduleRequest, transaction: Transaction | None
) -> composite.Window:
    schedule = request.charging_schedule
    last = schedule.charging_schedule_period[-1].start_period
    return composite.Window(
        evse_id=request.evse_id,
        start=request.time_base,
        duration=max(schedule.duration or DEFAULT_SPAN, last + 1),
        unit=schedule.charging_rate_unit.value,
        transaction_id=transaction.transaction_id if transaction else None,
        transaction_started_at=transaction.started_at if transaction else None,
    )


def _as_limit(
    schedule: datatypes.ChargingSchedule, start: datetime | None = None
) -> composite.Profile:
    """A schedule as a limit for the engine, from ``start`` if given."""
    engine = engine_schedule(schedule)
    if start is not None:
        engine = composite.Schedule(
            unit=engine.unit, periods=engine.periods, start_schedule=start, duration=engine.duration
        )
    return composite.Profile(
        profile_id=0,
        evse_id=0,
        stack_level=0,
        purpose=composite.MAX_PROFILE,
        kind="Absolute",
        schedule=engine,
    )


def _exceeds(
    request: messages.NotifyEVChargingScheduleRequest, allowed: list[composite.Composite]
) -> str | None:
    """Where the EV's schedule asks for more than is allowed, or None."""
    window = allowed[0].window
    ev = composite.compute([_as_limit(request.charging_schedule, request.time_base)], window)
    cuts = sorted({p.start for p in ev.periods} | {p.start for c in allowed for p in c.periods})
    for offset in cuts:
        wanted = _value_at(ev, offset)
        for limit in (_value_at(item, offset) for item in allowed):
            if wanted is not None and limit is not None and wanted > limit + TOLERANCE:
                return f"{wanted:g} {window.unit} at +{offset} s, above the allowed {limit:g}"
    return None


def _value_at(schedule: composite.Composite, offset: int) -> float | None:
    value = None
    for period in schedule.periods:
        if period.start <= offset:
            value = period.limit
    return value


ev_service = EvService()
