"""The kill switches pushed to every replica that delivers messages, and confirmed back.

The verdict is asked once per send, before delivery; a message may then sit in a channel
(an SMTP transaction between RCPT and DATA) while a kill switch is engaged. So every
delivering replica keeps a local copy of the engaged switches, fed by a stream from this
service, and its channels look at that copy immediately before the message's content goes out.

The promise: once a Set*KillSwitch call has returned, no message's content starts. It holds by
construction:

- every switch change increments a counter (the epoch) in the same transaction, and each
  snapshot is read with its epoch, so a snapshot either contains the change or is older;
- a replica confirms a snapshot only once it is in force locally and every content start that
  looked at the previous copy has been handed to the channel;
- a Set call answers once every replica watching (on any node of this service) has confirmed
  an epoch that contains the change, or, for one that does not, once its lease has run out:
  a replica that heard nothing for ``lease`` stops delivering by itself (fails closed). Such
  replicas are named in the answer.

Snapshots go out at once on a change made on this node, within ``poll`` for a change made on
another node, and every ``lease / 3`` as a heartbeat that renews the replica's lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aicmo_common.db import Database
from aicmo_venture.adapters import kill_watch
from aicmo_venture.adapters.kill_watch import Snapshot

log = logging.getLogger("aicmo.venture.kill_propagation")


@dataclass(frozen=True)
class Propagation:
    """How far a change has reached the watching replicas."""

    confirmed: tuple[str, ...]
    unconfirmed: tuple[str, ...]

    @property
    def in_force_everywhere(self) -> bool:
        return not self.unconfirmed


@dataclass(frozen=True)
class Pushed:
    """One snapshot as sent on one stream: its stream version and its lease."""

    version: int
    snapshot: Snapshot
    lease_ms: int


class KillSwitchHub:
    """The watching streams of this node and the wait for their confirmations."""

    def __init__(self, database: Database, node: str, *, lease_seconds: float = 2.0,
                 poll_seconds: float = 0.1,
                 wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        if lease_seconds <= 0 or poll_seconds <= 0:
            raise ValueError("lease and poll must be positive")
        self._database = database
        self._node = node
        self.lease_seconds = lease_seconds
        self._poll_seconds = poll_seconds
        self._wall = wall
        self._wakers: set[asyncio.Event] = set()
        self._confirmed = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._epoch_seen = -1

    # the streams

    async def watch(self, replica_id: str, acks: AsyncIterator[int]) -> AsyncIterator[Pushed]:
        """The snapshots for one replica, until it closes its stream; ``acks`` yields the
        stream versions the replica has put in force."""
        await self._database.run(kill_watch.register, replica_id, self._node, self._wall())
        wake = asyncio.Event()
        self._wakers.add(wake)
        self._ensure_poller()
        sent: dict[int, int] = {}
        reader = asyncio.create_task(self._read_acks(replica_id, acks, sent))
        heartbeat = self.lease_seconds / 3
        lease_ms = int(self.lease_seconds * 1000)
        version = 0
        try:
            while not reader.done():
                wake.clear()
                snapshot = await self._database.run_read(kill_watch.load_snapshot)
                version += 1
                sent[version] = snapshot.epoch
                for old in [v for v in sent if v < version - 64]:
                    del sent[old]
                yield Pushed(version, snapshot, lease_ms)
                waiting = asyncio.ensure_future(wake.wait())
                try:
                    await asyncio.wait({waiting, reader}, timeout=heartbeat,
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiting.cancel()
        finally:
            self._wakers.discard(wake)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            with contextlib.suppress(Exception):
                await self._database.run(kill_watch.unregister, replica_id, self._node)

    async def _read_acks(self, replica_id: str, acks: AsyncIterator[int],
                         sent: dict[int, int]) -> None:
        async for version in acks:
            epoch = sent.get(version)
            if epoch is None:
                continue
            await self._database.run(kill_watch.confirm, replica_id, self._node, epoch,
                                     self._wall())
            self._confirmed.set()

    # changes

    def changed(self) -> None:
        """A switch changed on this node: every stream sends a fresh snapshot now."""
        for wake in self._wakers:
            wake.set()

    async def propagate(self) -> Propagation:
        """Pushes the committed change and waits until every watching replica confirmed it,
        or its lease has run out (see the module's promise)."""
        epoch = await self._database.run_read(kill_watch.current_epoch)
        self.changed()
        started = time.monotonic()
        # A replica confirms within a round trip; one that does not has stopped delivering
        # once a lease has passed since its last snapshot, which was sent before now.
        deadline = started + self.lease_seconds + min(0.5, self.lease_seconds / 4)
        since = self._wall() - dt.timedelta(seconds=self.lease_seconds)
        while True:
            self._confirmed.clear()
            watchers = await self._database.run_read(kill_watch.live_watchers, since)
            pending = tuple(w.replica_id for w in watchers if w.epoch < epoch)
            confirmed = tuple(w.replica_id for w in watchers if w.epoch >= epoch)
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0:
                if pending:
                    log.warning("kill switch not confirmed by %s; they stop by their lease",
                                ", ".join(pending))
                return Propagation(confirmed, pending)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._confirmed.wait(),
                                       min(self._poll_seconds, remaining))

    # another node's changes

    def _ensure_poller(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        while self._wakers:
            try:
                epoch = await self._database.run_read(kill_watch.current_epoch)
            except Exception:  # noqa: BLE001 - the heartbeat goes on; the next poll retries
                log.warning("cannot read the kill switch epoch", exc_info=True)
            else:
                if epoch != self._epoch_seen:
                    self._epoch_seen = epoch
                    self.changed()
            await asyncio.sleep(self._poll_seconds)

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
