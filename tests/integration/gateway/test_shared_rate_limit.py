"""The form rate limit shared by edge replicas through one SQL table, on real SQLite and
PostgreSQL: two limiters (two edges) hammering one key from many threads never allow more
than the limit per window together, a new window starts again, and a failing store falls back
to the in-process limit."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from aicmo_gateway.edge.rate_limit import SharedRateLimiter
from tests.support.clock import Clock

WINDOW = 60.0
START = 1_800_000_000.0 // WINDOW * WINDOW  # the start of a window


def test_two_edges_sharing_a_store_never_exceed_the_limit_together(database_url):
    clock = Clock(START + 1)
    first = SharedRateLimiter(database_url, 7, WINDOW, clock=clock)
    second = SharedRateLimiter(database_url, 7, WINDOW, clock=clock)
    try:
        edges = [first, second] * 40
        with ThreadPoolExecutor(16) as pool:
            decisions = list(pool.map(lambda edge: edge.hit("198.51.100.7"), edges))
        assert sum(d.allowed for d in decisions) == 7
        refused = [d for d in decisions if not d.allowed]
        assert all(1 <= d.retry_after <= WINDOW for d in refused)
        assert first.hit("203.0.113.1").allowed  # another key has its own count
        clock.now += WINDOW  # the next window counts from zero
        assert sum(edge.hit("198.51.100.7").allowed for edge in [second, first] * 5) == 7
    finally:
        first.close()
        second.close()


async def test_two_edges_through_the_async_path(database_url):
    clock = Clock(START + 1)
    edges = [SharedRateLimiter(database_url, 5, WINDOW, clock=clock) for _ in range(2)]
    try:
        decisions = await asyncio.gather(*(edges[i % 2].acquire("k") for i in range(30)))
        assert sum(d.allowed for d in decisions) == 5
    finally:
        for edge in edges:
            edge.close()


async def test_a_failing_store_falls_back_to_the_process_limit(tmp_path):
    errors = []
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    limiter = SharedRateLimiter(url, 2, WINDOW, on_store_error=lambda: errors.append(1))
    try:
        with limiter._engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE edge_rate_limit_hits")
        decisions = [await limiter.acquire("k") for _ in range(3)]
        assert [d.allowed for d in decisions] == [True, True, False]
        assert len(errors) == 3
    finally:
        limiter.close()
