"""Smart charging module (block K).

Handles: ReportChargingProfiles, NotifyChargingLimit, ClearedChargingLimit,
NotifyEVChargingNeeds, NotifyEVChargingSchedule.
Sends (validated before sending, ``check_command``): SetChargingProfile, GetChargingProfiles,
ClearChargingProfile, GetCompositeSchedule; and its own TxProfiles (site limit, EV needs).
Results: SetChargingProfile, ClearChargingProfile, GetChargingProfiles (stored with the
station's answer), RequestStartTransaction (its TxProfile, TC_K_37).
Listens: ``SITE_TRANSACTIONS_CHANGED`` (re-share the site limit); every ``SITE_INTERVAL``
seconds, once across the cluster, every site limit is reconciled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.interfaces.broker import Subscription
from citrine_base.interfaces.envelope import Envelope, StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_base.topics import SITE_TRANSACTIONS_CHANGED
from citrine_data import Conflict, NotFound, Session, UnitOfWork, unit_of_work
from citrine_data.repositories import ManagedProfileRepository
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.rest import ConflictError, NotFoundError, Unprocessable
from citrine_modules.smart_charging.api import build_router
from citrine_modules.smart_charging.capabilities import station_capabilities
from citrine_modules.smart_charging.ev import NEEDS_DEADLINE, ev_service, running_on
from citrine_modules.smart_charging.managed import ManagedProfiles
from citrine_modules.smart_charging.profiles import profile_service, station_pk
from citrine_modules.smart_charging.rules import check_composite_request
from citrine_modules.smart_charging.site import SITE_INTERVAL, SiteBalancer
from citrine_util.handler_runner import CallOutcome, HandlerContext
from citrine_util.tasks import ClusterJob, TooManyTasks

log = structlog.get_logger(__name__)

NEEDS_POLL = 2.0
ACCEPTED = "Accepted"


class SmartChargingModule(CsmsModule):
    name = "smartcharging"
    sends = (
        Action.SET_CHARGING_PROFILE,
        Action.GET_CHARGING_PROFILES,
        Action.CLEAR_CHARGING_PROFILE,
        Action.GET_COMPOSITE_SCHEDULE,
    )

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        self.managed = ManagedProfiles(deps)
        self.site = SiteBalancer(deps, self.managed)
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.deps.broker.subscribe(
            SITE_TRANSACTIONS_CHANGED, self._transactions_changed, group=f"site.{self.name}"
        )
        job = ClusterJob(self.deps.cache, self.deps.config.instance_id).runner(
            SITE_INTERVAL, self.site.reconcile_all, "smartcharging-site-limits"
        )
        self.deps.tasks.every(SITE_INTERVAL, job, "smartcharging-site-limits")

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.cancel()
            self._subscription = None

    def routers(self) -> list[APIRouter]:
        return [build_router(self.site)]

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            self.deps.tasks.spawn(work, name)
        except TooManyTasks:
            log.error("smartcharging.task_refused", task=name)

    def _spawn_after(
        self, uow: UnitOfWork, work: Callable[[], Coroutine[Any, Any, None]], name: str
    ) -> None:
        """Start ``work`` in the background once ``uow`` has committed (never if it rolls
        back); it may call the station, so the answer being sent does not wait for it."""

        async def start() -> None:
            self._spawn(work(), name)

        uow.after_commit(start)

    # Operator commands, checked before they are sent.

    async def check_command(
        self, action: str, stations: Sequence[StationKey], request: OcppModel
    ) -> None:
        problems: list[str] = []
        async with unit_of_work(self.deps.sessions) as uow:
            for station in stations:
                try:
                    found = await self._check(uow.session, action, station, request)
                except NotFound:
                    raise NotFoundError(f"Unknown station {station.station_id}") from None
                except Conflict:
                    raise ConflictError(
                        f"{station.station_id} already has a GetChargingProfiles with this "
                        "requestId; use a new one"
                    ) from None
                prefix = f"{station.station_id}: " if len(stations) > 1 else ""
                problems.extend(prefix + problem for problem in found)
            if problems:
                raise Unprocessable("; ".join(problems))

    async def _check(
        self, session: Session, action: str, station: StationKey, request: OcppModel
    ) -> list[str]:
        if isinstance(request, messages.SetChargingProfileRequest):
            return await profile_service.check_set(session, station, request)
        if isinstance(request, messages.ClearChargingProfileRequest):
            return await profile_service.check_clear_stored(session, station, request)
        if isinstance(request, messages.GetChargingProfilesRequest):
            await profile_service.prepare_report(session, station, request)
            return []
        if isinstance(request, messages.GetCompositeScheduleRequest):
            pk = await station_pk(session, station)
            return check_composite_request(request, await station_capabilities(session, pk))
        return []

    # Station CALLs.

    @as_handler(Action.REPORT_CHARGING_PROFILES)
    async def report_charging_profiles(
        self, ctx: HandlerContext, request: messages.ReportChargingProfilesRequest
    ) -> messages.ReportChargingProfilesResponse:
        await profile_service.report_received(ctx.session, ctx.station, request)
        return messages.ReportChargingProfilesResponse()

    @as_handler(Action.NOTIFY_CHARGING_LIMIT)
    async def notify_charging_limit(
        self, ctx: HandlerContext, request: messages.NotifyChargingLimitRequest
    ) -> messages.NotifyChargingLimitResponse:
        await ev_service.limit_notified(ctx.session, ctx.station, request)
        return messages.NotifyChargingLimitResponse()

    @as_handler(Action.CLEARED_CHARGING_LIMIT)
    async def cleared_charging_limit(
        self, ctx: HandlerContext, request: messages.ClearedChargingLimitRequest
    ) -> messages.ClearedChargingLimitResponse:
        await ev_service.limit_cleared(ctx.session, ctx.station, request)
        return messages.ClearedChargingLimitResponse()

    @as_handler(Action.NOTIFY_EV_CHARGING_NEEDS)
    async def notify_ev_charging_needs(
        self, ctx: HandlerContext, request: messages.NotifyEVChargingNeedsRequest
    ) -> messages.NotifyEVChargingNeedsResponse:
        response = await ev_service.needs_received(ctx.session, ctx.station, request)
        if response.status is not enums.NotifyEVChargingNeedsStatusEnum.REJECTED:
            # The TxProfile is sent once the answer is committed (K15: within 60 s).
            self._spawn_after(
                ctx.uow, lambda: self._serve_needs(ctx.station, request.evse_id), "ev-needs"
            )
        return response

    @as_handler(Action.NOTIFY_EV_CHARGING_SCHEDULE)
    async def notify_ev_charging_schedule(
        self, ctx: HandlerContext, request: messages.NotifyEVChargingScheduleRequest
    ) -> messages.NotifyEVChargingScheduleResponse:
        response = await ev_service.schedule_received(ctx.session, ctx.station, request)
        if response.status is enums.GenericStatusEnum.REJECTED:
            # K15.FR.13: the CSMS renegotiates by sending the TxProfile again.
            self._spawn_after(
                ctx.uow, lambda: self._serve_needs(ctx.station, request.evse_id, 0), "ev-retry"
            )
        return response

    async def _serve_needs(
        self, station: StationKey, evse_id: int, wait: float = NEEDS_DEADLINE
    ) -> None:
        """Send the EV's TxProfile once its transaction runs (at most ``wait`` seconds on)."""
        deadline = datetime.now(UTC) + timedelta(seconds=wait)
        while True:
            async with unit_of_work(self.deps.sessions) as uow:
                transaction = await ev_service.transaction_for_needs(uow.session, station, evse_id)
            if transaction is not None or datetime.now(UTC) >= deadline:
                break
            await asyncio.sleep(NEEDS_POLL)
        if transaction is None:
            log.error("ev_needs.no_transaction", station_id=station.station_id, evse_id=evse_id)
            return
        forced = {(transaction.station_pk, transaction.transaction_id)}
        if not await self.site.reconcile_station(station, force=forced):
            async with unit_of_work(self.deps.sessions) as uow:
                plan = await self.managed.plan(
                    uow.session, station, transaction.station_pk, transaction, None, force=True
                )
            if plan is not None:
                await self.managed.send([plan])

    async def _refit(self, station: StationKey) -> None:
        """Another profile changed on the station: the managed ones fold it in again."""
        if await self.site.reconcile_station(station):
            return
        plans = []
        async with unit_of_work(self.deps.sessions) as uow:
            pk = await station_pk(uow.session, station)
            rows = await ManagedProfileRepository.from_session(uow.session).list_for_stations([pk])
            for row in rows:
                transaction = await running_on(uow.session, pk, row.evse_id)
                if transaction is not None and transaction.transaction_id == row.transaction_id:
                    plan = await self.managed.plan(uow.session, station, pk, transaction, None)
                    if plan is not None:
                        plans.append(plan)
        await self.managed.send(plans)

    def _refit_after(self, outcome: CallOutcome) -> None:
        self._spawn_after(outcome.uow, lambda: self._refit(outcome.station), "refit")

    async def _transactions_changed(self, envelope: Envelope) -> None:
        self._spawn(self.site.on_transactions_changed(envelope), f"site:{envelope.station}")

    # Answers to the CSMS's CALLs.

    @as_result_handler(Action.SET_CHARGING_PROFILE)
    async def charging_profile_set(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        assert isinstance(request, messages.SetChargingProfileRequest)
        answer = response if isinstance(response, messages.SetChargingProfileResponse) else None
        managed = await profile_service.set_answered(
            outcome.session, outcome.station, request, answer, outcome.error_code
        )
        if answer is not None and answer.status.value == ACCEPTED and not managed:
            self._refit_after(outcome)

    @as_result_handler(Action.CLEAR_CHARGING_PROFILE)
    async def charging_profile_cleared(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        assert isinstance(request, messages.ClearChargingProfileRequest)
        if isinstance(response, messages.ClearChargingProfileResponse):
            await profile_service.clear_answered(
                outcome.session, outcome.station, request, response
            )
            self._refit_after(outcome)

    @as_result_handler(Action.GET_CHARGING_PROFILES)
    async def charging_profiles_requested(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        assert isinstance(request, messages.GetChargingProfilesRequest)
        if isinstance(response, messages.GetChargingProfilesResponse):
            status = response.status.value
        else:
            status = outcome.error_code or "error"
        await profile_service.report_answered(outcome.session, outcome.station, request, status)

    @as_result_handler(Action.REQUEST_START_TRANSACTION)
    async def remote_start_answered(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        assert isinstance(request, messages.RequestStartTransactionRequest)
        if isinstance(response, messages.RequestStartTransactionResponse):
            await profile_service.remote_start_answered(
                outcome.session, outcome.station, request, response
            )
