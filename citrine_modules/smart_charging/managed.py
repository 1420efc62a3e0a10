"""The CSMS's own TxProfile per transaction: planned from the site share, the EV's needs and
the station's other profiles (``fitting``), sent only when its limits change.

One managed profile per transaction, with an id from the station's ``managed_profile_id``
counter above ``MANAGED_ID_BASE`` (operators are refused that id), at the station's highest
stack level (``SmartChargingCtrlr.ProfileStackLevel``; when unknown, one above the other
TxProfiles of the transaction, so an operator's TxProfile above it moves it up at the next
refit), so that it governs the transaction while folding in the limits of everything below.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_data import Session, unit_of_work
from citrine_data.models import EvChargingNeeds, ManagedProfile, Transaction
from citrine_data.repositories import (
    ChargingStationRepository,
    EvChargingNeedsRepository,
    ManagedProfileRepository,
)
from citrine_data.repositories.charging_state import ManagedData
from citrine_modules.deps import ModuleDeps
from citrine_modules.smart_charging import composite
from citrine_modules.smart_charging.convert import engine_profile
from citrine_modules.smart_charging.fitting import (
    HORIZON,
    FitInput,
    choose_unit,
    ev_needs,
    fit_schedule,
)
from citrine_modules.smart_charging.profiles import profile_context
from citrine_modules.smart_charging.rules import ProfileContext, check_profile

log = structlog.get_logger(__name__)

MANAGED_ID_BASE = 1_000_000
ACCEPTED = "Accepted"


@dataclass(frozen=True, slots=True)
class Plan:
    """A managed profile to send, and what is recorded about it."""

    station: StationKey
    station_pk: int
    request: messages.SetChargingProfileRequest
    share_amps: float | None
    lowers: bool  # it lowers the limit: sent before the raises, so the sum stays within


def _next_second() -> datetime:
    """Now, rounded up to a whole second: a schedule starts on a second, and whatever was
    set a moment ago already holds then."""
    now = datetime.now(UTC)
    whole = now.replace(microsecond=0)
    return whole if whole == now else whole + timedelta(seconds=1)


def _first_limit(schedule: datatypes.ChargingSchedule) -> float:
    return schedule.charging_schedule_period[0].limit


def _limits(profile: composite.Profile, now: datetime) -> list[tuple[int, float | None]]:
    window = composite.Window(
        evse_id=profile.evse_id,
        start=now,
        duration=HORIZON,
        unit="A",
        transaction_id=profile.transaction_id,
    )
    return [(item.start, item.limit) for item in composite.compute([profile], window).periods]


def same_limits(
    sent: dict[str, object], planned: datatypes.ChargingProfile, evse_id: int, now: datetime
) -> bool:
    """Whether the schedule sent before allows the same from now on as the planned one."""
    before = datatypes.ChargingSchedule.model_validate_json(orjson.dumps(sent))
    old = planned.model_copy(update={"charging_schedule": [before]})
    return _limits(engine_profile(evse_id, old), now) == _limits(
        engine_profile(evse_id, planned), now
    )


def _stack_level(context: ProfileContext, transaction_id: str, managed_id: int) -> int:
    known = context.capabilities.max_stack_level
    if known is not None:
        return known
    levels = [
        item.stack_level
        for item in context.installed
        if item.purpose == composite.TX
        and item.transaction_id == transaction_id
        and item.profile_id != managed_id
    ]
    return max(levels) + 1 if levels else 0


def _fresh(row: ManagedProfile, now: datetime, in_flight: float) -> bool:
    """Sent recently enough not to be sent again unchanged: answered Accepted, or still
    waiting for its answer."""
    if row.status == ACCEPTED:
        return True
    return row.status is None and row.sent_at > now - timedelta(seconds=in_flight)


def _settled(
    row: ManagedProfile, planned: datatypes.ChargingProfile, now: datetime, in_flight: float
) -> bool:
    """The station has (or is about to have) a profile with the planned limits."""
    unchanged = same_limits(row.schedule, planned, row.evse_id, now)
    return unchanged and _fresh(row, now, in_flight)


def _schedule(
    context: ProfileContext,
    transaction: Transaction,
    needs: EvChargingNeeds | None,
    share_amps: float | None,
    now: datetime,
) -> datatypes.ChargingSchedule:
    """The managed schedule from now: see ``fitting``."""
    evse_id = transaction.evse_id or 0
    charging_needs = (
        datatypes.ChargingNeeds.model_validate_json(orjson.dumps(needs.needs)) if needs else None
    )
    ev = ev_needs(charging_needs) if charging_needs is not None else None
    unit = choose_unit(ev, context.capabilities.rate_units)
    window = composite.Window(
        evse_id=evse_id,
        start=now,
        duration=HORIZON,
        unit=unit,
        transaction_id=transaction.transaction_id,
        transaction_started_at=transaction.started_at,
    )
    tuples = needs.max_schedule_tuples if needs else None
    most = [value for value in (tuples, context.capabilities.periods_per_schedule) if value]
    return fit_schedule(
        FitInput(
            now=now,
            unit=unit,
            others=composite.compute(context.installed, window),
            share_amps=share_amps,
            ev=ev,
            evse_max_watts=context.capabilities.evse_max_power.get(evse_id),
            phases=context.capabilities.evse_phases.get(evse_id),
            max_periods=min(most) if most else None,
        )
    )


class ManagedProfiles:
    def __init__(self, deps: ModuleDeps) -> None:
        self._deps = deps

    async def plan(
        self,
        session: Session,
        station: StationKey,
        pk: int,
        transaction: Transaction,
        share_amps: float | None,
        *,
        force: bool = False,
    ) -> Plan | None:
        """The profile the transaction should have, or None when it needs none or already
        has it (``force``: send it anyway, as after new EV charging needs)."""
        evse_id = transaction.evse_id
        if evse_id is None or evse_id <= 0:
            return None  # a TxProfile needs the EVSE; the share still counts at the site
        needs = await EvChargingNeedsRepository.from_session(session).get(pk, evse_id)
        if needs is not None and needs.transaction_id != transaction.transaction_id:
            needs = None  # the needs of an earlier EV at this EVSE
        if share_amps is None and needs is None:
            return None
        row = await ManagedProfileRepository.from_session(session).get(
            pk, transaction.transaction_id
        )
        profile_id = row.profile_id if row is not None else await self._new_id(session, pk)
        now = _next_second()
        context = await profile_context(session, pk, now, reserve_managed=False)
        context = _without(context, profile_id)
        profile = datatypes.ChargingProfile(
            id=profile_id,
            stack_level=_stack_level(context, transaction.transaction_id, profile_id),
            charging_profile_purpose=enums.ChargingProfilePurposeEnum.TX_PROFILE,
            charging_profile_kind=enums.ChargingProfileKindEnum.ABSOLUTE,
            transaction_id=transaction.transaction_id,
            charging_schedule=[_schedule(context, transaction, needs, share_amps, now)],
        )
        problems = check_profile(evse_id, profile, context)
        if problems:
            log.error("managed_profile.invalid", station_id=station.station_id, problems=problems)
            return None
        in_flight = self._deps.config.ocpp.call_timeout * 2
        if row is not None and not force and _settled(row, profile, now, in_flight):
            return None
        lowers = row is None or _first_limit(profile.charging_schedule[0]) < _first_limit(
            datatypes.ChargingSchedule.model_validate_json(orjson.dumps(row.schedule))
        )
        request = messages.SetChargingProfileRequest(evse_id=evse_id, charging_profile=profile)
        return Plan(station, pk, request, share_amps, lowers)

    async def _new_id(self, session: Session, pk: int) -> int:
        counter = await ChargingStationRepository.from_session(session).next_value(
            pk, "managed_profile_id"
        )
        return MANAGED_ID_BASE + counter

    async def send(self, plans: Sequence[Plan]) -> None:
        """Lower limits first, then raise: during the change the sum stays within."""
        for group in ([p for p in plans if p.lowers], [p for p in plans if not p.lowers]):
            await asyncio.gather(*(self._send(plan) for plan in group))

    async def _send(self, plan: Plan) -> None:
        profile = plan.request.charging_profile
        async with unit_of_work(self._deps.sessions) as uow:
            await ManagedProfileRepository.from_session(uow.session).record_sent(
                plan.station_pk,
                ManagedData(
                    transaction_id=profile.transaction_id or "",
                    evse_id=plan.request.evse_id,
                    profile_id=profile.id,
                    stack_level=profile.stack_level,
                    share_amps=plan.share_amps,
                    schedule=profile.charging_schedule[0].to_wire(),
                    sent_at=datetime.now(UTC),
                ),
            )
        try:
            await self._deps.commands.call(plan.station, Action.SET_CHARGING_PROFILE, plan.request)
        except (CallFailed, OcppError) as exc:
            # Recorded by the result handler; the next reconciliation sends it again.
            log.warning(
                "managed_profile.not_sent",
                station_id=plan.station.station_id,
                transaction_id=profile.transaction_id,
                error=str(exc),
            )


def _without(context: ProfileContext, profile_id: int) -> ProfileContext:
    installed = [item for item in context.installed if item.profile_id != profile_id]
    return ProfileContext(
        now=context.now,
        capabilities=context.capabilities,
        installed=installed,
        running=context.running,
    )
