"""The send path's batching parts on their own: writes of one loop turn share one unit of work,
and the last look before delivery is shared, fresh, and fails closed."""

from __future__ import annotations

import asyncio

import pytest

from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound, Verdict
from aicmo_distribution.domain.sends import BlockReason
from aicmo_distribution.service_layer.stop_gate import StopGate
from aicmo_distribution.service_layer.write_batcher import WriteBatcher
from tests.support.clock import Clock


class Units:
    """Runs units of work inline and counts them (stands in for the database)."""

    def __init__(self, fail: bool = False) -> None:
        self.units: list[list] = []
        self.fail = fail

    async def run(self, fn, items):
        self.units.append(list(items))
        if self.fail:
            raise RuntimeError("the unit failed")
        return fn(None, items)


async def test_writes_of_one_loop_turn_share_one_unit_and_each_gets_its_answer():
    units = Units()
    batcher = WriteBatcher(units, lambda session, items: [item * 10 for item in items])
    answers = await asyncio.gather(*(batcher.write(i) for i in range(5)))
    assert answers == [0, 10, 20, 30, 40]
    assert units.units == [[0, 1, 2, 3, 4]]
    assert await batcher.write(7) == 70  # a later turn: a unit of its own
    assert units.units[-1] == [7]


async def test_a_failed_unit_fails_every_write_of_it():
    batcher = WriteBatcher(Units(fail=True), lambda session, items: items)
    results = await asyncio.gather(batcher.write(1), batcher.write(2), return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]


async def test_a_write_cancelled_before_its_turn_is_left_out():
    units = Units()
    batcher = WriteBatcher(units, lambda session, items: items)
    kept = asyncio.ensure_future(batcher.write("kept"))
    dropped = asyncio.ensure_future(batcher.write("dropped"))
    await asyncio.sleep(0)  # one turn of the loop: both writes are queued, the flush is next
    dropped.cancel()
    assert await kept == "kept"
    assert units.units == [["kept"]]


class Venture:
    def __init__(self, answers) -> None:
        self.answers = list(answers)
        self.asked = 0
        self.release = asyncio.Event()
        self.release.set()

    async def check(self, campaign_id: str, channel: str):
        self.asked += 1
        await self.release.wait()
        answer = self.answers[min(self.asked, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def verdict(*reasons: BlockReason) -> Verdict:
    return Verdict(allow=not reasons, reasons=reasons, remaining_quota=0, venture_id="v",
                   consent_required=False, sender=None, next_window_open=None)


async def test_one_look_serves_the_deliveries_that_start_while_it_is_fresh():
    venture, clock = Venture([verdict(), verdict(BlockReason.CAMPAIGN_KILL_SWITCH)]), Clock()
    gate = StopGate(venture, 0.02, clock=clock)
    venture.release.clear()
    waiting = [asyncio.ensure_future(gate.stopped("c", "EMAIL")) for _ in range(10)]
    await asyncio.sleep(0)  # one turn of the loop: every look is waiting on the one call
    venture.release.set()
    assert await asyncio.gather(*waiting) == [()] * 10
    assert venture.asked == 1  # the concurrent deliveries shared the call in flight
    clock.now += 0.01
    assert await gate.stopped("c", "EMAIL") == ()
    assert venture.asked == 1
    clock.now += 0.02  # too old: the next delivery asks again and sees the kill switch
    assert await gate.stopped("c", "EMAIL") == (BlockReason.CAMPAIGN_KILL_SWITCH,)
    assert venture.asked == 2


@pytest.mark.parametrize(("answer", "expected"), [
    (verdict(BlockReason.DAILY_LIMIT_REACHED, BlockReason.OUTSIDE_SEND_WINDOW), ()),
    (verdict(BlockReason.CAMPAIGN_NOT_RUNNING), (BlockReason.CAMPAIGN_NOT_RUNNING,)),
    (PeerNotFound("gone"), (BlockReason.CAMPAIGN_NOT_FOUND,)),
    (DependencyFailure(BlockReason.DEPENDENCY_TIMEOUT, "slow"),
     (BlockReason.DEPENDENCY_TIMEOUT,)),
    (RuntimeError("surprise"), (BlockReason.DEPENDENCY_ERROR,)),
])
async def test_only_a_stopped_campaign_or_no_answer_holds_a_delivery_back(answer, expected):
    # The quota and the window were settled by the verdict; a stop, or no answer, holds back.
    gate = StopGate(Venture([answer]), 0.0, clock=Clock())
    assert await gate.stopped("c", "EMAIL") == expected
