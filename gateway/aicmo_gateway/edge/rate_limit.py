"""Per-client rate limits for the hosted forms: in memory per process (the default, for
local runs), or shared by every edge replica through one SQL table."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    inspect,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("aicmo.edge")


class SlidingWindowRateLimiter:
    """Allows at most ``limit`` hits per key within any ``window_seconds``."""

    def __init__(self, limit: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and now - hits[0] >= self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return False
        hits.append(now)
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (at least 1)."""
        hits = self._hits.get(key)
        if not hits:
            return 1
        return max(1, int(self._window - (self._clock() - hits[0])) + 1)

    def _forget_idle(self, now: float) -> None:
        # Bounded memory under a flood of distinct addresses.
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= self._window]:
            del self._hits[key]

    async def acquire(self, key: str) -> RateDecision:
        """The same decision as :meth:`allow`, with the wait when refused."""
        if self.allow(key):
            return RateDecision(True, 0)
        return RateDecision(False, self.retry_after(key))


@dataclass(frozen=True)
class RateDecision:
    """Whether a hit is allowed and, when not, the seconds until the key may try again."""

    allowed: bool
    retry_after: int


class SharedRateLimiter:
    """A fixed-window limit per key held in one SQL table that every edge replica shares
    (``AICMO_RATE_LIMIT_DATABASE_URL``: a SQLite file locally, PostgreSQL in production).

    Each hit is one atomic ``INSERT .. ON CONFLICT DO UPDATE .. RETURNING``: the row of the key
    counts the hits of the current window (a new window starts the count again), so replicas
    never read-then-write and together allow at most ``limit`` hits per key and window. A fixed
    window may let up to twice the limit through across a window boundary, which is enough for
    a bot defence and needs no per-hit rows. When the store fails, the replica's own
    in-process limiter answers (per pod, as before) rather than refusing every sign-up.
    """

    def __init__(self, url: str, limit: int, window_seconds: float,
                 clock: Callable[[], float] = time.time,
                 on_store_error: Callable[[], None] | None = None) -> None:
        from aicmo_common.db import create_db_engine

        self._engine = create_db_engine(url, pool_size=4)
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._on_store_error = on_store_error or (lambda: None)
        self._fallback = SlidingWindowRateLimiter(limit, window_seconds, clock=clock)
        self._create_table()

    def _create_table(self) -> None:
        try:
            metadata.create_all(self._engine, checkfirst=True)
        except DBAPIError:
            # Two replicas creating the table at the same moment: the other one won.
            if not inspect(self._engine).has_table(rate_limit_hits.name):
                raise

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        window = int(now // self._window)
        dialect = self._engine.dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        table = rate_limit_hits
        statement = insert(table).values(key=key, window=window, hits=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"hits": case((table.c.window == window, table.c.hits + 1), else_=1),
                  "window": window}).returning(table.c.hits)
        with self._engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if hits == 1 and window % 64 == 0:
                # Now and then, forget the keys of past windows.
                connection.execute(delete(table).where(table.c.window < window - 1))
        if hits <= self._limit:
            return RateDecision(True, 0)
        return RateDecision(False, max(1, int((window + 1) * self._window - now) + 1))

    async def acquire(self, key: str) -> RateDecision:
        try:
            return await asyncio.to_thread(self.hit, key)
        except DBAPIError:
            self._on_store_error()
            log.warning("shared rate-limit store failed; limiting in this process")
            return await self._fallback.acquire(key)

    def close(self) -> None:
        self._engine.dispose()


metadata = MetaData()
# One row per client key: the window it counts (Unix time // window length) and its hits.
rate_limit_hits = Table(
    "edge_rate_limit_hits", metadata,
    Column("key", String(256), primary_key=True),
    Column("window", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("hits", Integer, nullable=False),
)
