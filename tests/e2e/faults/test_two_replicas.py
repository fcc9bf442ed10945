"""Two distribution processes on one database, each running a step of the same campaign, both
workers claiming from both runs: the campaign's daily limit holds exactly."""

from __future__ import annotations

import asyncio

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.venture.v1 import venture_pb2 as vpb

LIMIT = 7
LEADS = 20


@pytest.mark.timeout(120)
async def test_the_daily_limit_holds_across_two_distribution_processes(stack):
    await stack.start_all("venture", "leads", "distribution")
    _, channel = await stack.start_second_distribution()
    second = distribution_pb2_grpc.DistributionServiceStub(channel)
    campaign = await stack.campaign(limit=LIMIT)
    leads = await stack.capture_many(campaign, LEADS)
    template = await stack.template(campaign.venture_id)

    # 40 sends compete for 7 units of quota, started on both processes at once.
    runs = await asyncio.gather(stack.run(campaign, template, step=1),
                                stack.run(campaign, template, step=2, dist=second))
    for run in runs:
        await stack.wait_run(run.id, dpb.RUN_STATE_WAITING, within=60)

    sends = [s for run in runs for s in await stack.sends(run_id=run.id)]
    assert len(sends) == 2 * LEADS
    sent = [s for s in sends if s.state == dpb.SEND_STATE_SENT]
    deferred = [s for s in sends if s.state == dpb.SEND_STATE_DEFERRED]
    assert len(sent) == LIMIT
    assert len(deferred) == 2 * LEADS - LIMIT
    assert all(list(s.block_reasons) == [dpb.BLOCK_REASON_DAILY_LIMIT_REACHED]
               for s in deferred)

    mailbox = stack.mailbox
    assert len(mailbox.deliveries) == LIMIT
    assert sorted(mailbox.by_send()) == sorted(s.id for s in sent)
    assert set(mailbox.by_recipient()) <= set(leads.values())
    allowed = [v for v in await stack.verdicts(campaign.id) if v.decision == vpb.DECISION_ALLOW]
    assert len(allowed) == LIMIT
