"""A closed-loop load generator: ``concurrency`` callers, each issuing calls back to back."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    calls: int
    errors: int
    seconds: float
    latencies: list[float]
    first_error: str = ""  # what the first failed call raised, to say why a figure failed

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run_load(call: Callable[[int], Awaitable[object]], *, total: int,
                   concurrency: int = 64) -> LoadResult:
    """Makes ``total`` calls, ``concurrency`` in flight; ``call(i)`` gets a unique index."""
    counter = iter(range(total))
    latencies: list[float] = []
    errors = 0
    first_error = ""

    async def worker() -> None:
        nonlocal errors, first_error
        for index in counter:
            started = time.perf_counter()
            try:
                await call(index)
            except Exception as error:  # noqa: BLE001 - counted, the run goes on
                errors += 1
                first_error = first_error or f"{type(error).__name__}: {error}"[:500]
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies, first_error)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
