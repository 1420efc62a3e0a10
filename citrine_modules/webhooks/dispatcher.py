"""Posts webhook events: a bounded queue, a few workers, retries with back-off.

``offer`` never waits: it puts the post on a queue of ``queue_size`` and returns; when the
queue is full the post is dropped and counted (a dead receiver must not cost memory without
bound, nor slow a station). ``concurrency`` workers post; a post that fails with a network
error, a timeout, 408, 425, 429 or a 5xx is tried again after ``retry_base * 2**(n-1)``
seconds (at most ``retry_max``, with jitter, honouring a 429's ``Retry-After``), up to
``max_attempts`` in all. A waiting retry does not hold a worker: it sits in a timer heap of at
most ``retry_capacity`` entries. Other 4xx answers and redirects are final: the receiver said
no. Every attempt carries the same ``X-Citrine-Delivery`` id, so a receiver can deduplicate.

Posts live in memory: those still queued when the process stops are logged and lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
import time
from dataclasses import dataclass, field

import httpx
import structlog

from citrine_base.config import WebhookConfig
from citrine_modules.webhooks.directory import Target
from citrine_modules.webhooks.events import WebhookEvent
from citrine_modules.webhooks.signing import SIGNATURE_HEADER, sign

log = structlog.get_logger(__name__)

RETRYABLE_STATUSES = frozenset({408, 425, 429})
DRAIN_SECONDS = 2.0
"""At shutdown, how long queued posts get before the rest is dropped."""
USER_AGENT = "citrine-webhooks/0.1"


@dataclass(slots=True)
class Delivery:
    target: Target
    event: WebhookEvent
    body: bytes
    attempt: int = 1


@dataclass(slots=True)
class DispatchStats:
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    retried: int = 0
    by_subscription: dict[int, str] = field(default_factory=dict)
    """The last outcome per subscription id ("delivered", "HTTP 500", "ConnectError", ...)."""


class WebhookDispatcher:
    def __init__(self, config: WebhookConfig, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._client = client or httpx.AsyncClient(
            timeout=config.timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=config.concurrency * 2),
            headers={"user-agent": USER_AGENT},
        )
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(config.queue_size)
        self._retries: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._retry_added = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.stats = DispatchStats()

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    @property
    def waiting_retry(self) -> int:
        return len(self._retries)

    def offer(self, target: Target, event: WebhookEvent, body: bytes) -> bool:
        """Queue a post of ``body``; False when the queue is full (dropped, counted)."""
        return self._enqueue(Delivery(target, event, body))

    def _enqueue(self, delivery: Delivery) -> bool:
        try:
            self._queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self._dropped(delivery, "queue full")
            return False
        return True

    def _dropped(self, delivery: Delivery, why: str) -> None:
        self.stats.dropped += 1
        if self.stats.dropped % 1000 == 1:  # a storm logs one line per thousand, not each
            log.warning(
                "webhook.dropped",
                why=why,
                subscription_id=delivery.target.id,
                event_id=delivery.event.id,
                dropped=self.stats.dropped,
            )

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name=f"webhook-worker-{n}")
            for n in range(self._config.concurrency)
        ]
        self._tasks.append(asyncio.create_task(self._release_retries(), name="webhook-retries"))

    async def stop(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), DRAIN_SECONDS)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        lost = self._queue.qsize() + len(self._retries)
        if lost:
            log.warning("webhook.lost_at_shutdown", count=lost)
        await self._client.aclose()

    async def _work(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                await self._attempt(delivery)
            except Exception:  # a bug in one post must not stop the worker
                log.exception("webhook.attempt_crashed", subscription_id=delivery.target.id)
            finally:
                self._queue.task_done()

    def _headers(self, delivery: Delivery) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "x-citrine-event": delivery.event.type,
            "x-citrine-delivery": delivery.event.id,
            "x-citrine-attempt": str(delivery.attempt),
        }
        if delivery.target.secret:
            headers[SIGNATURE_HEADER] = sign(
                delivery.target.secret, int(time.time()), delivery.body
            )
        return headers

    async def _attempt(self, delivery: Delivery) -> None:
        target = delivery.target
        try:
            response = await self._client.post(
                target.url, content=delivery.body, headers=self._headers(delivery)
            )
        except httpx.HTTPError as exc:
            self._failed(delivery, type(exc).__name__, retry_after=None, retryable=True)
            return
        if 200 <= response.status_code < 300:
            self.stats.delivered += 1
            self.stats.by_subscription[target.id] = "delivered"
            return
        status = response.status_code
        retryable = status in RETRYABLE_STATUSES or status >= 500
        self._failed(delivery, f"HTTP {status}", _retry_after(response), retryable=retryable)

    def _failed(
        self, delivery: Delivery, why: str, retry_after: float | None, *, retryable: bool
    ) -> None:
        target = delivery.target
        self.stats.by_subscription[target.id] = why
        if not retryable or delivery.attempt >= self._config.max_attempts:
            self.stats.failed += 1
            log.error(
                "webhook.abandoned",
                subscription_id=target.id,
                url=target.url,
                event_id=delivery.event.id,
                attempts=delivery.attempt,
                error=why,
            )
            return
        if len(self._retries) >= self._config.retry_capacity:
            self._dropped(delivery, "too many retries waiting")
            return
        delay = retry_after if retry_after is not None else self._backoff(delivery.attempt)
        log.info(
            "webhook.retry",
            subscription_id=target.id,
            event_id=delivery.event.id,
            attempt=delivery.attempt,
            error=why,
            delay=round(delay, 3),
        )
        delivery.attempt += 1
        self.stats.retried += 1
        due = time.monotonic() + delay
        heapq.heappush(self._retries, (due, next(self._order), delivery))
        self._retry_added.set()

    def _backoff(self, attempt: int) -> float:
        ceiling: float = min(self._config.retry_max, self._config.retry_base * 2.0 ** (attempt - 1))
        # Jitter: receivers recovering from one outage are not hit by every retry at once.
        return ceiling / 2 + random.random() * ceiling / 2

    async def _release_retries(self) -> None:
        """Move retries whose time has come back onto the queue."""
        while True:
            now = time.monotonic()
            while self._retries and self._retries[0][0] <= now:
                _, _, delivery = heapq.heappop(self._retries)
                self._enqueue(delivery)
            wait = self._retries[0][0] - now if self._retries else None
            self._retry_added.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry_added.wait(), wait)


def _retry_after(response: httpx.Response) -> float | None:
    """A 429/503's Retry-After in seconds, when given as a number."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
