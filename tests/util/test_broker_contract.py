"""One contract for every broker backend: memory and RabbitMQ behave the same.

RabbitMQ-only tests at the end cover what has no memory equivalent: several processes on one
exchange, durable group queues, redelivery and reconnecting.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aio_pika
import orjson
import pytest

from citrine_base.interfaces.broker import (
    Broker,
    BrokerError,
    BrokerTimeout,
    MessageHandler,
    NoConsumer,
)
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_util.broker import MemoryBroker, RabbitMqBroker
from citrine_util.broker import rabbitmq as rabbitmq_module
from tests.services import close_rabbitmq_connection, require_rabbitmq

WAIT = 5.0
"""Upper bound for anything expected to arrive; tests normally finish far sooner."""

QUIET = 0.3
"""How long to watch for something that must not arrive (duplicates, cancelled deliveries)."""

GROUPS = ("workers", "audit")
TOPICS = ("orders", "events", "calls")
"""Group subscriptions use only these names, so teardown knows every durable queue to drop."""


def envelope(n: int = 0, *, action: str = "Heartbeat", payload: bytes = b'{"n":0}') -> Envelope:
    return Envelope(
        kind=EnvelopeKind.CALL,
        station=StationKey("tenant-1", "CS-001"),
        action=action,
        message_id=f"m-{n}",
        initiator=Initiator.STATION,
        payload=payload if n == 0 else orjson.dumps({"n": n}),
    )


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float = WAIT
) -> None:
    async with asyncio.timeout(timeout):
        while True:
            met = condition()
            if not isinstance(met, bool):
                met = await met
            if met:
                return
            await asyncio.sleep(0.01)


@dataclass
class Inbox:
    """A subscriber that records what it gets."""

    received: list[Envelope] = field(default_factory=list)

    async def __call__(self, env: Envelope) -> Envelope | None:
        self.received.append(env)
        return None

    @property
    def ids(self) -> list[str]:
        return [env.message_id for env in self.received]


def answering(reply_action: str = "Reply") -> Callable[[Envelope], Awaitable[Envelope]]:
    async def handler(env: Envelope) -> Envelope:
        return Envelope(
            kind=EnvelopeKind.RESULT,
            station=env.station,
            action=reply_action,
            message_id=env.message_id,
            initiator=env.initiator,
            payload=orjson.dumps({"echo": orjson.loads(env.payload)}),
            correlation_id=env.correlation_id,
            origin="responder",
        )

    return handler


@dataclass
class RabbitSetup:
    url: str
    exchange: str
    brokers: list[RabbitMqBroker] = field(default_factory=list)

    async def broker(self, instance_id: str | None = None) -> RabbitMqBroker:
        broker = RabbitMqBroker(
            self.url, instance_id or f"test-{uuid.uuid4().hex[:8]}", exchange=self.exchange
        )
        await broker.start()
        self.brokers.append(broker)
        return broker

    async def cleanup(self) -> None:
        for broker in self.brokers:
            await broker.stop()
        connection = await aio_pika.connect(self.url)
        try:
            channel = await connection.channel()
            for group in GROUPS:
                for topic in TOPICS:
                    await channel.queue_delete(f"{self.exchange}.{group}.{topic}")
            await channel.exchange_delete(self.exchange)
        finally:
            await connection.close()


@pytest.fixture
async def rabbit() -> AsyncIterator[RabbitSetup]:
    # An exchange per test: its queues are named after it, so runs never share a queue.
    setup = RabbitSetup(require_rabbitmq(), f"citrine-test-{uuid.uuid4().hex[:12]}")
    try:
        yield setup
    finally:
        await setup.cleanup()


@pytest.fixture(params=["memory", "rabbitmq"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    if request.param == "memory":
        memory = MemoryBroker()
        await memory.start()
        yield memory
        await memory.stop()
        return
    setup = RabbitSetup(require_rabbitmq(), f"citrine-test-{uuid.uuid4().hex[:12]}")
    try:
        yield await setup.broker()
    finally:
        await setup.cleanup()


# -- publish ---------------------------------------------------------------------------------


async def test_publish_reaches_every_plain_subscriber(broker: Broker) -> None:
    first, second = Inbox(), Inbox()
    await broker.subscribe("events", first)
    await broker.subscribe("events", second)
    await broker.publish("events", envelope(1))
    await eventually(lambda: first.ids == ["m-1"] and second.ids == ["m-1"])


async def test_publish_to_a_topic_nobody_subscribes_is_fine(broker: Broker) -> None:
    await broker.publish("events", envelope(1))


async def test_publish_only_reaches_the_topic(broker: Broker) -> None:
    orders, events = Inbox(), Inbox()
    await broker.subscribe("orders", orders)
    await broker.subscribe("events", events)
    await broker.publish("orders", envelope(1))
    await eventually(lambda: orders.ids == ["m-1"])
    await asyncio.sleep(QUIET)
    assert events.received == []


async def test_group_members_each_message_once_in_total(broker: Broker) -> None:
    first, second = Inbox(), Inbox()
    await broker.subscribe("orders", first, group="workers")
    await broker.subscribe("orders", second, group="workers")
    sent = [f"m-{n}" for n in range(1, 31)]
    for n in range(1, 31):
        await broker.publish("orders", envelope(n))
    await eventually(lambda: len(first.received) + len(second.received) >= len(sent))
    await asyncio.sleep(QUIET)
    assert sorted(first.ids + second.ids) == sorted(sent)


async def test_plain_subscribers_and_groups_mixed(broker: Broker) -> None:
    plain, worker_a, worker_b, audit = Inbox(), Inbox(), Inbox(), Inbox()
    await broker.subscribe("orders", plain)
    await broker.subscribe("orders", worker_a, group="workers")
    await broker.subscribe("orders", worker_b, group="workers")
    await broker.subscribe("orders", audit, group="audit")
    sent = [f"m-{n}" for n in range(1, 11)]
    for n in range(1, 11):
        await broker.publish("orders", envelope(n))
    await eventually(
        lambda: (
            len(plain.received) == 10
            and len(audit.received) == 10
            and len(worker_a.received) + len(worker_b.received) == 10
        )
    )
    await asyncio.sleep(QUIET)
    assert sorted(plain.ids) == sorted(sent)
    assert sorted(audit.ids) == sorted(sent)
    assert sorted(worker_a.ids + worker_b.ids) == sorted(sent)


async def test_a_failing_handler_keeps_its_subscription(broker: Broker) -> None:
    seen: list[str] = []

    async def flaky(env: Envelope) -> None:
        seen.append(env.message_id)
        if env.message_id == "m-1":
            raise RuntimeError("poison")

    await broker.subscribe("events", flaky)
    await broker.publish("events", envelope(1))
    await eventually(lambda: seen == ["m-1"])
    await broker.publish("events", envelope(2))
    await eventually(lambda: seen == ["m-1", "m-2"])
    # The poison message is not redelivered.
    await asyncio.sleep(QUIET)
    assert seen == ["m-1", "m-2"]


async def test_cancel_stops_delivery(broker: Broker) -> None:
    inbox, other = Inbox(), Inbox()
    subscription = await broker.subscribe("events", inbox)
    await broker.subscribe("events", other)
    await broker.publish("events", envelope(1))
    await eventually(lambda: inbox.ids == ["m-1"] and other.ids == ["m-1"])
    await subscription.cancel()
    await broker.publish("events", envelope(2))
    await eventually(lambda: other.ids == ["m-1", "m-2"])
    await asyncio.sleep(QUIET)
    assert inbox.ids == ["m-1"]


async def test_handlers_run_concurrently(broker: Broker) -> None:
    arrived = 0
    all_in = asyncio.Event()

    async def waits_for_the_others(env: Envelope) -> None:
        nonlocal arrived
        arrived += 1
        if arrived == 5:
            all_in.set()
        await all_in.wait()

    await broker.subscribe("events", waits_for_the_others)
    for n in range(1, 6):
        await broker.publish("events", envelope(n))
    async with asyncio.timeout(WAIT):
        await all_in.wait()


async def test_envelope_fields_survive_the_trip(broker: Broker) -> None:
    inbox = Inbox()
    await broker.subscribe("events", inbox)
    payload = orjson.dumps({"idTag": "ÄÖÜ-✓", "nested": {"list": [1, 2.5, None, True]}})
    sent = Envelope(
        kind=EnvelopeKind.EVENT,
        station=StationKey("tenant/x", "CS 001:ä"),
        action="StatusNotification",
        message_id="msg-42",
        initiator=Initiator.CSMS,
        payload=payload,
        correlation_id="corr-7",
        origin="instance-a",
        reply_to="somewhere",
        timestamp=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    )
    await broker.publish("events", sent)
    await eventually(lambda: len(inbox.received) == 1)
    got = inbox.received[0]
    assert got == sent
    assert got.payload == payload
    assert (got.station.tenant_id, got.station.station_id) == ("tenant/x", "CS 001:ä")


# -- request ---------------------------------------------------------------------------------


async def test_request_reply_round_trip(broker: Broker) -> None:
    await broker.subscribe("calls", answering(), group="workers")
    reply = await broker.request("calls", envelope(payload=b'{"idTag":"\xc3\xa4","v":[1,2]}'), 5)
    assert reply.kind is EnvelopeKind.RESULT
    assert reply.action == "Reply"
    assert reply.message_id == "m-0"
    assert reply.correlation_id == "m-0"
    assert reply.origin == "responder"
    assert orjson.loads(reply.payload) == {"echo": {"idTag": "ä", "v": [1, 2]}}


async def test_concurrent_requests_get_their_own_replies(broker: Broker) -> None:
    await broker.subscribe("calls", answering(), group="workers")
    await broker.subscribe("calls", answering(), group="workers")
    replies = await asyncio.gather(*(broker.request("calls", envelope(n), 5) for n in range(1, 21)))
    assert [orjson.loads(r.payload)["echo"]["n"] for r in replies] == list(range(1, 21))


async def test_request_is_handled_by_exactly_one_subscriber(broker: Broker) -> None:
    calls: list[str] = []

    async def counting(env: Envelope) -> Envelope:
        calls.append(env.message_id)
        return await answering()(env)

    await broker.subscribe("calls", counting)
    await broker.subscribe("calls", counting)
    await broker.request("calls", envelope(1), 5)
    await asyncio.sleep(QUIET)
    assert calls == ["m-1"]


async def test_request_without_subscriber_raises_no_consumer(broker: Broker) -> None:
    with pytest.raises(NoConsumer):
        await broker.request("calls", envelope(1), 2)


async def test_request_after_the_last_cancel_raises_no_consumer(broker: Broker) -> None:
    subscription = await broker.subscribe("calls", answering())
    await broker.request("calls", envelope(1), 5)
    await subscription.cancel()
    with pytest.raises(NoConsumer):
        await broker.request("calls", envelope(2), 2)


async def test_request_times_out(broker: Broker) -> None:
    async def slow(env: Envelope) -> Envelope:
        await asyncio.sleep(1)
        return env

    await broker.subscribe("calls", slow)
    started = asyncio.get_running_loop().time()
    with pytest.raises(BrokerTimeout):
        await broker.request("calls", envelope(1), 0.2)
    assert asyncio.get_running_loop().time() - started < 1.5


async def test_request_to_a_handler_without_reply_raises_broker_error(broker: Broker) -> None:
    await broker.subscribe("calls", Inbox())
    with pytest.raises(BrokerError):
        await broker.request("calls", envelope(1), 5)


# -- lifecycle -------------------------------------------------------------------------------


async def test_healthy_while_running(broker: Broker) -> None:
    assert await broker.healthy() is True


async def test_stopped_broker_refuses_work(broker: Broker) -> None:
    await broker.stop()
    assert await broker.healthy() is False
    with pytest.raises(BrokerError):
        await broker.publish("events", envelope(1))
    with pytest.raises(BrokerError):
        await broker.request("calls", envelope(1), 1)


# -- RabbitMQ only ---------------------------------------------------------------------------


async def test_rabbitmq_instances_share_groups_and_each_get_plain_copies(
    rabbit: RabbitSetup,
) -> None:
    first, second, publisher = await rabbit.broker(), await rabbit.broker(), await rabbit.broker()
    plain_1, plain_2, worker_1, worker_2 = Inbox(), Inbox(), Inbox(), Inbox()
    await first.subscribe("events", plain_1)
    await second.subscribe("events", plain_2)
    await first.subscribe("orders", worker_1, group="workers")
    await second.subscribe("orders", worker_2, group="workers")
    sent = [f"m-{n}" for n in range(1, 21)]
    for n in range(1, 21):
        await publisher.publish("events", envelope(n))
        await publisher.publish("orders", envelope(n))
    await eventually(
        lambda: (
            len(plain_1.received) == 20
            and len(plain_2.received) == 20
            and len(worker_1.received) + len(worker_2.received) == 20
        )
    )
    await asyncio.sleep(QUIET)
    assert sorted(worker_1.ids + worker_2.ids) == sorted(sent)
    assert sorted(plain_1.ids) == sorted(plain_2.ids) == sorted(sent)


async def test_rabbitmq_request_across_instances_carries_no_model(rabbit: RabbitSetup) -> None:
    server, client = await rabbit.broker(), await rabbit.broker()
    got: list[Envelope] = []

    async def handler(env: Envelope) -> Envelope:
        got.append(env)
        return await answering()(env)

    await server.subscribe("calls", handler, group="workers")
    reply = await client.request("calls", envelope(7), 5)
    assert orjson.loads(reply.payload) == {"echo": {"n": 7}}
    assert got[0].model is None
    assert reply.model is None


async def test_rabbitmq_group_queue_keeps_messages_while_no_member_runs(
    rabbit: RabbitSetup,
) -> None:
    worker = await rabbit.broker()
    await worker.subscribe("orders", Inbox(), group="workers")
    await worker.stop()
    publisher = await rabbit.broker()
    for n in range(1, 4):
        await publisher.publish("orders", envelope(n))
    restarted, inbox = await rabbit.broker(), Inbox()
    await restarted.subscribe("orders", inbox, group="workers")
    await eventually(lambda: sorted(inbox.ids) == ["m-1", "m-2", "m-3"])


async def test_rabbitmq_unfinished_delivery_is_redelivered_after_stop(
    rabbit: RabbitSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rabbitmq_module, "STOP_GRACE", 0.2)
    started = asyncio.Event()

    async def hangs(env: Envelope) -> None:
        started.set()
        await asyncio.Event().wait()

    worker = await rabbit.broker()
    await worker.subscribe("orders", hangs, group="workers")
    await worker.publish("orders", envelope(1))
    async with asyncio.timeout(WAIT):
        await started.wait()
    async with asyncio.timeout(WAIT):
        await worker.stop()
    successor, inbox = await rabbit.broker(), Inbox()
    await successor.subscribe("orders", inbox, group="workers")
    await eventually(lambda: inbox.ids == ["m-1"])


async def test_rabbitmq_handler_errors_are_counted_and_answer_requests(
    rabbit: RabbitSetup,
) -> None:
    broker = await rabbit.broker()

    async def broken(env: Envelope) -> Envelope:
        raise ValueError("bad input")

    await broker.subscribe("calls", broken)
    with pytest.raises(BrokerError, match="ValueError: bad input"):
        await broker.request("calls", envelope(1), 5)
    await broker.publish("calls", envelope(2))
    await eventually(lambda: broker.failed_deliveries == 2)


async def test_rabbitmq_unreadable_message_is_counted_and_dropped(rabbit: RabbitSetup) -> None:
    broker, inbox = await rabbit.broker(), Inbox()
    await broker.subscribe("events", inbox)
    connection = await aio_pika.connect(rabbit.url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(rabbit.exchange)
        await exchange.publish(aio_pika.Message(b"not json"), routing_key="events")
    finally:
        await connection.close()
    await eventually(lambda: broker.failed_deliveries == 1)
    await broker.publish("events", envelope(1))
    await eventually(lambda: inbox.ids == ["m-1"])


async def test_rabbitmq_rejects_wildcard_topics(rabbit: RabbitSetup) -> None:
    broker = await rabbit.broker()
    handler: MessageHandler = Inbox()
    for topic in ("ocpp.*", "ocpp.#"):
        with pytest.raises(BrokerError):
            await broker.subscribe(topic, handler)


async def test_rabbitmq_unreachable_server_raises_broker_error() -> None:
    broker = RabbitMqBroker("amqp://guest:guest@127.0.0.1:1/", "nowhere")
    with pytest.raises(BrokerError):
        await broker.start()
    assert await broker.healthy() is False


async def test_rabbitmq_reconnects_and_loses_no_group_message(rabbit: RabbitSetup) -> None:
    worker, publisher = await rabbit.broker(), await rabbit.broker()
    inbox, events = Inbox(), Inbox()
    await worker.subscribe("orders", inbox, group="workers")
    await worker.subscribe("events", events)
    await worker.subscribe("calls", answering())
    await publisher.publish("orders", envelope(1))
    await eventually(lambda: inbox.ids == ["m-1"])

    await close_rabbitmq_connection(worker.connection_name)
    # Published while the worker is away: the durable group queue holds them. The worker's
    # own publish waits for its reconnect (or its lost confirm is retried) instead of failing.
    sent = [f"m-{n}" for n in range(2, 13)]
    for n in range(2, 12):
        await publisher.publish("orders", envelope(n))
    await worker.publish("orders", envelope(12))

    await eventually(lambda: set(sent) <= set(inbox.ids), timeout=15)
    await eventually(worker.healthy, timeout=15)
    # Restored: its own publishes, its plain queue, its request queue and its reply queue.
    await worker.publish("events", envelope(20))
    await eventually(lambda: "m-20" in events.ids)
    await publisher.publish("events", envelope(21))
    await eventually(lambda: "m-21" in events.ids)
    reply = await publisher.request("calls", envelope(22), 5)
    assert orjson.loads(reply.payload) == {"echo": {"n": 22}}
    await publisher.subscribe("echo", answering())
    reply = await worker.request("echo", envelope(23), 5)
    assert orjson.loads(reply.payload) == {"echo": {"n": 23}}
