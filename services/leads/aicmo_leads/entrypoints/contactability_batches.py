"""Concurrent CheckContactability calls, read together.

Distribution checks before every send, many sends at once. One trip to a database thread
per call (an executor hand-off, a wake-up of the loop, a pooled connection) cost more than
the read itself, and eight threads taking turns at the interpreter lock cost more again. So
calls queue here: a call that finds a batch free starts one at once (no waiting for company),
and the calls that arrive while the batches run go together into the next one, read with one
statement and answered with one wake-up of the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from aicmo_common.db import Database
from aicmo_leads.service_layer.reading import (
    ContactabilityAnswer,
    ContactabilityCheck,
    check_contactability_many,
)

# Two batches in flight: on PostgreSQL one waits for its round trip while the other runs.
MAX_IN_FLIGHT = 2
MAX_BATCH = 64

_Queued = tuple[ContactabilityCheck, asyncio.Future]


class ContactabilityBatches:
    """Runs checks in batches on the database threads; one instance per servicer (loop)."""

    def __init__(self, database: Database, read: Callable[[Sequence[str]], dict]) -> None:
        self._database = database
        self._read = read
        self._pending: list[_Queued] = []
        self._in_flight = 0

    async def check(self, check: ContactabilityCheck) -> ContactabilityAnswer:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((check, future))
        if self._in_flight < MAX_IN_FLIGHT:
            self._start()
        return await future

    def _start(self) -> None:
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        self._in_flight += 1
        task = asyncio.ensure_future(self._database.offload(
            check_contactability_many, self._read, [check for check, _ in batch]))
        task.add_done_callback(lambda done: self._finish(batch, done))

    def _finish(self, batch: list[_Queued], done: asyncio.Future) -> None:
        self._in_flight -= 1
        if done.cancelled():  # the loop is shutting down
            outcomes: list = [None] * len(batch)
        elif done.exception() is not None:
            outcomes = [done.exception()] * len(batch)
        else:
            outcomes = done.result()
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the caller gave up (deadline, cancellation)
                continue
            if outcome is None:
                future.cancel()
            elif isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        while self._pending and self._in_flight < MAX_IN_FLIGHT:
            self._start()
