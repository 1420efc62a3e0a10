"""Provisioning a Pending station (B02), then accepting it (TC_B_02, TC_B_31).

Started by the router's ``BootAnswered`` event, so nothing reaches the station before its
BootNotificationResponse. When the station's effective boot settings say Pending and there is
work to do:

1. if asked, GetBaseReport (a fresh requestId) and wait, at most ``boot.report_timeout``,
   until every NotifyReport part arrived;
2. SetVariables of the configured items, split to the station's ItemsPerMessage and
   BytesPerMessage (now known from the report, else the configured defaults); what the
   station refused is recorded on its boot settings;
3. the settings become Accepted (or Rejected, when refusals are not allowed) and a
   TriggerMessage(BootNotification) makes the station boot again to learn it. A station that
   cannot be triggered learns it at its next regular BootNotification.

A step that gets no answer (timeout, disconnect, a report that never completes) leaves the
station Pending: it boots again after its retry interval and the flow starts over. Pending
stations without work wait for an operator (``POST /stations/{id}/boot-config/accept``).

One flow per station at a time, across processes: a lock in the shared cache, refreshed while
the flow runs and expiring if its process dies. An operator's decision taken meanwhile wins
over the flow's (the final status change applies only while the settings are still Pending).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
import structlog

from citrine_base.interfaces.broker import BrokerError, Subscription
from citrine_base.interfaces.envelope import Envelope, StationKey
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_base.rpc.validation import validate_payload
from citrine_base.topics import BOOT_ANSWERED, EVENTS_TOPIC
from citrine_data import unit_of_work
from citrine_data.repositories import BootConfigRepository, ChargingStationRepository
from citrine_modules.configuration.service import EffectiveBoot, Status, effective_boot
from citrine_modules.deps import ModuleDeps
from citrine_modules.reporting.calls import CallProblem
from citrine_modules.reporting.reports import ReportWatch, request_report
from citrine_modules.reporting.variables import NO_RESULT, TOO_LARGE, set_variables
from citrine_util.tasks import TooManyTasks

log = structlog.get_logger(__name__)

LOCK_TTL = 60.0
LOCK_REFRESH = 20.0
VARIABLES_REJECTED = "VariablesRejected"
_PERMANENT = frozenset({TOO_LARGE, NO_RESULT})
"""Item failures that a retry would not change (the others: no answer yet)."""
_APPLIED = frozenset(
    {enums.SetVariableStatusEnum.ACCEPTED, enums.SetVariableStatusEnum.REBOOT_REQUIRED}
)


class Provisioned(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    INCOMPLETE = "incomplete"  # stays Pending; retried at the station's next boot
    NOTHING_TO_DO = "nothing_to_do"  # not Pending, or Pending without work: an operator decides
    DECIDED_ELSEWHERE = "decided_elsewhere"  # an operator changed the settings meanwhile
    BUSY = "busy"  # another flow for this station runs


@dataclass(frozen=True, slots=True)
class Triggered:
    """The answer to TriggerMessage(BootNotification): a status, or why there was none."""

    status: str | None
    problem: CallProblem | None = None


def lock_key(station: StationKey) -> str:
    return f"provisioning:{station.tenant_id}:{station.station_id}"


class Provisioning:
    def __init__(self, deps: ModuleDeps, module_name: str) -> None:
        self.deps = deps
        self.reports = ReportWatch(deps.broker, deps.sessions, deps.cache)
        self._group = f"events.{module_name}"
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        await self.reports.start()
        self._subscription = await self.deps.broker.subscribe(
            EVENTS_TOPIC, self._on_event, group=self._group
        )

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(BrokerError):
                await self._subscription.cancel()
        await self.reports.stop()

    async def _on_event(self, envelope: Envelope) -> None:
        if envelope.action != BOOT_ANSWERED:
            return
        try:
            status = orjson.loads(envelope.payload).get("status")
        except (orjson.JSONDecodeError, AttributeError):
            return
        if status != Status.PENDING.value:
            return
        try:
            self.deps.tasks.spawn(
                self.provision(envelope.station), f"provisioning:{envelope.station}"
            )
        except TooManyTasks as exc:  # the station boots again after its interval
            log.warning(
                "provisioning.not_started", station_id=envelope.station.station_id, error=str(exc)
            )

    async def provision(self, station: StationKey) -> Provisioned:
        """Run the flow for ``station`` unless one runs already (anywhere)."""
        key, token = lock_key(station), f"{self.deps.config.instance_id}:{uuid.uuid4().hex}"
        if not await self.deps.cache.set_if_absent(key, token, LOCK_TTL):
            log.info("provisioning.busy", station_id=station.station_id)
            return Provisioned.BUSY
        keeper = asyncio.create_task(self._keep_lock(key))
        try:
            result = await self._run(station)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await self.deps.cache.delete_if_equal(key, token)
        log.info("provisioning.finished", station_id=station.station_id, result=result.value)
        return result

    async def _keep_lock(self, key: str) -> None:
        while True:
            await asyncio.sleep(LOCK_REFRESH)
            await self.deps.cache.expire(key, LOCK_TTL)

    async def _run(self, station: StationKey) -> Provisioned:
        plan = await self._plan(station)
        if plan is None:
            return Provisioned.NOTHING_TO_DO
        station_pk, boot = plan
        if boot.fetch_base_report and not await self._fetch_report(station, station_pk):
            return Provisioned.INCOMPLETE
        refused: list[dict[str, Any]] = []
        if boot.set_variables:
            applied = await self._set_variables(station, station_pk, boot.set_variables)
            if applied is None:
                return Provisioned.INCOMPLETE
            refused = applied
        if refused and not boot.accept_with_rejected_variables:
            if not await self._decide(station_pk, Status.REJECTED, VARIABLES_REJECTED):
                return Provisioned.DECIDED_ELSEWHERE
            await self.trigger_boot(station)
            return Provisioned.REJECTED
        if not await self._decide(station_pk, Status.ACCEPTED, None):
            return Provisioned.DECIDED_ELSEWHERE
        await self.trigger_boot(station)
        return Provisioned.ACCEPTED

    async def _plan(self, station: StationKey) -> tuple[int, EffectiveBoot] | None:
        async with unit_of_work(self.deps.sessions) as uow:
            known = await ChargingStationRepository.from_session(uow.session).get_by_key(station)
            if known is None:
                return None
            row = await BootConfigRepository.from_session(uow.session).get(known.id)
        boot = effective_boot(row, self.deps.config)
        if boot.status is not Status.PENDING or not boot.provisioning_work:
            return None
        return known.id, boot

    async def _fetch_report(self, station: StationKey, station_pk: int) -> bool:
        """True once the base report is in (or the station has none to give)."""
        report_base = enums.ReportBaseEnum(self.deps.config.boot.report_base)
        requested = await request_report(self.deps, station, report_base=report_base)
        if requested.problem is not None:
            return False
        request_id = requested.report.request_id
        if not requested.accepted:  # NotSupported, Rejected, EmptyResultSet: nothing will come
            log.warning(
                "provisioning.no_report",
                station_id=station.station_id,
                status=requested.report.status,
            )
            return True
        report = await self.reports.wait(
            station, station_pk, request_id, self.deps.config.boot.report_timeout
        )
        complete = report is not None and report.completed_at is not None
        if not complete:
            log.warning(
                "provisioning.report_incomplete",
                station_id=station.station_id,
                request_id=request_id,
            )
        return complete

    async def _set_variables(
        self, station: StationKey, station_pk: int, configured: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        """What the station refused (empty: all applied), or None when an answer is missing."""
        items, refused = [], []
        for raw in configured:
            try:
                items.append(validate_payload(datatypes.SetVariableData, orjson.dumps(raw)))
            except OcppError as error:  # stored settings are checked on the way in; be safe
                refused.append(
                    {"item": raw, "error": error.code.value, "description": error.description}
                )
        outcome = await set_variables(self.deps, station, items)
        refused += [r.to_wire() for r in outcome.results if r.attribute_status not in _APPLIED]
        refused += [
            {
                "component": f.item.component.to_wire(),
                "variable": f.item.variable.to_wire(),
                "attributeType": (f.item.attribute_type or enums.AttributeEnum.ACTUAL).value,
                "error": f.code,
                "description": f.description,
            }
            for f in outcome.failures
        ]
        async with unit_of_work(self.deps.sessions) as uow:
            await BootConfigRepository.from_session(uow.session).record_rejected_variables(
                station_pk, refused
            )
        if any(failure.code not in _PERMANENT for failure in outcome.failures):
            return None
        return refused

    async def _decide(self, station_pk: int, status: Status, reason: str | None) -> bool:
        async with unit_of_work(self.deps.sessions) as uow:
            return await BootConfigRepository.from_session(uow.session).set_status(
                station_pk, status.value, reason=reason, only_while_pending=True
            )

    async def trigger_boot(self, station: StationKey) -> Triggered:
        """Ask the station for a BootNotification, so that it learns its new status now."""
        request = messages.TriggerMessageRequest(
            requested_message=enums.MessageTriggerEnum.BOOT_NOTIFICATION
        )
        try:
            response = await self.deps.commands.call(station, Action.TRIGGER_MESSAGE, request)
        except (OcppError, CallFailed) as error:
            problem = CallProblem.of(error)
            log.info(
                "provisioning.trigger_failed", station_id=station.station_id, code=problem.code
            )
            return Triggered(None, problem)
        assert isinstance(response, messages.TriggerMessageResponse)
        # Rejected or NotImplemented: the station learns its status at its next regular boot.
        log.info(
            "provisioning.triggered", station_id=station.station_id, status=response.status.value
        )
        return Triggered(response.status.value)
