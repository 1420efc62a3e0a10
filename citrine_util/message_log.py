"""The message log writer: every frame in and out, stored in batches off the websocket path.

``record`` is called inline for each frame and only appends to a bounded deque (no I/O, no
await). A flusher task writes up to ``batch_size`` rows per INSERT every ``flush_interval``
seconds and once more at shutdown. When the database is slow or down the deque fills; past
``queue_size`` the oldest frames are dropped and counted (``dropped``), so a database outage
never costs memory without bound nor blocks a station.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from datetime import UTC, datetime, timedelta

import structlog

from citrine_base.config import MessageLogConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_data import DataError, SessionFactory, unit_of_work
from citrine_data.models import Direction
from citrine_data.repositories import MessageLogRepository
from citrine_data.repositories.message_log import MessageLogEntry

log = structlog.get_logger(__name__)

RETENTION_BATCH = 10_000


class MessageLogWriter:
    def __init__(self, sessions: SessionFactory, config: MessageLogConfig) -> None:
        self._sessions = sessions
        self._config = config
        self._pending: collections.deque[MessageLogEntry] = collections.deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.written = 0

    def __len__(self) -> int:
        return len(self._pending)

    def record(
        self,
        station: StationKey,
        direction: Direction,
        frame: str | bytes,
        message_type: int | None,
        message_id: str | None,
        action: str | None,
        error_code: str | None = None,
    ) -> None:
        if len(self._pending) >= self._config.queue_size:
            self._pending.popleft()
            self.dropped += 1
        text = frame if isinstance(frame, str) else frame.decode("utf-8", errors="replace")
        self._pending.append(
            MessageLogEntry(
                station=station,
                direction=direction,
                message_type=message_type,
                message_id=message_id,
                action=action,
                payload=text,
                logged_at=datetime.now(UTC),
                error_code=error_code,
            )
        )
        if len(self._pending) >= self._config.batch_size:
            self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="message-log-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
        if self.dropped:
            log.warning("message_log.dropped", count=self.dropped)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._config.flush_interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write everything pending, a batch at a time; on failure keep it for the next try."""
        while self._pending:
            batch = [
                self._pending.popleft()
                for _ in range(min(self._config.batch_size, len(self._pending)))
            ]
            try:
                async with unit_of_work(self._sessions) as uow:
                    await MessageLogRepository.from_session(uow.session).insert_many(batch)
            except (DataError, OSError) as exc:
                self._requeue(batch)
                log.warning("message_log.write_failed", error=str(exc), pending=len(self._pending))
                return
            self.written += len(batch)

    def _requeue(self, batch: list[MessageLogEntry]) -> None:
        room = self._config.queue_size - len(self._pending)
        keep = batch[-room:] if room > 0 else []
        self.dropped += len(batch) - len(keep)
        self._pending.extendleft(reversed(keep))

    async def delete_expired(self) -> int:
        """Apply the retention period; in batches, each its own transaction."""
        if self._config.retention_days <= 0:
            return 0
        cutoff = datetime.now(UTC) - timedelta(days=self._config.retention_days)
        deleted = 0
        while True:
            async with unit_of_work(self._sessions) as uow:
                count = await MessageLogRepository.from_session(uow.session).delete_older_than(
                    cutoff, batch_size=RETENTION_BATCH
                )
            deleted += count
            if count < RETENTION_BATCH:
                return deleted
