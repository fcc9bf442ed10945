"""The last look before a message goes out (see ``StopGate``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound, VenturePeer
from aicmo_distribution.domain.sends import RUN_HALTING_REASONS, BlockReason, sorted_reasons

log = logging.getLogger("aicmo.distribution.send")


class StopGate:
    """The last look before a message goes out: was the campaign stopped since its verdict?

    A verdict is decided before the job is marked SENDING and before a channel connection is
    free; with hundreds of run sends in flight that can be tens of milliseconds earlier. So
    the channel, once it holds a connection, asks here right before the first byte: venture's
    CheckSafety for the campaign and channel. Only the reasons that stop a campaign count (a
    kill switch, a pause or stop); the quota and the window were settled by the verdict. One
    call answers every delivery of the campaign that starts within ``freshness_seconds`` of
    it being asked (concurrent deliveries share the call in flight), so a kill switch that
    has returned stops every delivery that starts more than that long after it, whatever
    the concurrency, at the cost of at most one call per campaign per ``freshness_seconds``.
    If venture cannot answer, the message is held back (fail closed) and retried later.
    """

    def __init__(self, venture: VenturePeer, freshness_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._venture = venture
        self._freshness = max(freshness_seconds, 0.0)
        self._clock = clock
        self._asked: dict[tuple[str, str], tuple[float, asyncio.Future]] = {}

    async def stopped(self, campaign_id: str, channel: str) -> tuple[BlockReason, ...]:
        key = (campaign_id, channel)
        now = self._clock()
        asked = self._asked.get(key)
        if asked is None or now - asked[0] > self._freshness:
            if len(self._asked) > 10_000:
                self._asked.clear()
            asked = (now, asyncio.ensure_future(self._ask(campaign_id, channel)))
            self._asked[key] = asked
        return await asyncio.shield(asked[1])

    async def _ask(self, campaign_id: str, channel: str) -> tuple[BlockReason, ...]:
        try:
            verdict = await self._venture.check(campaign_id, channel)
        except PeerNotFound:
            return (BlockReason.CAMPAIGN_NOT_FOUND,)
        except DependencyFailure as failure:
            return (failure.reason,)
        except Exception:  # noqa: BLE001 - whatever went wrong, the message is held back
            log.exception("the last look before delivery failed")
            return (BlockReason.DEPENDENCY_ERROR,)
        return tuple(sorted_reasons(set(verdict.reasons) & RUN_HALTING_REASONS))
