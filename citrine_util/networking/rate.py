"""Per-connection message rate: a token bucket, and a flood guard that says when to give up.

Pure and O(1) per frame: the caller passes the time (``time.monotonic()``).

* ``TokenBucket(rate, burst)``: ``burst`` tokens at once, refilled at ``rate`` per second; a
  frame takes one.
* ``FloodGuard``: a frame with a token is ``ACCEPT``; without one it is ``REFUSE`` (answered,
  not handled), and each refusal also drains a second bucket of ``close_after`` refusals that
  refills over ``window`` seconds. When that one is empty too, ``CLOSE``: the station kept
  sending far over its rate, and the connection is closed as a policy violation.
"""

from __future__ import annotations

from enum import Enum


class Verdict(Enum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    CLOSE = "close"


class TokenBucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._updated = now

    def take(self, now: float) -> bool:
        """Take one token if there is one."""
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def retry_after(self) -> float:
        """Seconds until the next token (0 if one is there)."""
        missing = 1.0 - self._tokens
        return max(0.0, missing / self.rate) if self.rate > 0 else 0.0


class FloodGuard:
    def __init__(
        self, rate: float, burst: int, close_after: int, window: float, now: float
    ) -> None:
        self.messages = TokenBucket(rate, burst, now)
        self._refusals = TokenBucket(close_after / window, close_after, now)
        self.refused = 0

    def admit(self, now: float) -> Verdict:
        if self.messages.take(now):
            return Verdict.ACCEPT
        self.refused += 1
        return Verdict.REFUSE if self._refusals.take(now) else Verdict.CLOSE
