"""Pushing a station's local list: plan, send part by part, record what was accepted.

One push per station at a time (a lock in the shared cache: two interleaved pushes would
mix their versions). Each part is recorded as soon as the station accepts it, in its own
unit of work, and no database transaction stays open while the station is asked. If a
differential part is answered Failed or VersionMismatch, the full list is sent instead,
once (D01: the CSMS re-sends the full list).

The messages sent here are marked in the cache, so that the SendLocalList result handler
(which records the effects of SendLocalLists sent any other way, such as the generic REST
endpoint) leaves them alone: recorded twice, a late Full could overwrite a later part.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_data import unit_of_work
from citrine_data.repositories import LocalListRepository
from citrine_data.repositories.authorization import token_key
from citrine_modules.deps import ModuleDeps
from citrine_modules.evdriver.calls import StationBusy, call_station
from citrine_modules.evdriver.local_list import Prepared, local_lists
from citrine_modules.rest import ConflictError, NotFoundError, Unprocessable

log = structlog.get_logger(__name__)

Update = enums.UpdateEnum
Answer = enums.SendLocalListStatusEnum
LOCK_SECONDS = 600.0
MARK_SECONDS = 3600.0


def managed_key(message_id: str) -> str:
    return f"evdriver:local-list:managed:{message_id}"


@dataclass(frozen=True, slots=True)
class PushReport:
    """What a push did. ``status``: the station's last answer, or Unchanged (nothing sent)."""

    status: str
    update_type: str | None
    version: int | None
    messages: int
    entries: int
    full_resent: bool = False


class LocalListPush:
    def __init__(self, deps: ModuleDeps) -> None:
        self.deps = deps

    async def push(self, station: StationKey, update: Update) -> PushReport:
        async with self._locked(station):
            return await self._push(station, update)

    async def remove(self, station: StationKey, id_token: str, type: str) -> PushReport | None:
        """Take one token off the station's list with a Differential, if our copy says the
        station holds it (N10.FR.02); None when there was nothing to remove. The token
        table is left as it is: a later push lists the token again unless it is unlisted."""
        async with self._locked(station):
            default_items = self.deps.config.evdriver.local_list_items_per_message
            async with unit_of_work(self.deps.sessions) as uow:
                prepared = await local_lists.prepare(uow.session, station, default_items)
            request = local_lists.removal(prepared, token_key(id_token, type))
            if request is None:
                return None
            answer = await self._send_part(station, prepared.station_pk, request)
            entries = await self._count(prepared.station_pk)
            version = request.version_number if answer is Answer.ACCEPTED else None
            return PushReport(answer.value, Update.DIFFERENTIAL.value, version, 1, entries)

    @asynccontextmanager
    async def _locked(self, station: StationKey) -> AsyncIterator[None]:
        """One push per station at a time, across processes."""
        lock = f"evdriver:local-list:lock:{station.tenant_id}:{station.station_id}"
        owner = uuid.uuid4().hex
        if not await self.deps.cache.set_if_absent(lock, owner, LOCK_SECONDS):
            raise ConflictError(f"A local list update for {station.station_id} is in progress")
        try:
            yield
        finally:
            await self.deps.cache.delete_if_equal(lock, owner)

    async def _push(self, station: StationKey, update: Update) -> PushReport:
        prepared = await self._prepare(station)
        report = await self._send(station, prepared, update)
        if report.status in (Answer.FAILED, Answer.VERSION_MISMATCH) and report.update_type == (
            Update.DIFFERENTIAL
        ):
            log.info("local_list.resending_full", station_id=station.station_id)
            retry = await self._send(station, await self._prepare(station), Update.FULL)
            return PushReport(
                retry.status,
                retry.update_type,
                retry.version,
                report.messages + retry.messages,
                retry.entries,
                full_resent=True,
            )
        return report

    async def _prepare(self, station: StationKey) -> Prepared:
        default_items = self.deps.config.evdriver.local_list_items_per_message
        async with unit_of_work(self.deps.sessions) as uow:
            prepared = await local_lists.prepare(uow.session, station, default_items)
        limits = prepared.limits
        if limits.enabled is False:
            raise ConflictError(f"{station.station_id} reports LocalAuthListCtrlr.Enabled false")
        if limits.max_entries is not None and len(prepared.desired) > limits.max_entries:
            raise Unprocessable(
                f"{len(prepared.desired)} tokens for {station.station_id}, which holds at most "
                f"{limits.max_entries} (LocalAuthListCtrlr.Entries)"
            )
        return prepared

    async def _send(self, station: StationKey, prepared: Prepared, update: Update) -> PushReport:
        plan = local_lists.plan(prepared, update)
        if not plan:
            version = prepared.state.version if prepared.state is not None else None
            return PushReport("Unchanged", None, version, 0, len(prepared.held))
        kind = plan[0].update_type.value
        answer, version, sent = Answer.ACCEPTED, None, 0
        for request in plan:
            answer = await self._send_part(station, prepared.station_pk, request)
            sent += 1
            if answer is not Answer.ACCEPTED:
                break
            version = request.version_number
        entries = await self._count(prepared.station_pk)
        return PushReport(answer.value, kind, version, sent, entries)

    async def _send_part(
        self, station: StationKey, station_pk: int, request: messages.SendLocalListRequest
    ) -> Answer:
        message_id = str(uuid.uuid4())
        await self.deps.cache.set(managed_key(message_id), "1", MARK_SECONDS)
        try:
            response = await call_station(
                self.deps.commands, station, Action.SEND_LOCAL_LIST, request, message_id
            )
        except (NotFoundError, ConflictError, StationBusy):
            raise  # offline, not accepted, queue full: nothing reached the station
        except Exception:  # no answer, or a CALLERROR: what the station holds is unsure
            async with unit_of_work(self.deps.sessions) as uow:
                await local_lists.refused(uow.session, station_pk)
            raise
        assert isinstance(response, messages.SendLocalListResponse)
        async with unit_of_work(self.deps.sessions) as uow:
            if response.status is Answer.ACCEPTED:
                await local_lists.applied(uow.session, station_pk, request)
            else:
                await local_lists.refused(uow.session, station_pk)
        return response.status

    async def _count(self, station_pk: int) -> int:
        async with unit_of_work(self.deps.sessions) as uow:
            return await LocalListRepository.from_session(uow.session).count_entries(station_pk)
