"""Flow control for reconnect storms: thousands of stations connecting and booting at once
after a carrier or CSMS outage.

Two small gates, both cheap enough to run on every handshake and boot:

* ``HandshakeLimiter`` (per process): at most ``handshake_concurrency`` handshakes register
  their station at once (a database round trip each), at most ``handshake_backlog`` wait for
  a turn, each at most ``handshake_wait`` seconds; past either the handshake is refused with
  HTTP 503 and ``Retry-After``, which a station answers
  with its reconnect back-off (OCPP-J §5.3: RetryBackOffWaitMinimum / RandomRange), instead
  of every handshake piling up behind the database until they all time out.
* ``BootThrottle`` (cluster-wide): BootNotifications are admitted at ``boot_rate`` per
  second across the cluster (``burst`` at once) through a schedule in the shared cache
  (``Cache.reserve_slot``). An over-rate boot is answered Pending with the interval until
  the slot reserved for that station, plus a little random spread; when the station boots
  again at that time it is admitted (B02: a Pending station sends BootNotification again
  after ``interval``). So the boots the cluster can serve are never delayed, the others are
  queued in time instead of in memory, and every station gets its turn once.
  The rate is optional (``boot_rate`` 0: off), since what a cluster can serve depends on its
  database. The gate that is always on watches its own process: a boot is admitted while
  the boots already waiting for their module's answer would all be answered within
  ``boot_queue_seconds`` at the rate boots are answered now; beyond it the boot is answered
  Pending for about as long as the queue ahead takes. So a burst the database can absorb
  (500 stations at once on one SQLite process) is served at once, and a storm it cannot is
  spread out instead of piling up past the stations' message timeout.

When the cache fails the throttle lets boots through (flow control must not turn a cache
outage into a boot outage).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import structlog

from citrine_base.config import AdmissionConfig
from citrine_base.interfaces.cache import Cache, CacheError
from citrine_base.interfaces.envelope import StationKey

log = structlog.get_logger(__name__)

BOOT_SCHEDULE_KEY = "admission:boots"
RATE_WINDOW = 200
"""Completed boots over which the rate of answered boots is measured."""

PRIOR_RATE = 100.0
"""Boots per second assumed before enough have been answered to measure (one SQLite
process answers about that many; PostgreSQL more)."""

MIN_SAMPLES = 20

SPREAD = 0.1
"""Share of the wait added at random (at least one second), so that stations whose slots
round to the same second do not all come back in the same instant."""


class Overloaded(Exception):
    """Too many handshakes are waiting in this process; the station should retry later."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many stations connecting; retry in {retry_after} s")
        self.retry_after = retry_after


class HandshakeLimiter:
    def __init__(self, concurrency: int, backlog: int, wait: float = 30.0) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._backlog = backlog
        self._wait = wait
        self._waiting = 0
        self.refused = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the handshake slots; raises ``Overloaded`` when the backlog is full."""
        if self._slots.locked() and self._waiting >= self._backlog:
            self.refused += 1
            # Proportional to the queue ahead, so a bigger storm is told to wait longer.
            raise Overloaded(max(1, math.ceil(self._waiting / self._concurrency)))
        self._waiting += 1
        try:
            # Bounded: past it the station has likely given up on its handshake, and
            # registering a socket that is gone is the work a storm cannot afford.
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError:
            self.refused += 1
            raise Overloaded(max(1, math.ceil(self._waiting / self._concurrency))) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


class BootThrottle:
    def __init__(self, cache: Cache, config: AdmissionConfig, rng: random.Random | None = None):
        self._cache = cache
        self._config = config
        self._rng = rng or random.Random()
        self.throttled = 0
        self.in_flight = 0
        self._answered: deque[float] = deque(maxlen=RATE_WINDOW)

    @property
    def enabled(self) -> bool:
        config = self._config
        return (
            config.boot_rate > 0 or config.boot_queue_seconds > 0 or config.max_boots_in_flight > 0
        )

    @contextmanager
    def booting(self) -> Iterator[None]:
        """Around an admitted boot's trip to its module: counted in flight until answered."""
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._answered.append(time.monotonic())

    def answered_rate(self) -> float:
        """Boots answered per second lately in this process (at least one); the prior until
        enough boots were answered to tell."""
        if len(self._answered) < MIN_SAMPLES:
            return PRIOR_RATE
        span = self._answered[-1] - self._answered[0]
        return max(1.0, (len(self._answered) - 1) / span) if span > 0 else PRIOR_RATE

    def queue_seconds(self) -> float:
        """How long the boots waiting in this process now will take to be answered."""
        return self.in_flight / self.answered_rate()

    async def pending_interval(self, station: StationKey) -> int | None:
        """None when ``station`` may boot now; else the interval to answer Pending with."""
        if not self.enabled:
            return None
        config = self._config
        over_cap = config.max_boots_in_flight and self.in_flight >= config.max_boots_in_flight
        queued = self.queue_seconds()
        if over_cap or (config.boot_queue_seconds and queued > config.boot_queue_seconds):
            self.throttled += 1
            return self.interval_for(queued)
        if config.boot_rate <= 0:
            return None
        try:
            wait = await self._cache.reserve_slot(
                BOOT_SCHEDULE_KEY,
                f"{station.tenant_id}:{station.station_id}",
                1.0 / config.boot_rate,
                config.boot_burst,
                float(config.max_boot_wait),
            )
        except CacheError as exc:
            log.warning("admission.cache_failed", station_id=station.station_id, error=str(exc))
            return None
        if wait <= 0:
            return None
        self.throttled += 1
        return self.interval_for(wait)

    def interval_for(self, wait: float) -> int:
        """Whole seconds, never before the slot: rounded up, plus the random spread."""
        spread = self._rng.randint(0, max(1, math.ceil(wait * SPREAD)))
        return min(math.ceil(wait) + spread, self._config.max_boot_wait)
