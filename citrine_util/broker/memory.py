"""In-process broker: the embedded default.

Envelopes are handed over as the same object (no copy, no serialization). ``publish`` runs
handlers as tasks the broker owns (awaited or cancelled at ``stop``), so a slow subscriber never
blocks the publisher; ``request`` awaits the one chosen handler directly.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import defaultdict
from dataclasses import dataclass, field

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

MAX_IN_FLIGHT = 10_000
"""Published deliveries running at once; beyond it ``publish`` waits (back-pressure)."""


@dataclass(eq=False)
class _MemorySubscription(Subscription):
    broker: MemoryBroker
    topic: str
    handler: MessageHandler
    group: str | None
    active: bool = field(default=True)

    async def cancel(self) -> None:
        self.active = False
        self.broker._remove(self)


class MemoryBroker(Broker):
    def __init__(self) -> None:
        self._topics: dict[str, list[_MemorySubscription]] = defaultdict(list)
        self._turns: dict[tuple[str, str | None], itertools.count[int]] = defaultdict(
            itertools.count
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._running = False

    async def start(self) -> None:
        self._running = True

    async def stop(self) -> None:
        self._running = False
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._topics.clear()

    async def healthy(self) -> bool:
        return self._running

    def _remove(self, subscription: _MemorySubscription) -> None:
        subscribers = self._topics.get(subscription.topic, [])
        if subscription in subscribers:
            subscribers.remove(subscription)

    def _pick(
        self, topic: str, subscribers: list[_MemorySubscription], group: str | None
    ) -> _MemorySubscription:
        members = [s for s in subscribers if s.group == group]
        turn = next(self._turns[(topic, group)])
        return members[turn % len(members)]

    def _targets(self, topic: str) -> list[_MemorySubscription]:
        subscribers = self._topics.get(topic, [])
        targets = [s for s in subscribers if s.group is None]
        groups = sorted({s.group for s in subscribers if s.group is not None})
        targets.extend(self._pick(topic, subscribers, group) for group in groups)
        return targets

    async def publish(self, topic: str, envelope: Envelope) -> None:
        if not self._running:
            raise BrokerError("Broker is not running")
        for subscription in self._targets(topic):
            await self._slots.acquire()
            task = asyncio.create_task(self._deliver(subscription, envelope))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, subscription: _MemorySubscription, envelope: Envelope) -> None:
        try:
            await subscription.handler(envelope)
        except Exception:
            log.exception(
                "broker.handler_failed topic=%s action=%s", subscription.topic, envelope.action
            )
        finally:
            self._slots.release()

    async def request(self, topic: str, envelope: Envelope, timeout: float) -> Envelope:
        if not self._running:
            raise BrokerError("Broker is not running")
        subscribers = self._topics.get(topic)
        if not subscribers:
            raise NoConsumer(topic)
        group = subscribers[0].group
        subscription = self._pick(topic, subscribers, group)
        try:
            async with asyncio.timeout(timeout):
                reply = await subscription.handler(envelope)
        except TimeoutError:
            raise BrokerTimeout(topic) from None
        if reply is None:
            raise BrokerError(f"Subscriber of {topic} gave no reply to a request")
        return reply

    async def subscribe(
        self, topic: str, handler: MessageHandler, *, group: str | None = None
    ) -> Subscription:
        subscription = _MemorySubscription(self, topic, handler, group)
        self._topics[topic].append(subscription)
        return subscription
