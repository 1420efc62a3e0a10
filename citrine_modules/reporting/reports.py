"""GetBaseReport and GetReport (B07, B08): a requestId per station, the report tracked until
its last NotifyReport part, and a way to wait for that.

The request id comes from the station's ``request_id`` counter (shared with the other
requestId-carrying actions, so ids never repeat on a station) and the report's row is
committed before the CALL leaves, so the first NotifyReport part always finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import structlog

from citrine_base.interfaces.broker import Broker, BrokerError, Subscription
from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.v201 import Action, datatypes, enums, messages
from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_base.topics import presence_key
from citrine_data import SessionFactory, unit_of_work
from citrine_data.models import Report
from citrine_data.repositories import ChargingStationRepository, ReportRepository
from citrine_modules.deps import ModuleDeps
from citrine_modules.reporting.calls import CallProblem
from citrine_modules.rest import NotFoundError

log = structlog.get_logger(__name__)

REPORTS_TOPIC = "ocpp.reports"
"""Events ``ReportComplete`` (payload ``{"requestId": n}``), to every process (no group)."""
REPORT_COMPLETE = "ReportComplete"
REQUEST_ID_COUNTER = "request_id"
FAILED = "failed"
RECHECK_INTERVAL = 5.0
"""Seconds between database checks while waiting, in case a completion event was lost."""


@dataclass(frozen=True, slots=True)
class ReportRequested:
    """A report request and the station's answer to it (``problem`` when there was none)."""

    report: Report
    problem: CallProblem | None = None

    @property
    def accepted(self) -> bool:
        return self.report.status == enums.GenericDeviceModelStatusEnum.ACCEPTED.value


def settled(report: Report) -> bool:
    """Nothing more will come for the report: complete, refused, empty or unanswered."""
    return report.completed_at is not None or report.status not in (
        "requested",
        "unsolicited",
        enums.GenericDeviceModelStatusEnum.ACCEPTED.value,
    )


async def request_report(
    deps: ModuleDeps,
    station: StationKey,
    *,
    report_base: enums.ReportBaseEnum | None = None,
    criteria: list[enums.ComponentCriterionEnum] | None = None,
    component_variables: list[datatypes.ComponentVariable] | None = None,
) -> ReportRequested:
    """Send GetBaseReport (``report_base``) or GetReport (criteria, component variables)."""
    now = datetime.now(UTC)
    async with unit_of_work(deps.sessions) as uow:
        known = await ChargingStationRepository.from_session(uow.session).get_by_key(station)
        if known is None:
            raise NotFoundError(f"No station {station.station_id}")
        request_id = await ChargingStationRepository.from_session(uow.session).next_value(
            known.id, REQUEST_ID_COUNTER
        )
        await ReportRepository.from_session(uow.session).start(
            known.id,
            request_id,
            report_base=report_base.value if report_base else None,
            requested_at=now,
        )
    action, request = _request(request_id, report_base, criteria, component_variables)
    problem: CallProblem | None = None
    try:
        response = await deps.commands.call(station, action, request)
    except (OcppError, CallFailed) as error:
        problem = CallProblem.of(error)
        status = FAILED
    else:
        assert isinstance(response, messages.GetBaseReportResponse | messages.GetReportResponse)
        status = response.status.value
    async with unit_of_work(deps.sessions) as uow:
        reports = ReportRepository.from_session(uow.session)
        await reports.set_status(known.id, request_id, status)
        report = await reports.get(known.id, request_id)
    assert report is not None
    log.info(
        "report.requested",
        station_id=station.station_id,
        request_id=request_id,
        action=action,
        status=status,
    )
    return ReportRequested(report, problem)


def _request(
    request_id: int,
    report_base: enums.ReportBaseEnum | None,
    criteria: list[enums.ComponentCriterionEnum] | None,
    component_variables: list[datatypes.ComponentVariable] | None,
) -> tuple[str, OcppModel]:
    if report_base is not None:
        return Action.GET_BASE_REPORT, messages.GetBaseReportRequest(
            request_id=request_id, report_base=report_base
        )
    return Action.GET_REPORT, messages.GetReportRequest(
        request_id=request_id,
        component_criteria=criteria or None,
        component_variable=component_variables or None,
    )


def completion_event(station: StationKey, request_id: int, origin: str) -> Envelope:
    return Envelope(
        kind=EnvelopeKind.EVENT,
        station=station,
        action=REPORT_COMPLETE,
        message_id=f"report-{request_id}",
        initiator=Initiator.STATION,
        origin=origin,
        payload=orjson.dumps({"requestId": request_id}),
    )


class ReportWatch:
    """Waits in this process for reports to settle: woken by the ``ReportComplete`` events
    every process receives, checking the database every ``RECHECK_INTERVAL`` seconds in case
    an event was lost, and giving up when the station is no longer connected."""

    def __init__(self, broker: Broker, sessions: SessionFactory, cache: Cache) -> None:
        self._broker = broker
        self._sessions = sessions
        self._cache = cache
        self._waiters: dict[tuple[StationKey, int], asyncio.Event] = {}
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._broker.subscribe(REPORTS_TOPIC, self._on_event)

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(BrokerError):
                await self._subscription.cancel()

    async def _on_event(self, envelope: Envelope) -> None:
        try:
            request_id = int(orjson.loads(envelope.payload)["requestId"])
        except (ValueError, KeyError, TypeError):
            return
        waiter = self._waiters.get((envelope.station, request_id))
        if waiter is not None:
            waiter.set()

    async def wait(
        self, station: StationKey, station_pk: int, request_id: int, timeout: float
    ) -> Report | None:
        """The report once it settled, or as it stands at the timeout or when the station
        went away (check ``settled``); None if it is unknown."""
        key = (station, request_id)
        waiter = self._waiters.setdefault(key, asyncio.Event())
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            while True:
                waiter.clear()
                report = await self._load(station_pk, request_id)
                left = deadline - asyncio.get_running_loop().time()
                if report is None or settled(report) or left <= 0:
                    return report
                if await self._cache.get(presence_key(station)) is None:
                    return report  # disconnected: the rest of the report will not come
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.wait(), min(left, RECHECK_INTERVAL))
        finally:
            self._waiters.pop(key, None)

    async def _load(self, station_pk: int, request_id: int) -> Report | None:
        async with unit_of_work(self._sessions) as uow:
            return await ReportRepository.from_session(uow.session).get(station_pk, request_id)
