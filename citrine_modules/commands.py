"""CSMS CALLs requested over REST: run them, remember their outcome, report it to a callback.

CitrineOS answers a REST command with "published" and later POSTs the bare payload to a
callback, never reporting timeouts. Here every command has a correlation id whose state can be
read back (``GET /ocpp/requests/{correlationId}``), a caller may wait for the answer, and the
callback receives station, action, correlation id and outcome (result, error, timeout, ...).
Outcomes live in the cache, so any server instance can answer for them.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx
import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.ocpp.model import OcppModel
from citrine_base.rpc.errors import (
    CallFailed,
    CallTimeout,
    CommandQueueFull,
    OcppError,
    ResponseInvalid,
    StationNotAccepted,
    StationOffline,
)

log = structlog.get_logger(__name__)

RECORD_TTL = 24 * 3600.0
CALLBACK_ATTEMPTS = 3
MAX_BACKGROUND_COMMANDS = 1000


class Outcome(StrEnum):
    PENDING = "pending"
    RESULT = "result"
    ERROR = "error"
    TIMEOUT = "timeout"
    OFFLINE = "offline"
    QUEUE_FULL = "queue_full"
    INVALID_RESPONSE = "invalid_response"
    NOT_ACCEPTED = "not_accepted"
    FAILED = "failed"


_FAILURES: dict[type[CallFailed], Outcome] = {
    CallTimeout: Outcome.TIMEOUT,
    StationOffline: Outcome.OFFLINE,
    CommandQueueFull: Outcome.QUEUE_FULL,
    ResponseInvalid: Outcome.INVALID_RESPONSE,
    StationNotAccepted: Outcome.NOT_ACCEPTED,
}


class CommandError(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    code: str
    description: str
    details: dict[str, Any] = Field(default_factory=dict)


class CommandRecord(BaseModel):
    """What happened to one CALL requested over REST."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    correlation_id: str
    tenant_id: str
    station_id: str
    action: str
    outcome: Outcome
    payload: dict[str, Any] | None = None
    error: CommandError | None = None
    created_at: datetime
    completed_at: datetime | None = None


def record_key(correlation_id: str) -> str:
    return f"command:{correlation_id}"


class CommandTracker:
    """Runs REST-requested CALLs through the ``CommandSender`` and records their outcome."""

    def __init__(self, commands: CommandSender, cache: Cache) -> None:
        self._commands = commands
        self._cache = cache
        self._tasks: set[asyncio.Task[CommandRecord]] = set()
        self._http = httpx.AsyncClient(timeout=10.0)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._http.aclose()

    async def get(self, correlation_id: str) -> CommandRecord | None:
        raw = await self._cache.get(record_key(correlation_id))
        return None if raw is None else CommandRecord.model_validate_json(raw)

    async def start(
        self,
        station: StationKey,
        action: str,
        request: OcppModel,
        correlation_id: str,
        callback_url: str | None,
    ) -> CommandRecord:
        """Record the command as pending and run it in the background."""
        if len(self._tasks) >= MAX_BACKGROUND_COMMANDS:
            raise CommandQueueFull("Too many commands in progress; retry later")
        record = self._new_record(station, action, correlation_id)
        await self._save(record)
        task = asyncio.create_task(
            self.run(station, action, request, correlation_id, callback_url, record)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return record

    async def run(
        self,
        station: StationKey,
        action: str,
        request: OcppModel,
        correlation_id: str,
        callback_url: str | None,
        record: CommandRecord | None = None,
        timeout: float | None = None,
    ) -> CommandRecord:
        """Send the CALL, wait for its outcome, record it and report it to ``callback_url``."""
        record = record or self._new_record(station, action, correlation_id)
        try:
            response = await self._commands.call(
                station, action, request, timeout=timeout, correlation_id=correlation_id
            )
        except OcppError as error:
            record.outcome = Outcome.ERROR
            record.error = CommandError(
                code=error.code.value, description=error.description, details=error.details
            )
        except CallFailed as failure:
            record.outcome = _FAILURES.get(type(failure), Outcome.FAILED)
            record.error = CommandError(code=record.outcome.value, description=str(failure))
        else:
            record.outcome = Outcome.RESULT
            record.payload = response.to_wire()
        record.completed_at = datetime.now(UTC)
        await self._save(record)
        if callback_url:
            await self._post_callback(callback_url, record)
        return record

    @staticmethod
    def _new_record(station: StationKey, action: str, correlation_id: str) -> CommandRecord:
        return CommandRecord(
            correlation_id=correlation_id,
            tenant_id=station.tenant_id,
            station_id=station.station_id,
            action=action,
            outcome=Outcome.PENDING,
            created_at=datetime.now(UTC),
        )

    async def _save(self, record: CommandRecord) -> None:
        with contextlib.suppress(Exception):  # the answer still reaches a waiting caller
            await self._cache.set(
                record_key(record.correlation_id), record.model_dump_json(by_alias=True), RECORD_TTL
            )

    async def _post_callback(self, url: str, record: CommandRecord) -> None:
        body = orjson.dumps(record.model_dump(mode="json", by_alias=True))
        for attempt in range(1, CALLBACK_ATTEMPTS + 1):
            try:
                response = await self._http.post(
                    url, content=body, headers={"content-type": "application/json"}
                )
                if response.status_code < 500:
                    return
            except httpx.HTTPError as exc:
                log.warning("command.callback_failed", url=url, attempt=attempt, error=str(exc))
            await asyncio.sleep(attempt)
        log.error("command.callback_abandoned", url=url, correlation_id=record.correlation_id)
