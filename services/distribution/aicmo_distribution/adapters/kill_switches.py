"""This replica's copy of the engaged kill switches, pushed by venture (WatchKillSwitches).

The channels look here immediately before a message's content starts (SMTP DATA, a webhook's
request): a local look, no call. The copy is only as good as it is fresh: each snapshot is
relied on for the lease venture gives with it, and a replica that heard nothing newer within
it refuses every content start (fails closed) until it hears again.

A snapshot is confirmed back to venture only once it is in force here and every content start
that looked at the copy before it has been handed to its channel, so venture's engaging call,
which waits for the confirmations, returns only when no content start can still slip past.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import grpc

from aicmo.venture.v1 import venture_pb2
from aicmo_distribution.domain.sends import BlockReason

log = logging.getLogger("aicmo.distribution.kill_switches")

# How long the stream may stay open before it is opened again (a deadline is required).
STREAM_SECONDS = 3600.0


@dataclass(frozen=True)
class _Copy:
    global_engaged: bool = False
    venture_ids: frozenset[str] = frozenset()
    campaign_ids: frozenset[str] = frozenset()


class KillSwitchMirror:
    """The kill switch stream of one replica and the local look it feeds."""

    def __init__(self, stub, replica_id: str, *, first_wait_seconds: float = 2.0,
                 reconnect_seconds: float = 0.2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stub = stub
        self.replica_id = replica_id
        self._first_wait = first_wait_seconds
        self._reconnect = reconnect_seconds
        self._clock = clock
        self._copy = _Copy()
        self._valid_until = float("-inf")
        self._fresh = asyncio.Event()
        self._generation = 0
        self._in_flight: Counter[int] = Counter()
        self._settled = asyncio.Condition()
        self._task: asyncio.Task | None = None
        self.snapshots_applied = 0

    # the local look

    @property
    def fresh(self) -> bool:
        return self._clock() < self._valid_until

    def reasons(self, campaign_id: str, venture_id: str) -> tuple[BlockReason, ...]:
        """Why content for this campaign must not start now; empty: it may."""
        if not self.fresh:
            return (BlockReason.DEPENDENCY_UNAVAILABLE,)
        copy = self._copy
        found = []
        if campaign_id in copy.campaign_ids:
            found.append(BlockReason.CAMPAIGN_KILL_SWITCH)
        if venture_id in copy.venture_ids:
            found.append(BlockReason.VENTURE_KILL_SWITCH)
        if copy.global_engaged:
            found.append(BlockReason.GLOBAL_KILL_SWITCH)
        return tuple(found)

    @contextlib.asynccontextmanager
    async def content(self, campaign_id: str, venture_id: str) -> AsyncIterator[tuple]:
        """Around the start of one message's content: yields the reasons it must not start
        (empty: go on); a snapshot that arrives meanwhile is confirmed after the block."""
        if not self.fresh:
            # At start-up or after a lost stream, wait a moment for the first snapshot.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_fresh(), self._first_wait)
        reasons = self.reasons(campaign_id, venture_id)
        if reasons:
            yield reasons
            return
        generation = self._generation
        self._in_flight[generation] += 1
        try:
            yield ()
        finally:
            self._in_flight[generation] -= 1
            if not self._in_flight[generation]:
                del self._in_flight[generation]
                async with self._settled:
                    self._settled.notify_all()

    async def _wait_fresh(self) -> None:
        while not self.fresh:
            self._fresh.clear()
            await self._fresh.wait()

    # the stream

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="kill-switch-stream")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._watch()
            except asyncio.CancelledError:
                raise
            except grpc.aio.AioRpcError as error:
                log.warning("the kill switch stream ended: %s", error.code().name)
            except Exception:  # noqa: BLE001 - the stream is opened again; stale means closed
                log.exception("the kill switch stream failed")
            await asyncio.sleep(self._reconnect)

    async def _watch(self) -> None:
        outgoing: asyncio.Queue = asyncio.Queue()
        outgoing.put_nowait(venture_pb2.WatchKillSwitchesRequest(replica_id=self.replica_id))
        confirmations: asyncio.Queue = asyncio.Queue()

        async def requests():
            while True:
                yield await outgoing.get()

        call = self._stub.WatchKillSwitches(requests(), timeout=STREAM_SECONDS)
        confirming = asyncio.create_task(self._confirm(confirmations, outgoing))
        try:
            async for snapshot in call:
                self._apply(snapshot)
                confirmations.put_nowait((snapshot.version, self._generation))
        finally:
            confirming.cancel()
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await confirming

    def _apply(self, snapshot: venture_pb2.WatchKillSwitchesResponse) -> None:
        # One step, no await: a content start sees either the old copy or the new one.
        self._copy = _Copy(snapshot.global_engaged, frozenset(snapshot.venture_ids),
                           frozenset(snapshot.campaign_ids))
        self._valid_until = self._clock() + max(snapshot.lease_ms, 0) / 1000
        self._generation += 1
        self.snapshots_applied += 1
        self._fresh.set()

    def _settled_before(self, generation: int) -> bool:
        """No content start that looked at a copy older than ``generation`` is running."""
        return not any(g < generation for g in self._in_flight)

    async def _confirm(self, confirmations: asyncio.Queue, outgoing: asyncio.Queue) -> None:
        while True:
            version, generation = await confirmations.get()
            async with self._settled:
                await self._settled.wait_for(functools.partial(self._settled_before,
                                                               generation))
            outgoing.put_nowait(venture_pb2.WatchKillSwitchesRequest(ack_version=version))
