"""Handshakes that arrive together are registered together, in one write transaction.

Every handshake marks its station online (and registers an unknown one): a write. On the
embedded SQLite there is one writer and each commit is a sync to disk, so 500 stations coming
back after an outage would queue 500 commits behind each other and the last ones would time
out. Instead, whichever handshake finds the database free takes every handshake waiting at that
moment into one unit of work (group commit): the cost per station is its statements, not a
commit. One station whose registration fails (an unknown tenant, a race with another process)
must not fail the others, so a failed batch is retried one station at a time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from citrine_base.config import UnknownStationPolicy
from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError
from citrine_data.unit_of_work import SessionFactory, unit_of_work
from citrine_modules.ocpp_router.service import Admission, registry_service


@dataclass(slots=True)
class _Waiting:
    station: StationKey
    answer: asyncio.Future[Admission | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class AdmissionBatcher:
    def __init__(
        self, sessions: SessionFactory, policy: UnknownStationPolicy, max_batch: int = 256
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._writing = asyncio.Lock()
        # Batches run shielded from the cancellation of the handshake that started them (its
        # station may hang up): the other stations in the batch still wait for the answer.
        self._batches: set[asyncio.Task[None]] = set()
        self.batches_written = 0

    async def admit(self, station: StationKey) -> Admission | None:
        """``registry_service.admit`` for ``station``, sharing a transaction with its peers."""
        waiting = _Waiting(station)
        self._waiting.append(waiting)
        while not waiting.answer.done():
            async with self._writing:
                if waiting.answer.done():
                    break
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                task = asyncio.create_task(self._write(batch))
                self._batches.add(task)
                task.add_done_callback(self._batches.discard)
                await asyncio.shield(task)
        return waiting.answer.result()

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            answers = await self._admit_all([waiting.station for waiting in batch])
        except DataError as exc:
            if len(batch) == 1:
                _settle(batch[0], error=exc)
                return
            for waiting in batch:
                await self._write_one(waiting)
            return
        except BaseException as exc:
            for waiting in batch:
                _settle(waiting, error=exc)
            raise
        for waiting, answer in zip(batch, answers, strict=True):
            _settle(waiting, answer)

    async def _write_one(self, waiting: _Waiting) -> None:
        try:
            (answer,) = await self._admit_all([waiting.station])
        except DataError as exc:
            _settle(waiting, error=exc)
            return
        _settle(waiting, answer)

    async def _admit_all(self, stations: list[StationKey]) -> list[Admission | None]:
        async with unit_of_work(self._sessions) as uow:
            answers = [
                await registry_service.admit(uow.session, station, self._policy)
                for station in stations
            ]
        self.batches_written += 1
        return answers


def _settle(
    waiting: _Waiting, answer: Admission | None = None, error: BaseException | None = None
) -> None:
    if waiting.answer.done():
        return
    if error is not None:
        waiting.answer.set_exception(error)
    else:
        waiting.answer.set_result(answer)
