"""Display messages and their reports; webhook subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.models import ChargingStation, Tenant
from citrine_data.repositories import DisplayMessageRepository, SubscriptionRepository
from citrine_data.repositories.display_message import DisplayMessageData
from citrine_data.repositories.subscription import SubscriptionData

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _message(message_id: int, content: str, status: str | None = None) -> DisplayMessageData:
    return DisplayMessageData(
        message_id=message_id,
        priority="NormalCycle",
        format="UTF8",
        content=content,
        status=status,
    )


class TestDisplayMessages:
    async def test_reported_messages_keep_an_accepted_status(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = DisplayMessageRepository(session)
        await repository.upsert(station.id, _message(1, "set by us", "Accepted"))
        await repository.upsert(station.id, _message(2, "refused", "NotSupportedPriority"))
        await repository.upsert_reported(
            station.id, [_message(1, "as the station has it"), _message(2, "x"), _message(3, "y")]
        )
        session.expunge_all()
        listed = await repository.list(station.id)
        assert [(m.message_id, m.content, m.status) for m in listed] == [
            (1, "as the station has it", "Accepted"),
            (2, "x", "Reported"),
            (3, "y", "Reported"),
        ]
        assert [m.message_id for m in await repository.list(station.id, priority="InFront")] == []

    async def test_a_full_report_forgets_the_rest(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = DisplayMessageRepository(session)
        for message_id in (1, 2, 3):
            await repository.upsert(station.id, _message(message_id, "m", "Accepted"))
        later = datetime.now(UTC) + timedelta(seconds=5)
        assert await repository.delete_except(station.id, [2], later) == 2
        assert await repository.delete_except(station.id, [], later) == 1

    async def test_report_parts_merge_by_id(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = DisplayMessageRepository(session)
        report = await repository.open_report(
            station.id, 5, ids=None, priority=None, state=None, requested_at=T0
        )
        first = {"id": 2, "priority": "InFront", "message": {"format": "UTF8", "content": "a"}}
        second = {"id": 1, "priority": "InFront", "message": {"format": "UTF8", "content": "b"}}
        await repository.record_report_part(report, [first], to_be_continued=True, at=T0)
        await repository.record_report_part(report, [first, second], to_be_continued=False, at=T0)
        session.expunge_all()
        loaded = await repository.get_report(station.id, 5)
        assert loaded is not None
        assert [m["id"] for m in loaded.messages] == [1, 2]
        assert (loaded.parts_received, loaded.completed_at) == (2, T0)
        assert (await repository.ensure_report(station.id, 5)).id == loaded.id


class TestSubscriptions:
    async def test_crud_and_the_active_snapshot(
        self, session: AsyncSession, tenant: Tenant, station: ChargingStation
    ) -> None:
        repository = SubscriptionRepository(session)
        everywhere = await repository.create(
            tenant.id, SubscriptionData(url="https://hooks.example/all", secret="s" * 16)
        )
        mine = await repository.create(
            tenant.id,
            SubscriptionData(
                url="https://hooks.example/cs1", station_pk=station.id, events=["NotifyEvent"]
            ),
        )
        await repository.create(
            tenant.id, SubscriptionData(url="https://hooks.example/off", is_active=False)
        )
        await repository.update(mine, {"events": ["Connected"], "description": "ops"})
        session.expunge_all()
        snapshot = await repository.list_active()
        assert [(a.subscription.id, a.station_id) for a in snapshot] == [
            (everywhere.id, None),
            (mine.id, "CS1"),
        ]
        assert snapshot[1].subscription.events == ["Connected"]
        assert (await repository.list(tenant.id, limit=2)).total == 3
        assert await repository.get("other", mine.id) is None
        assert await repository.station_ids([station.id]) == {station.id: "CS1"}
        assert await repository.delete(tenant.id, mine.id)
        assert not await repository.delete(tenant.id, mine.id)
