"""The message log: batched inserts, request/response links, queries, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data.models import Direction
from citrine_data.repositories.message_log import (
    MessageLogEntry,
    MessageLogQuery,
    MessageLogRepository,
)
from tests.data.conftest import SqlTrace

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CS1 = StationKey("t1", "CS1")
CS2 = StationKey("t1", "CS2")
OTHER_TENANT_CS1 = StationKey("t2", "CS1")


def entry(
    station: StationKey,
    direction: Direction,
    message_type: int,
    message_id: str,
    *,
    action: str | None = None,
    at: datetime = T0,
    error_code: str | None = None,
) -> MessageLogEntry:
    return MessageLogEntry(
        station=station,
        direction=direction,
        message_type=message_type,
        message_id=message_id,
        action=action,
        payload=f'[{message_type},"{message_id}",{{}}]',
        logged_at=at,
        error_code=error_code,
    )


class TestInsertMany:
    async def test_one_insert_for_the_whole_batch(
        self, session: AsyncSession, sql_trace: SqlTrace
    ) -> None:
        repository = MessageLogRepository(session)
        rows = [
            entry(CS1, Direction.IN, 2, f"m{index}", action="Heartbeat", at=T0)
            for index in range(300)
        ]
        with sql_trace() as sent:
            ids = await repository.insert_many(rows)
        assert sent == ["INSERT"]
        assert ids == sorted(ids)
        assert len(set(ids)) == 300
        stored = await repository.get(ids[42])
        assert stored is not None
        assert (stored.message_id, stored.logged_at) == ("m42", T0)

    async def test_empty_batch(self, session: AsyncSession) -> None:
        assert await MessageLogRepository(session).insert_many([]) == []

    async def test_over_long_fields_are_cut_not_refused(self, session: AsyncSession) -> None:
        repository = MessageLogRepository(session)
        [log_id] = await repository.insert_many([entry(CS1, Direction.IN, 2, "x" * 100)])
        stored = await repository.get(log_id)
        assert stored is not None
        assert stored.message_id == "x" * 64


class TestLinks:
    async def test_response_in_the_same_batch(
        self, session: AsyncSession, sql_trace: SqlTrace
    ) -> None:
        repository = MessageLogRepository(session)
        with sql_trace() as sent:
            call, other_station, result = await repository.insert_many(
                [
                    entry(CS1, Direction.IN, 2, "a1", action="BootNotification"),
                    entry(CS2, Direction.IN, 2, "a1", action="BootNotification"),
                    entry(CS1, Direction.OUT, 3, "a1"),
                ]
            )
        assert sent == ["INSERT", "UPDATE"]
        response = await repository.response_to(call)
        assert response is not None
        assert response.id == result
        assert await repository.response_to(other_station) is None

    async def test_response_in_a_later_batch(
        self, session: AsyncSession, sql_trace: SqlTrace
    ) -> None:
        repository = MessageLogRepository(session)
        [call] = await repository.insert_many([entry(CS1, Direction.OUT, 2, "c1", action="Reset")])
        await repository.insert_many(
            [entry(OTHER_TENANT_CS1, Direction.OUT, 2, "c1", action="Reset")]
        )
        with sql_trace() as sent:
            error, stray, tenant2 = await repository.insert_many(
                [
                    entry(CS1, Direction.IN, 4, "c1", error_code="NotSupported"),
                    entry(CS1, Direction.IN, 3, "never-asked"),
                    entry(OTHER_TENANT_CS1, Direction.IN, 3, "c1"),
                ]
            )
        assert sent == ["INSERT", "UPDATE"]
        linked = await repository.get(error)
        assert linked is not None
        await session.refresh(linked)
        assert linked.request_log_id == call
        unlinked = await repository.get(stray)
        assert unlinked is not None
        await session.refresh(unlinked)
        assert unlinked.request_log_id is None
        other = await repository.get(tenant2)
        assert other is not None
        await session.refresh(other)
        assert other.request_log_id not in (None, call)

    async def test_a_reused_message_id_links_to_the_latest_call(
        self, session: AsyncSession
    ) -> None:
        repository = MessageLogRepository(session)
        [old] = await repository.insert_many([entry(CS1, Direction.IN, 2, "1")])
        await repository.insert_many([entry(CS1, Direction.OUT, 3, "1")])
        [new] = await repository.insert_many([entry(CS1, Direction.IN, 2, "1")])
        [answer] = await repository.insert_many([entry(CS1, Direction.OUT, 3, "1")])
        response = await repository.response_to(new)
        assert response is not None
        assert response.id == answer
        assert old != new


class TestQuery:
    @pytest.fixture
    async def logged(self, session: AsyncSession) -> list[int]:
        rows = [
            entry(
                CS1,
                Direction.IN,
                2,
                f"h{index}",
                action="Heartbeat",
                at=T0 + timedelta(minutes=index),
            )
            for index in range(10)
        ]
        rows += [
            entry(CS2, Direction.IN, 2, "b1", action="BootNotification", at=T0),
            entry(CS2, Direction.OUT, 3, "b1", at=T0),
            entry(OTHER_TENANT_CS1, Direction.IN, 2, "h0", action="Heartbeat", at=T0),
        ]
        return await MessageLogRepository(session).insert_many(rows)

    async def test_filters(self, session: AsyncSession, logged: list[int]) -> None:
        repository = MessageLogRepository(session)

        async def ids(**filters: object) -> list[int]:
            page = await repository.query(MessageLogQuery(tenant_id="t1", **filters))  # type: ignore[arg-type]
            return [row.id for row in page.items]

        assert len(await ids()) == 12
        assert await ids(station_id="CS2") == [logged[11], logged[10]]
        assert await ids(action="BootNotification") == [logged[10]]
        assert await ids(message_id="h0") == [logged[0]]
        assert await ids(direction=Direction.OUT) == [logged[11]]
        window = await ids(
            station_id="CS1", since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=4)
        )
        assert window == [logged[3], logged[2]]

    async def test_offset_and_keyset_pagination(
        self, session: AsyncSession, logged: list[int]
    ) -> None:
        repository = MessageLogRepository(session)
        query = MessageLogQuery(tenant_id="t1", station_id="CS1")
        first = await repository.query(query, limit=4)
        assert ([row.id for row in first.items], first.total) == (logged[9:5:-1], 10)
        second = await repository.query(query, limit=4, offset=4)
        assert [row.id for row in second.items] == logged[5:1:-1]

        cursor = MessageLogQuery(tenant_id="t1", station_id="CS1", before_id=first.items[-1].id)
        keyset = await repository.query(cursor, limit=4, count=False)
        assert keyset.total is None
        assert [row.id for row in keyset.items] == [row.id for row in second.items]


class TestRetention:
    async def test_delete_older_than(self, session: AsyncSession) -> None:
        repository = MessageLogRepository(session)
        rows = [
            entry(CS1, Direction.IN, 2, f"r{index}", at=T0 + timedelta(days=index))
            for index in range(6)
        ]
        ids = await repository.insert_many(rows)
        cutoff = T0 + timedelta(days=4)
        assert await repository.delete_older_than(cutoff, batch_size=3) == 3
        assert await repository.delete_older_than(cutoff, batch_size=3) == 1
        assert await repository.delete_older_than(cutoff) == 0
        page = await repository.query(MessageLogQuery(tenant_id="t1"))
        assert [row.id for row in page.items] == [ids[5], ids[4]]
