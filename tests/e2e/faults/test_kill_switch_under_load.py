"""A campaign kill switch engaged while a run delivers at full speed: once
SetCampaignKillSwitch has returned, venture allows nothing more and no message starts at the
SMTP server except one already allowed before (in flight); the run halts."""

from __future__ import annotations

import time

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.venture.v1 import venture_pb2 as vpb
from tests.support.stack import RUN_CONCURRENCY
from tests.support.waiting import wait_for

LEADS = 300
SWITCH_AFTER = 40


@pytest.mark.timeout(120)
async def test_no_delivery_starts_after_the_kill_switch_returned(stack):
    await stack.start_all("venture", "leads", "distribution")
    campaign = await stack.campaign()
    leads = await stack.capture_many(campaign, LEADS)
    template = await stack.template(campaign.venture_id)
    mailbox = stack.mailbox

    run = await stack.run(campaign, template)

    async def under_load() -> bool:
        return len(mailbox.deliveries) >= SWITCH_AFTER

    await wait_for(under_load, within=60, what=f"{SWITCH_AFTER} deliveries", every=0.005)
    await stack.venture.SetCampaignKillSwitch(vpb.SetCampaignKillSwitchRequest(
        campaign_id=campaign.id, reason="fault test"), metadata=stack.md, timeout=10)
    returned_at = time.time()
    delivered_at_return = len(mailbox.deliveries)

    halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED, within=30)
    assert dpb.BLOCK_REASON_CAMPAIGN_KILL_SWITCH in halted.halt_block_reasons

    async def settled() -> bool:
        sends = await stack.sends(run_id=run.id)
        return not any(s.state == dpb.SEND_STATE_SENDING for s in sends)

    await wait_for(settled, within=30, what="no send in the channel any more")
    sends = await stack.sends(run_id=run.id)
    verdicts = await stack.verdicts(campaign.id)
    allowed_at = {v.send_id.split("~")[0]: v.decide_time.ToMicroseconds() / 1e6
                  for v in verdicts if v.decision == vpb.DECISION_ALLOW}

    # The promise of the call: no verdict allowed anything after it returned.
    assert all(at <= returned_at for at in allowed_at.values())
    # What started at the server after the return was already allowed before it: in flight.
    late = [d for d in mailbox.deliveries if d.started_at > returned_at]
    assert len(late) <= RUN_CONCURRENCY, len(late)
    assert all(allowed_at[d.send_id] <= returned_at for d in late)
    # Every delivery is a SENT send, once; nothing unsent reached the server; the run stopped
    # far short of its 300 leads.
    sent = {s.id for s in sends if s.state == dpb.SEND_STATE_SENT}
    assert sorted(mailbox.by_send()) == sorted(sent)
    assert max(mailbox.by_send().values()) == 1
    assert set(mailbox.by_recipient()) <= set(leads.values())
    assert len(mailbox.deliveries) <= delivered_at_return + RUN_CONCURRENCY
    assert len(sent) < LEADS
    assert not any(s.state == dpb.SEND_STATE_UNKNOWN_OUTCOME for s in sends)
