"""The replica's copy of the kill switches: the local look, the lease (fail closed), and the
confirmation that waits for content starts that looked at the older copy."""

from __future__ import annotations

import asyncio

from aicmo.venture.v1 import venture_pb2 as pb
from aicmo_distribution.adapters.kill_switches import KillSwitchMirror
from aicmo_distribution.domain.sends import BlockReason
from tests.support.clock import Clock


def snapshot(version: int, *, campaigns=(), ventures=(), global_engaged=False,
             lease_ms=2000) -> pb.WatchKillSwitchesResponse:
    return pb.WatchKillSwitchesResponse(version=version, campaign_ids=list(campaigns),
                                        venture_ids=list(ventures),
                                        global_engaged=global_engaged, lease_ms=lease_ms)


def mirror(clock: Clock) -> KillSwitchMirror:
    return KillSwitchMirror(stub=None, replica_id="r1", first_wait_seconds=0.01, clock=clock)


def test_each_level_stops_only_what_it_covers():
    clock = Clock()
    copy = mirror(clock)
    copy._apply(snapshot(1, campaigns=["c1"], ventures=["v2"]))
    assert copy.reasons("c1", "v1") == (BlockReason.CAMPAIGN_KILL_SWITCH,)
    assert copy.reasons("c9", "v2") == (BlockReason.VENTURE_KILL_SWITCH,)
    assert copy.reasons("c9", "v1") == ()
    copy._apply(snapshot(2, global_engaged=True))
    assert copy.reasons("c9", "v1") == (BlockReason.GLOBAL_KILL_SWITCH,)


def test_a_copy_older_than_its_lease_stops_everything():
    clock = Clock()
    copy = mirror(clock)
    assert copy.reasons("c1", "v1") == (BlockReason.DEPENDENCY_UNAVAILABLE,)  # never heard
    copy._apply(snapshot(1, lease_ms=500))
    clock.now += 0.499
    assert copy.reasons("c1", "v1") == ()
    clock.now += 0.002
    assert copy.reasons("c1", "v1") == (BlockReason.DEPENDENCY_UNAVAILABLE,)


async def test_content_waits_briefly_for_a_first_copy_then_refuses():
    copy = mirror(Clock())
    async with copy.content("c1", "v1") as reasons:
        assert reasons == (BlockReason.DEPENDENCY_UNAVAILABLE,)


async def test_a_confirmation_waits_for_content_starts_that_saw_the_older_copy():
    clock = Clock()
    copy = mirror(clock)
    copy._apply(snapshot(1))
    confirmations: asyncio.Queue = asyncio.Queue()
    outgoing: asyncio.Queue = asyncio.Queue()
    confirming = asyncio.create_task(copy._confirm(confirmations, outgoing))
    try:
        started = asyncio.Event()
        release = asyncio.Event()

        async def delivery():
            async with copy.content("c1", "v1") as reasons:
                assert reasons == ()
                started.set()
                await release.wait()

        running = asyncio.create_task(delivery())
        await started.wait()
        copy._apply(snapshot(2, campaigns=["c1"]))
        confirmations.put_nowait((2, copy._generation))
        async with copy.content("c1", "v1") as reasons:  # a later start is refused at once
            assert reasons == (BlockReason.CAMPAIGN_KILL_SWITCH,)
        for _ in range(5):
            await asyncio.sleep(0)
        assert outgoing.empty()  # not confirmed while the older start is running
        release.set()
        await running
        confirmed = await asyncio.wait_for(outgoing.get(), 5)
        assert confirmed.ack_version == 2
    finally:
        confirming.cancel()
