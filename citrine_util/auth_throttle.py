"""Back-off for addresses whose station handshakes keep failing authentication.

After ``failures_before_backoff`` failures in a row an address is refused (HTTP 429 with
Retry-After) for ``initial`` seconds, doubling with every further failure up to ``maximum``;
a successful authentication clears it. Kept in memory per process: behind a load balancer each
instance throttles on its own, which bounds guessing per instance, not per cluster. At most
``capacity`` addresses are remembered (the oldest entries go first), so a flood of addresses
cannot exhaust memory.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_CAPACITY = 10_000


@dataclass(slots=True)
class _Record:
    failures: int
    blocked_until: float


class AuthThrottle:
    def __init__(
        self,
        failures_before_backoff: int,
        initial: float,
        maximum: float,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._threshold = failures_before_backoff
        self._initial = initial
        self._maximum = maximum
        self._capacity = capacity
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def retry_after(self, address: str) -> float | None:
        """Seconds the address must still wait, or None when it may try now."""
        record = self._records.get(address)
        if record is None:
            return None
        remaining = record.blocked_until - time.monotonic()
        return remaining if remaining > 0 else None

    def failed(self, address: str) -> None:
        record = self._records.pop(address, None) or _Record(0, 0.0)
        record.failures += 1
        beyond = record.failures - self._threshold
        if beyond >= 0:
            delay = min(self._initial * 2 ** min(beyond, 32), self._maximum)
            record.blocked_until = time.monotonic() + delay
        self._records[address] = record
        while len(self._records) > self._capacity:
            self._records.popitem(last=False)

    def succeeded(self, address: str) -> None:
        self._records.pop(address, None)
