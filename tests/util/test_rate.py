"""The per-connection message rate (pure: the time is passed in)."""

from __future__ import annotations

from citrine_util.networking.rate import FloodGuard, TokenBucket, Verdict


class TestTokenBucket:
    def test_burst_then_rate(self) -> None:
        bucket = TokenBucket(rate=2, burst=3, now=0.0)
        assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
        assert bucket.retry_after() == 0.5
        assert bucket.take(0.5)
        assert not bucket.take(0.5)

    def test_never_more_than_the_burst(self) -> None:
        bucket = TokenBucket(rate=100, burst=2, now=0.0)
        assert [bucket.take(1000.0) for _ in range(3)] == [True, True, False]

    def test_a_clock_going_back_adds_nothing(self) -> None:
        bucket = TokenBucket(rate=1, burst=1, now=10.0)
        assert bucket.take(10.0)
        assert not bucket.take(5.0)


class TestFloodGuard:
    def test_refuse_then_close(self) -> None:
        guard = FloodGuard(rate=1, burst=2, close_after=3, window=10, now=0.0)
        verdicts = [guard.admit(0.0) for _ in range(6)]
        assert verdicts == [Verdict.ACCEPT] * 2 + [Verdict.REFUSE] * 3 + [Verdict.CLOSE]
        assert guard.refused == 4

    def test_a_station_back_under_its_rate_is_not_closed(self) -> None:
        guard = FloodGuard(rate=10, burst=1, close_after=2, window=1, now=0.0)
        now = 0.0
        for _ in range(1000):  # twice a second: always under the rate
            now += 0.5
            assert guard.admit(now) is Verdict.ACCEPT

    def test_refusals_are_forgotten_over_the_window(self) -> None:
        guard = FloodGuard(rate=1, burst=1, close_after=2, window=2, now=0.0)
        assert guard.admit(0.0) is Verdict.ACCEPT
        assert guard.admit(0.0) is Verdict.REFUSE
        assert guard.admit(0.0) is Verdict.REFUSE
        assert guard.admit(10.0) is Verdict.ACCEPT
        assert guard.admit(10.0) is Verdict.REFUSE  # the refusal budget came back
