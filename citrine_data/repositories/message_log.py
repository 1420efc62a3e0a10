"""The OCPP message log: batched inserts, response-to-request links, queries, retention.

A batched writer calls ``insert_many`` with everything it collected (say, every 100 ms).
That costs one multi-row INSERT, plus at most two UPDATEs for the links:

* a CALLRESULT/CALLERROR whose CALL is in the same batch (the usual case for station calls,
  which the CSMS answers within milliseconds) is linked from the ids the INSERT returned, in
  one UPDATE with a CASE;
* the others (typically a station's answer to a CSMS call, which arrives in a later batch)
  are linked by one correlated UPDATE that finds the latest earlier CALL with the same
  message id from the same station, in the other direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from citrine_base.interfaces.envelope import StationKey
from citrine_data.errors import translate_errors
from citrine_data.models.message_log import (
    ACTION_LENGTH,
    ERROR_CODE_LENGTH,
    MESSAGE_ID_LENGTH,
    Direction,
    OcppMessageLog,
)
from citrine_data.repositories.base import Page, Repository

CALL, CALLRESULT, CALLERROR = 2, 3, 4
DEFAULT_LOG_LIMIT = 100

_RequestKey = tuple[str, str, str, Direction]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageLogEntry:
    station: StationKey
    direction: Direction
    message_type: int | None
    message_id: str | None
    action: str | None
    payload: str
    logged_at: datetime
    error_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageLogQuery:
    """Filters; ``before_id`` is a keyset cursor: pass the smallest id of the previous page."""

    tenant_id: str
    station_id: str | None = None
    action: str | None = None
    message_id: str | None = None
    direction: Direction | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None


def _clip(value: str | None, length: int) -> str | None:
    # Logging never fails: an over-long id from a misbehaving station is cut, not refused.
    return None if value is None else value[:length]


def _row(entry: MessageLogEntry) -> dict[str, object]:
    return {
        "tenant_id": entry.station.tenant_id,
        "station_id": entry.station.station_id,
        "direction": entry.direction,
        "message_type": entry.message_type,
        "message_id": _clip(entry.message_id, MESSAGE_ID_LENGTH),
        "action": _clip(entry.action, ACTION_LENGTH),
        "payload": entry.payload,
        "error_code": _clip(entry.error_code, ERROR_CODE_LENGTH),
        "logged_at": entry.logged_at,
    }


def _request_key(entry: MessageLogEntry, direction: Direction) -> _RequestKey | None:
    if entry.message_id is None:
        return None
    station = entry.station
    return (station.tenant_id, station.station_id, entry.message_id[:MESSAGE_ID_LENGTH], direction)


def _other(direction: Direction) -> Direction:
    return Direction.OUT if direction is Direction.IN else Direction.IN


class MessageLogRepository(Repository):
    async def insert_many(self, entries: Sequence[MessageLogEntry]) -> list[int]:
        """Insert the entries in order and link responses; returns their ids in order."""
        if not entries:
            return []
        # PostgreSQL: SQLAlchemy returns the ids in parameter order from one statement. SQLite
        # has no such form (SQLAlchemy would fall back to one INSERT per row), but it assigns
        # rowids in VALUES order within a statement, so the sorted ids are in input order.
        in_order = self.dialect_name == "postgresql"
        statement = insert(OcppMessageLog).returning(
            OcppMessageLog.id, sort_by_parameter_order=in_order
        )
        rows = [_row(entry) for entry in entries]
        with translate_errors():
            # render_nulls: otherwise the ORM groups rows by which values are None and sends
            # one INSERT per group.
            result = await self.session.execute(
                statement, rows, execution_options={"render_nulls": True}
            )
            ids = list(result.scalars().all())
        if not in_order:
            ids.sort()
        await self._link(entries, ids)
        return ids

    async def _link(self, entries: Sequence[MessageLogEntry], ids: Sequence[int]) -> None:
        calls: dict[_RequestKey, int] = {}
        in_batch: dict[int, int] = {}
        later: list[int] = []
        for entry, log_id in zip(entries, ids, strict=True):
            if entry.message_type == CALL:
                key = _request_key(entry, entry.direction)
                if key is not None:
                    calls[key] = log_id
            elif entry.message_type in (CALLRESULT, CALLERROR) and entry.message_id is not None:
                key = _request_key(entry, _other(entry.direction))
                request_id = calls.get(key) if key is not None else None
                if request_id is None:
                    later.append(log_id)
                else:
                    in_batch[log_id] = request_id
        if in_batch:
            await self._execute_dml(
                update(OcppMessageLog)
                .where(OcppMessageLog.id.in_(list(in_batch)))
                .values(request_log_id=case(in_batch, value=OcppMessageLog.id)),
                synchronize=False,
            )
        if later:
            await self._link_to_earlier_calls(later)

    async def _link_to_earlier_calls(self, response_ids: list[int]) -> None:
        response = OcppMessageLog
        request = aliased(OcppMessageLog)
        latest_call = (
            select(func.max(request.id))
            .where(
                request.message_id == response.message_id,
                request.station_id == response.station_id,
                request.tenant_id == response.tenant_id,
                request.message_type == CALL,
                request.direction != response.direction,
                request.id < response.id,
            )
            .scalar_subquery()
        )
        await self._execute_dml(
            update(response)
            .where(response.id.in_(response_ids))
            .values(request_log_id=latest_call),
            synchronize=False,
        )

    async def get(self, log_id: int) -> OcppMessageLog | None:
        return await self._get(OcppMessageLog, log_id)

    async def response_to(self, request_log_id: int) -> OcppMessageLog | None:
        """The CALLRESULT or CALLERROR linked to a CALL row, if it arrived."""
        statement = (
            select(OcppMessageLog)
            .where(OcppMessageLog.request_log_id == request_log_id)
            .order_by(OcppMessageLog.id)
            .limit(1)
        )
        return await self._get_one_or_none(statement)

    async def query(
        self,
        query: MessageLogQuery,
        *,
        limit: int = DEFAULT_LOG_LIMIT,
        offset: int = 0,
        count: bool = True,
    ) -> Page[OcppMessageLog]:
        """Newest first. On large ranges pass ``count=False`` and page with ``before_id``."""
        log = OcppMessageLog
        statement = select(log).where(log.tenant_id == query.tenant_id)
        if query.station_id is not None:
            statement = statement.where(log.station_id == query.station_id)
        if query.action is not None:
            statement = statement.where(log.action == query.action)
        if query.message_id is not None:
            statement = statement.where(log.message_id == query.message_id)
        if query.direction is not None:
            statement = statement.where(log.direction == query.direction)
        if query.since is not None:
            statement = statement.where(log.logged_at >= query.since)
        if query.until is not None:
            statement = statement.where(log.logged_at < query.until)
        if query.before_id is not None:
            statement = statement.where(log.id < query.before_id)
        statement = statement.order_by(log.id.desc())
        return await self._paginate(statement, limit=limit, offset=offset, count=count)

    async def delete_older_than(self, cutoff: datetime, *, batch_size: int | None = None) -> int:
        """Delete rows logged before ``cutoff``; returns how many.

        With ``batch_size`` at most that many (oldest first) go per call, so a caller can
        commit between calls instead of holding one long transaction over a big table.
        """
        log = OcppMessageLog
        if batch_size is None:
            return await self._execute_dml(
                delete(log).where(log.logged_at < cutoff), synchronize=False
            )
        oldest = select(log.id).where(log.logged_at < cutoff).order_by(log.id).limit(batch_size)
        return await self._execute_dml(delete(log).where(log.id.in_(oldest)), synchronize=False)
