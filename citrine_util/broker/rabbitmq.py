"""RabbitMQ broker: the memory broker's semantics across processes.

Layout on the server, for exchange ``E``:

* ``E`` is a durable topic exchange; ``publish`` routes on it with the topic as routing key.
* A plain subscriber consumes its own exclusive auto-delete queue bound to the topic, so every
  subscriber gets a copy. A ``group`` shares the durable queue ``E.<group>.<topic>``: its
  members compete, and messages wait there while no member runs.
* Requests do not use the exchange: a topic fans out to every bound queue, but a request must
  reach one subscriber, as in the memory broker. They go through the default exchange to
  ``E:request:<topic>``, an auto-delete queue that every subscriber of the topic also
  consumes. While nobody subscribes it does not exist, so the mandatory publish comes back
  and becomes ``NoConsumer``. Replies return on one exclusive queue per broker.

Every subscription has its own channel. Cancelling it closes that channel once its running
deliveries are done, so prefetched messages it never started go back to their queue at once.
Deliveries are acked after the handler returns (at-least-once); a handler that raises is
logged and counted, and its message is acked anyway, because requeueing a poison message
would loop forever.

``connect_robust`` reconnects and restores exchanges, queues, bindings and consumers, with
an exponential back-off (``RECONNECT_INTERVAL`` doubling up to ``RECONNECT_MAX``, jittered, so
that a cluster's processes do not all hit a restarting RabbitMQ in the same instant). A
publish caught by a connection loss is sent once more after the reconnect, so a message can
arrive twice; requests in flight during the loss time out.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from functools import partial
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    ConsumerTag,
    DeliveryMode,
    ExchangeType,
)
from aio_pika.exceptions import CONNECTION_EXCEPTIONS, ChannelNotFoundEntity, PublishError
from yarl import URL

from citrine_base.interfaces.broker import (
    Broker,
    BrokerError,
    BrokerTimeout,
    MessageHandler,
    NoConsumer,
    Subscription,
)
from citrine_base.interfaces.envelope import Envelope

log = logging.getLogger(__name__)

RECONNECT_INTERVAL = 1.0
"""Seconds between reconnect attempts, unless the URL sets ``reconnect_interval``."""

RECONNECT_MAX = 15.0
"""Longest pause between reconnect attempts while RabbitMQ stays away."""

HEARTBEAT = 15
"""Seconds, unless the URL sets ``heartbeat``. Shorter than RabbitMQ's 60 so a silently dead
peer is noticed sooner; until the server drops the old connection, re-declaring our exclusive
queues on the new one fails and restoring keeps retrying."""

CONNECT_TIMEOUT = 5.0
PUBLISH_TIMEOUT = 5.0
"""Seconds a publish may wait for its confirm, including a reconnect, before it fails."""

STOP_GRACE = 5.0
"""Seconds ``stop`` lets running deliveries finish before cancelling them."""

CANCEL_TIMEOUT = 2.0
"""Seconds to wait for a consumer cancel before leaving it to the channel close."""

READY_CHECK = 0.05
"""Seconds ``healthy`` waits for the channels to report themselves restored."""

SUBSCRIBE_ATTEMPTS = 3
CONTENT_TYPE = "application/json"
REPLY_STATUS = "x-citrine-reply"


class _ReplyStatus(StrEnum):
    OK = "ok"
    NONE = "none"
    ERROR = "error"


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except CONNECTION_EXCEPTIONS as exc:
        raise BrokerError(f"rabbitmq {what}: {exc!r}") from exc


class _RabbitSubscription(Subscription):
    def __init__(
        self,
        broker: RabbitMqBroker,
        topic: str,
        handler: MessageHandler,
        group: str | None,
        channel: AbstractRobustChannel,
    ) -> None:
        self.broker = broker
        self.topic = topic
        self.handler = handler
        self.group = group
        self.channel = channel
        self.consumers: list[tuple[AbstractQueue, ConsumerTag]] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = True

    async def cancel(self) -> None:
        if self.active:
            self.active = False
            await self.broker._retire(self)


class RabbitMqBroker(Broker):
    def __init__(
        self, url: str, instance_id: str, exchange: str = "citrine", prefetch: int = 64
    ) -> None:
        self._url = url
        self._instance_id = instance_id
        self._exchange_name = exchange
        self._prefetch = prefetch
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._reply_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._reply_queue_name = f"{exchange}:reply:{instance_id}:{uuid.uuid4().hex[:12]}"
        self._pending: dict[str, asyncio.Future[AbstractIncomingMessage]] = {}
        self._subscriptions: set[_RabbitSubscription] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self._reconnect_interval = RECONNECT_INTERVAL
        self._backing_off = False
        self.reconnects = 0
        """Times the connection was lost and restored."""
        self.failed_deliveries = 0
        """Deliveries whose handler raised or whose body could not be read (acked, not retried)."""

    @property
    def connection_name(self) -> str:
        """The name this broker's connection shows in RabbitMQ (``rabbitmqctl list_connections``)."""
        return f"citrine:{self._instance_id}"

    def _request_queue_name(self, topic: str) -> str:
        return f"{self._exchange_name}:request:{topic}"

    def _group_queue_name(self, group: str, topic: str) -> str:
        return f"{self._exchange_name}.{group}.{topic}"

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._connection is not None:
            return
        defaults = {"reconnect_interval": RECONNECT_INTERVAL, "heartbeat": HEARTBEAT}
        try:
            query = URL(self._url).query
        except ValueError as exc:
            raise BrokerError(f"rabbitmq: bad url: {exc}") from exc
        options: dict[str, Any] = {k: v for k, v in defaults.items() if k not in query}
        if "reconnect_interval" in query:
            self._reconnect_interval = float(query["reconnect_interval"])
        with _translated("connect"):
            connection = await aio_pika.connect_robust(
                self._url,
                client_properties={"connection_name": self.connection_name},
                timeout=CONNECT_TIMEOUT,
                **options,
            )
        try:
            with _translated("start"):
                publish_channel = await connection.channel(
                    publisher_confirms=True, on_return_raises=True
                )
                exchange = await publish_channel.declare_exchange(
                    self._exchange_name, ExchangeType.TOPIC, durable=True
                )
                reply_channel = await connection.channel(publisher_confirms=False)
                replies = await reply_channel.declare_queue(
                    self._reply_queue_name, exclusive=True, auto_delete=True
                )
                await replies.consume(self._on_reply, no_ack=True)
        except BaseException:
            with suppress(*CONNECTION_EXCEPTIONS):
                await connection.close()
            raise
        connection.close_callbacks.add(self._on_connection_lost)
        connection.reconnect_callbacks.add(self._on_reconnected)
        self._connection = connection
        self._publish_channel = publish_channel
        self._reply_channel = reply_channel
        self._exchange = exchange
        self._running = True

    async def stop(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._running = False
        subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.active = False
        await asyncio.gather(*(self._retire(s) for s in subscriptions))
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_GRACE)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BrokerError("Broker stopped"))
        self._pending.clear()
        self._connection = None
        self._publish_channel = self._reply_channel = None
        self._exchange = None
        with suppress(*CONNECTION_EXCEPTIONS):
            await connection.close()

    async def healthy(self) -> bool:
        """Connected, and every channel restored: after a reconnect the connection is up
        before aio-pika has declared the subscriptions' queues again, and a message published
        to a plain queue that does not exist yet is dropped."""
        connection = self._connection
        if not self._running or connection is None:
            return False
        channels = [
            self._publish_channel,
            self._reply_channel,
            *(subscription.channel for subscription in self._subscriptions),
        ]
        try:
            open_channels = [c for c in channels if c is not None and not c.is_closed]
            if not connection.connected.is_set() or connection.is_closed:
                return False
            if len(open_channels) < len(channels):
                return False
            # ready() returns at once for a restored channel.
            async with asyncio.timeout(READY_CHECK):
                for channel in open_channels:
                    await channel.ready()
        except Exception:
            return False
        return True

    def _on_connection_lost(self, _connection: object, _error: object = None) -> None:
        connection = self._connection
        if self._running and connection is not None and not self._backing_off:
            self._backing_off = True
            self._spawn(self._back_off(connection))

    def _on_reconnected(self, _connection: object) -> None:
        self.reconnects += 1
        log.info("broker.reconnected reconnects=%d", self.reconnects)

    async def _back_off(self, connection: AbstractRobustConnection) -> None:
        """Stretch the robust connection's retry interval while the server stays away."""
        interval = self._reconnect_interval
        try:
            while self._running and not connection.connected.is_set():
                connection.reconnect_interval = interval * random.uniform(0.8, 1.2)  # type: ignore[attr-defined]
                await asyncio.sleep(interval)
                interval = min(interval * 2, RECONNECT_MAX)
        finally:
            connection.reconnect_interval = self._reconnect_interval  # type: ignore[attr-defined]
            self._backing_off = False

    def _spawn(
        self, work: Coroutine[Any, Any, None], owner: set[asyncio.Task[None]] | None = None
    ) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if owner is not None:
            owner.add(task)
            task.add_done_callback(owner.discard)

    # -- sending -----------------------------------------------------------------------------

    def _sending(self) -> tuple[AbstractRobustChannel, AbstractExchange]:
        channel, exchange = self._publish_channel, self._exchange
        if not self._running or channel is None or exchange is None:
            raise BrokerError("Broker is not running")
        return channel, exchange

    async def _send(
        self,
        channel: AbstractRobustChannel,
        exchange: AbstractExchange,
        message: aio_pika.Message,
        routing_key: str,
        *,
        mandatory: bool,
    ) -> None:
        """Publish with confirm; after a connection loss, wait for the reconnect and try once more."""
        for attempt in (1, 2):
            try:
                await channel.ready()
                await exchange.publish(message, routing_key, mandatory=mandatory)
                return
            except PublishError:
                raise NoConsumer(routing_key) from None
            except CONNECTION_EXCEPTIONS as exc:
                if attempt == 2 or self._connection is None:
                    raise BrokerError(f"rabbitmq publish to {routing_key}: {exc!r}") from exc
                log.info("broker.publish_retry routing_key=%s error=%r", routing_key, exc)

    async def publish(self, topic: str, envelope: Envelope) -> None:
        channel, exchange = self._sending()
        message = aio_pika.Message(
            envelope.to_json(),
            content_type=CONTENT_TYPE,
            delivery_mode=DeliveryMode.PERSISTENT,
            message_id=uuid.uuid4().hex,
        )
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await self._send(channel, exchange, message, topic, mandatory=False)
        except TimeoutError:
            raise BrokerError(f"publish to {topic} not confirmed in {PUBLISH_TIMEOUT}s") from None

    async def request(self, topic: str, envelope: Envelope, timeout: float) -> Envelope:
        channel, _ = self._sending()
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[AbstractIncomingMessage] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        message = aio_pika.Message(
            envelope.to_json(),
            content_type=CONTENT_TYPE,
            delivery_mode=DeliveryMode.NOT_PERSISTENT,
            message_id=uuid.uuid4().hex,
            correlation_id=correlation_id,
            reply_to=self._reply_queue_name,
            # Nobody wants the answer after the timeout: let RabbitMQ drop a request still queued.
            expiration=max(timeout, 0.001),
        )
        try:
            async with asyncio.timeout(timeout):
                await self._send(
                    channel,
                    channel.default_exchange,
                    message,
                    self._request_queue_name(topic),
                    mandatory=True,
                )
                reply = await future
        except NoConsumer:
            raise NoConsumer(topic) from None
        except TimeoutError:
            raise BrokerTimeout(topic) from None
        finally:
            self._pending.pop(correlation_id, None)
        return self._read_reply(topic, reply)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message)

    @staticmethod
    def _read_reply(topic: str, message: AbstractIncomingMessage) -> Envelope:
        status = message.headers.get(REPLY_STATUS)
        if isinstance(status, bytes):
            status = status.decode()
        if status == _ReplyStatus.OK:
            try:
                return Envelope.from_json(message.body)
            except Exception as exc:
                raise BrokerError(f"Unreadable reply from a subscriber of {topic}") from exc
        if status == _ReplyStatus.NONE:
            raise BrokerError(f"Subscriber of {topic} gave no reply to a request")
        detail = message.body.decode(errors="replace")
        raise BrokerError(f"Subscriber of {topic} failed: {detail}")

    # -- receiving ---------------------------------------------------------------------------

    async def subscribe(
        self, topic: str, handler: MessageHandler, *, group: str | None = None
    ) -> Subscription:
        connection = self._connection
        if not self._running or connection is None:
            raise BrokerError("Broker is not running")
        if "*" in topic or "#" in topic:
            # A topic exchange would read them as wildcards; the memory broker matches literally.
            raise BrokerError(f"Topic {topic!r} contains '*' or '#'")
        attempt = 0
        while True:
            attempt += 1
            with _translated(f"subscribe to {topic}"):
                channel = await connection.channel(publisher_confirms=False)
            try:
                subscription = await self._consume(channel, topic, handler, group)
            except ChannelNotFoundEntity as exc:
                # The request queue was auto-deleted between our declare and consume, by the
                # last other subscriber leaving: declare it again on a fresh channel.
                await self._close_channel(channel)
                if attempt == SUBSCRIBE_ATTEMPTS:
                    raise BrokerError(f"rabbitmq subscribe to {topic}: {exc!r}") from exc
                continue
            except BaseException as exc:
                await self._close_channel(channel)
                if isinstance(exc, CONNECTION_EXCEPTIONS):
                    raise BrokerError(f"rabbitmq subscribe to {topic}: {exc!r}") from exc
                raise
            self._subscriptions.add(subscription)
            return subscription

    async def _consume(
        self,
        channel: AbstractRobustChannel,
        topic: str,
        handler: MessageHandler,
        group: str | None,
    ) -> _RabbitSubscription:
        await channel.set_qos(prefetch_count=self._prefetch)
        exchange = await channel.declare_exchange(
            self._exchange_name, ExchangeType.TOPIC, durable=True
        )
        if group is None:
            name = f"{self._exchange_name}:sub:{self._instance_id}:{uuid.uuid4().hex[:12]}"
            queue = await channel.declare_queue(name, exclusive=True, auto_delete=True)
        else:
            queue = await channel.declare_queue(self._group_queue_name(group, topic), durable=True)
        await queue.bind(exchange, routing_key=topic)
        requests = await channel.declare_queue(self._request_queue_name(topic), auto_delete=True)
        subscription = _RabbitSubscription(self, topic, handler, group, channel)
        callback = partial(self._on_message, subscription)
        subscription.consumers.append((queue, await queue.consume(callback)))
        subscription.consumers.append((requests, await requests.consume(callback)))
        return subscription

    async def _on_message(
        self, subscription: _RabbitSubscription, message: AbstractIncomingMessage
    ) -> None:
        if not subscription.active:
            # Arrived while cancelling: hand it back to the queue for another consumer.
            with suppress(*CONNECTION_EXCEPTIONS):
                await message.nack(requeue=True)
            return
        self._spawn(self._deliver(subscription, message), subscription.tasks)

    async def _deliver(
        self, subscription: _RabbitSubscription, message: AbstractIncomingMessage
    ) -> None:
        try:
            envelope = Envelope.from_json(message.body)
        except Exception:
            log.exception("broker.unreadable_message topic=%s", subscription.topic)
            self.failed_deliveries += 1
            await self._ack(message)
            return
        reply: Envelope | None = None
        failure: str | None = None
        try:
            reply = await subscription.handler(envelope)
        except Exception as exc:
            log.exception(
                "broker.handler_failed topic=%s action=%s", subscription.topic, envelope.action
            )
            self.failed_deliveries += 1
            failure = f"{type(exc).__name__}: {exc}"
        if message.reply_to:
            await self._reply(message, reply, failure)
        await self._ack(message)

    @staticmethod
    async def _ack(message: AbstractIncomingMessage) -> None:
        try:
            await message.ack()
        except CONNECTION_EXCEPTIONS as exc:
            # The channel closed meanwhile; RabbitMQ redelivers the message (at-least-once).
            log.info("broker.ack_lost error=%r", exc)

    async def _reply(
        self, request: AbstractIncomingMessage, reply: Envelope | None, failure: str | None
    ) -> None:
        if failure is not None:
            status, body = _ReplyStatus.ERROR, failure.encode()
        elif reply is None:
            status, body = _ReplyStatus.NONE, b""
        else:
            status, body = _ReplyStatus.OK, reply.to_json()
        message = aio_pika.Message(
            body,
            content_type=CONTENT_TYPE,
            delivery_mode=DeliveryMode.NOT_PERSISTENT,
            message_id=uuid.uuid4().hex,
            correlation_id=request.correlation_id,
            headers={REPLY_STATUS: status.value},
        )
        reply_to = request.reply_to
        channel = self._publish_channel
        if reply_to is None or channel is None:
            return
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                # Not mandatory: a requester that is gone has nothing to return to.
                await self._send(
                    channel, channel.default_exchange, message, reply_to, mandatory=False
                )
        except (TimeoutError, BrokerError) as exc:
            log.warning("broker.reply_lost reply_to=%s error=%r", reply_to, exc)

    async def _retire(self, subscription: _RabbitSubscription) -> None:
        """Stop the subscription's consumers now; close its channel once its deliveries end."""
        self._subscriptions.discard(subscription)
        await asyncio.gather(
            *(self._cancel_consumer(queue, tag) for queue, tag in subscription.consumers)
        )
        self._spawn(self._close_when_idle(subscription))

    @staticmethod
    async def _cancel_consumer(queue: AbstractQueue, tag: ConsumerTag) -> None:
        # While disconnected the cancel waits for a reconnect; the consumer is already dropped
        # from what gets restored, and closing the channel ends it anyway.
        with suppress(TimeoutError, *CONNECTION_EXCEPTIONS):
            async with asyncio.timeout(CANCEL_TIMEOUT):
                await queue.cancel(tag)

    async def _close_when_idle(self, subscription: _RabbitSubscription) -> None:
        if subscription.tasks:
            await asyncio.wait(subscription.tasks)
        await self._close_channel(subscription.channel)

    @staticmethod
    async def _close_channel(channel: AbstractRobustChannel) -> None:
        with suppress(*CONNECTION_EXCEPTIONS):
            await channel.close()
