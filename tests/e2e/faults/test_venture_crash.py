"""Venture (the safety verdict) SIGKILLed during a campaign run: distribution fails closed, so
nothing is delivered while venture is down except what venture had already allowed; after
venture returns on the same port the run goes on and every lead gets exactly one message."""

from __future__ import annotations

import asyncio
import time

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.venture.v1 import venture_pb2 as vpb
from tests.support.stack import RUN_CONCURRENCY
from tests.support.waiting import wait_for

LEADS = 150
HOLD_AT = 40
DEPENDENCY_REASONS = {dpb.BLOCK_REASON_DEPENDENCY_UNAVAILABLE,
                      dpb.BLOCK_REASON_DEPENDENCY_TIMEOUT, dpb.BLOCK_REASON_DEPENDENCY_ERROR}


@pytest.mark.timeout(120)
async def test_no_delivery_while_venture_is_down_and_the_run_completes_after(stack):
    await stack.start_all("venture", "leads", "distribution")
    campaign = await stack.campaign()
    leads = await stack.capture_many(campaign, LEADS)
    template = await stack.template(campaign.venture_id)
    mailbox = stack.mailbox
    mailbox.hold = lambda delivery: len(mailbox.deliveries) == HOLD_AT

    run = await stack.run(campaign, template)
    await asyncio.wait_for(mailbox.held.wait(), 60)
    port = await stack.kill("venture")
    killed_at = time.time()  # venture decided nothing after this
    mailbox.release.set()

    # Distribution keeps trying while venture is down: sends come back RETRYING for a
    # dependency reason, again and again, and nothing is in the channel any more.
    async def failing_repeatedly() -> bool:
        sends = await stack.sends(run_id=run.id)
        retrying = [s for s in sends if s.state == dpb.SEND_STATE_RETRYING
                    and set(s.block_reasons) & DEPENDENCY_REASONS]
        sending = [s for s in sends if s.state == dpb.SEND_STATE_SENDING]
        return not sending and len(retrying) >= RUN_CONCURRENCY and max(
            s.check_attempts for s in retrying) >= 3

    await wait_for(failing_repeatedly, within=30, what="sends retrying against a dead venture")
    delivered_while_down = len(mailbox.deliveries)

    async def more_attempts() -> bool:
        sends = await stack.sends(run_id=run.id)
        return max(s.check_attempts for s in sends) >= 5

    await wait_for(more_attempts, within=30, what="more attempts while venture is down")
    assert len(mailbox.deliveries) == delivered_while_down, "delivered without a verdict"
    restarted_at = time.time()
    await stack.restart("venture", port)

    finished = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED, within=60)
    sends = await stack.sends(run_id=run.id)
    assert finished.lead_count == LEADS
    assert len(sends) == LEADS
    assert all(s.state == dpb.SEND_STATE_SENT for s in sends), {s.state for s in sends}
    assert sorted(mailbox.by_recipient()) == sorted(leads.values())
    assert max(mailbox.by_recipient().values()) == 1
    assert sorted(mailbox.by_send()) == sorted(s.id for s in sends)

    # What reached the server after the kill had been allowed before it (in flight), and
    # nothing at all started between the in-flight ones and the restart.
    allowed_at = {v.send_id.split("~")[0]: v.decide_time.ToMicroseconds() / 1e6
                  for v in await stack.verdicts(campaign.id)
                  if v.decision == vpb.DECISION_ALLOW}
    late = [d for d in mailbox.deliveries if killed_at < d.started_at < restarted_at]
    assert len(late) <= RUN_CONCURRENCY
    for delivery in late:
        assert allowed_at[delivery.send_id] < killed_at, delivery.send_id
    assert len(allowed_at) == LEADS


OUTAGE_LEADS = 10


@pytest.mark.timeout(120)
async def test_a_run_outlasting_its_retries_still_delivers_once_venture_is_back(stack):
    # A retry budget of well under a second stands in for the default one (5 attempts, about
    # 15 seconds) against a longer outage.
    await stack.start_all("venture", "leads")
    await stack.start("distribution", AICMO_SEND_MAX_ATTEMPTS="3",
                      AICMO_RETRY_BASE_SECONDS="0.05", AICMO_RETRY_MAX_SECONDS="0.1")
    campaign = await stack.campaign()
    leads = await stack.capture_many(campaign, OUTAGE_LEADS)
    template = await stack.template(campaign.venture_id)
    mailbox = stack.mailbox
    mailbox.hold = lambda delivery: True  # the first delivery waits for the kill

    run = await stack.run(campaign, template)
    await asyncio.wait_for(mailbox.held.wait(), 60)
    port = await stack.kill("venture")
    mailbox.hold = None
    mailbox.release.set()

    async def past_the_retry_budget() -> bool:
        sends = await stack.sends(run_id=run.id)
        waiting = [s for s in sends if s.state != dpb.SEND_STATE_SENT]
        return len(sends) == OUTAGE_LEADS and bool(waiting) and all(
            s.check_attempts > 3 for s in waiting)

    await wait_for(past_the_retry_budget, within=30,
                   what="every undelivered send checked more often than the retry budget")
    await stack.restart("venture", port)

    async def everyone_reached() -> bool:
        return sorted(mailbox.by_recipient()) == sorted(leads.values())

    await wait_for(everyone_reached, within=10, what="every lead reached after venture's return")
    finished = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED, within=30)
    assert finished.state == dpb.RUN_STATE_COMPLETED
    assert max(mailbox.by_recipient().values()) == 1
