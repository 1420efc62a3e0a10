"""A subscription change made in one process reaches the others through the broker, long
before their periodic reload: two webhook modules, each with its own broker connection (the
memory broker in one process, and RabbitMQ as across processes)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import aio_pika

from citrine_base.config import SystemConfig
from citrine_base.interfaces.broker import Broker
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import ACTIONS
from citrine_base.topics import WEBHOOK_EVENTS_TOPIC
from citrine_data import SessionFactory, create_engine, create_sessionmaker, unit_of_work
from citrine_data.repositories import SubscriptionRepository, TenantRepository
from citrine_data.repositories.subscription import SubscriptionData
from citrine_modules.deps import ModuleDeps
from citrine_modules.webhooks import WebhooksModule
from citrine_modules.webhooks.directory import Target
from citrine_util.broker import MemoryBroker
from citrine_util.broker.rabbitmq import RabbitMqBroker
from citrine_util.cache import MemoryCache
from citrine_util.commands import BrokerCommandSender
from citrine_util.storage import LocalFileStorage
from citrine_util.tasks import TaskSupervisor
from tests.live import fresh_sqlite_url
from tests.modules.helpers import eventually
from tests.services import require_rabbitmq

STATION = StationKey("default", "CS1")


@asynccontextmanager
async def webhooks_module(
    sessions: SessionFactory, broker: Broker, instance_id: str
) -> AsyncIterator[WebhooksModule]:
    # The periodic reload is an hour away: only the broadcast can make a change arrive.
    config = SystemConfig.load(None, instance_id=instance_id, webhooks={"refresh_interval": 3600})
    cache = MemoryCache()
    tasks = TaskSupervisor()
    commands = BrokerCommandSender(
        broker, cache, {s.action: s for s in ACTIONS.values()}, instance_id, 5
    )
    storage = LocalFileStorage(tempfile.mkdtemp(prefix="citrine-webhooks-"))
    module = WebhooksModule(
        ModuleDeps(config, cache, broker, commands, sessions, tasks, storage=storage)
    )
    await module.start()
    try:
        yield module
    finally:
        await module.stop()
        await tasks.stop()


async def _sessions() -> tuple[SessionFactory, Callable[[], Awaitable[None]]]:
    engine = create_engine(fresh_sqlite_url(), pool=None)
    sessions = create_sessionmaker(engine)
    async with unit_of_work(sessions) as uow:
        await TenantRepository.from_session(uow.session).ensure("default", "Default")
    return sessions, engine.dispose


async def _change_is_seen_elsewhere(
    sessions: SessionFactory, first: WebhooksModule, second: WebhooksModule
) -> None:
    assert second.directory.targets(STATION, "NotifyEvent") == []
    async with unit_of_work(sessions) as uow:
        await SubscriptionRepository.from_session(uow.session).create(
            "default", SubscriptionData(url="http://127.0.0.1:9/x", events=["NotifyEvent"])
        )
    await first.subscriptions_changed()  # what the REST API runs after its commit
    assert len(first.directory.targets(STATION, "NotifyEvent")) == 1
    found = await eventually(
        lambda: _async(second.directory.targets(STATION, "NotifyEvent")), timeout=10
    )
    assert found[0].url == "http://127.0.0.1:9/x"


async def _async(value: list[Target]) -> list[Target]:
    return value


async def test_two_modules_on_one_memory_broker() -> None:
    sessions, dispose = await _sessions()
    broker = MemoryBroker()
    await broker.start()
    try:
        async with (
            webhooks_module(sessions, broker, "one") as first,
            webhooks_module(sessions, broker, "two") as second,
        ):
            await _change_is_seen_elsewhere(sessions, first, second)
    finally:
        await broker.stop()
        await dispose()


async def test_two_processes_over_rabbitmq() -> None:
    url = require_rabbitmq()
    exchange = f"test-webhooks-{uuid.uuid4().hex[:8]}"
    sessions, dispose = await _sessions()
    async with AsyncExitStack() as stack:
        brokers = []
        for name in ("one", "two"):
            broker = RabbitMqBroker(url, f"{exchange}-{name}", exchange=exchange)
            await broker.start()
            stack.push_async_callback(broker.stop)
            brokers.append(broker)
        first = await stack.enter_async_context(webhooks_module(sessions, brokers[0], "one"))
        second = await stack.enter_async_context(webhooks_module(sessions, brokers[1], "two"))
        await _change_is_seen_elsewhere(sessions, first, second)
    await _delete_group_queues(url, exchange)
    await dispose()


async def _delete_group_queues(url: str, exchange: str) -> None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for group, topic in (
            ("webhooks", WEBHOOK_EVENTS_TOPIC),
            ("events.webhooks", "ocpp.events"),
        ):
            await channel.queue_delete(f"{exchange}.{group}.{topic}")
        await channel.exchange_delete(exchange)
    finally:
        await connection.close()
