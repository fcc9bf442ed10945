"""The form's per-client sliding window."""

from __future__ import annotations

from aicmo_gateway.edge.rate_limit import SlidingWindowRateLimiter
from tests.support.clock import Clock


def test_limit_per_key_within_the_window_then_recovers():
    clock = Clock(1000.0)
    limiter = SlidingWindowRateLimiter(3, 60, clock=clock)
    assert [limiter.allow("1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("5.6.7.8") is True  # another client is not affected
    assert limiter.retry_after("1.2.3.4") >= 1
    clock.now += 59.9
    assert limiter.allow("1.2.3.4") is False
    clock.now += 0.2
    assert limiter.allow("1.2.3.4") is True


def test_memory_stays_bounded_under_many_addresses():
    clock = Clock(1000.0)
    limiter = SlidingWindowRateLimiter(1, 10, clock=clock, max_keys=100)
    for index in range(100):
        limiter.allow(f"10.0.0.{index}")
    clock.now += 11
    limiter.allow("192.168.0.1")
    assert len(limiter._hits) == 1
