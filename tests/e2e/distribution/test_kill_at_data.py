"""Once a kill switch call has returned, no message's DATA starts: at campaign, venture and
global level, under a full-speed run over a pool of SMTP connections, against an SMTP server
that timestamps every DATA command as it arrives (before the content).

The kill comes while transactions wait for the server's answer to RCPT: past the last look
before MAIL FROM, not yet at DATA, the window in which messages used to slip through."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from aiosmtpd.smtp import SMTP

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.venture.v1 import venture_pb2 as vpb
from tests.support.mailbox import Mailbox, smtp_server
from tests.support.waiting import wait_for

LEADS = 150
KILL_AFTER = 20
POOL = 8
REPEATS = 2


class DataClock:
    """When each DATA command arrived, an event once ``KILL_AFTER`` messages were taken, and
    a gate that holds the answers to RCPT while it is closed."""

    def __init__(self) -> None:
        self.commands: list[float] = []
        self.accepted = 0
        self.enough = asyncio.Event()
        self.rcpt_open = asyncio.Event()
        self.rcpt_open.set()
        self.rcpt_held = 0
        self.some_held = asyncio.Event()


class GatedInbox(Mailbox):
    def __init__(self, clock: DataClock) -> None:
        super().__init__()
        self.clock = clock

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.clock.rcpt_open.is_set():
            self.clock.rcpt_held += 1
            self.clock.some_held.set()
            await self.clock.rcpt_open.wait()
        envelope.rcpt_tos.append(address)
        return "250 OK"


def smtp_factory(inbox: Mailbox, clock: DataClock):
    class TimestampingSMTP(SMTP):
        async def smtp_DATA(self, arg):
            clock.commands.append(time.monotonic())
            await super().smtp_DATA(arg)
            clock.accepted += 1
            if clock.accepted >= KILL_AFTER:
                clock.enough.set()

    return lambda: TimestampingSMTP(inbox, hostname="timestamping-smtp")


@pytest.fixture
async def timed_stack(stack):
    clock = DataClock()
    stack.inbox = GatedInbox(clock)
    async with smtp_server(stack.inbox, protocol=smtp_factory(stack.inbox, clock)) as port:
        stack.smtp_port = port
        await stack.start_distribution(AICMO_SMTP_POOL_SIZE=POOL, AICMO_RUN_CONCURRENCY=64)
        yield stack, clock


async def _kill(stack, level: str, campaign) -> vpb.KillSwitchPropagation:
    if level == "campaign":
        answer = await stack.venture.SetCampaignKillSwitch(vpb.SetCampaignKillSwitchRequest(
            campaign_id=campaign.id, reason="complaints"), metadata=stack.md)
    elif level == "venture":
        answer = await stack.venture.SetVentureKillSwitch(vpb.SetVentureKillSwitchRequest(
            venture_id=campaign.venture_id, reason="audit"), metadata=stack.md)
    else:
        answer = await stack.venture.SetGlobalKillSwitch(vpb.SetGlobalKillSwitchRequest(
            reason="incident"), metadata=stack.md)
    return answer.propagation


@pytest.mark.parametrize("level", ["campaign", "venture", "global"])
async def test_no_data_starts_after_the_kill_call_returned(timed_stack, level):
    stack, clock = timed_stack
    replica = stack.dist_server.distribution.replica
    for _ in range(REPEATS):
        clock.commands.clear()
        clock.accepted = 0
        clock.enough.clear()
        clock.rcpt_open.set()
        clock.rcpt_held = 0
        clock.some_held.clear()
        campaign = await stack.campaign(limit=1000)
        for i in range(LEADS):
            await stack.capture(campaign, f"k{i}-{campaign.id[:8]}@example.org")
        template = await stack.template(campaign.venture_id)
        run = await stack.run(campaign, template)
        await asyncio.wait_for(clock.enough.wait(), 30)
        clock.rcpt_open.clear()
        await asyncio.wait_for(clock.some_held.wait(), 30)

        propagation = await _kill(stack, level, campaign)
        returned = time.monotonic()
        clock.rcpt_open.set()

        assert propagation.in_force_everywhere
        assert replica in propagation.confirmed_replicas
        halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED)
        assert halted.halt_block_reasons

        async def settled(run_id: str = run.id) -> bool:
            states = Counter(s.state for s in await stack.sends(run_id=run_id))
            return states[dpb.SEND_STATE_SENDING] == 0

        await wait_for(settled, what="no send left SENDING")
        late = [round((t - returned) * 1000, 2) for t in clock.commands if t >= returned]
        assert late == [], f"DATA started after the kill call returned (ms after): {late}"
        states = Counter(s.state for s in await stack.sends(run_id=run.id))
        assert states[dpb.SEND_STATE_SENT] == len(clock.commands) < LEADS
        assert clock.rcpt_held >= 1  # transactions were between the last look and DATA
        if level == "global":
            await stack.venture.ClearGlobalKillSwitch(vpb.ClearGlobalKillSwitchRequest(
                reason="over"), metadata=stack.md)
