"""Runs under control: kill switch mid-run, pause/resume and re-run, the daily limit shared by
two concurrent runs, and a process stopped while a message was being sent."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections import Counter

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.venture.v1 import venture_pb2 as vpb
from aicmo_distribution.bootstrap import Dependencies
from aicmo_distribution.domain.delivery import DeliveryResult
from tests.support.stack import EMAIL
from tests.support.waiting import wait_for

HELD = 4  # run concurrency and SMTP connections: every send in flight is held at DATA


async def _hold_first_wave(stack, campaign, count: int):
    leads = [await stack.capture(campaign, f"w{i}@example.org") for i in range(count)]
    template = await stack.template(campaign.venture_id)
    stack.inbox.hold = lambda delivery: True  # every DATA waits for the release
    run = await stack.run(campaign, template)

    async def held() -> bool:
        return len(stack.inbox.data_started) == HELD

    await wait_for(held, what="the first wave held at DATA")
    return leads, template, run


async def test_kill_switch_mid_run_stops_every_later_delivery(stack):
    await stack.start_distribution(AICMO_RUN_CONCURRENCY=HELD, AICMO_SMTP_POOL_SIZE=HELD)
    campaign = await stack.campaign()
    _, _, run = await _hold_first_wave(stack, campaign, 10)

    await stack.venture.SetCampaignKillSwitch(vpb.SetCampaignKillSwitchRequest(
        campaign_id=campaign.id, reason="stop now"), metadata=stack.md)
    switched = time.monotonic()
    stack.inbox.release.set()

    halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED)
    assert list(halted.halt_block_reasons) == [dpb.BLOCK_REASON_CAMPAIGN_KILL_SWITCH]
    assert "CAMPAIGN_KILL_SWITCH" in halted.halt_reason
    assert all(started < switched for started in stack.inbox.data_started)
    assert len(stack.inbox.messages) == HELD
    states = Counter(s.state for s in await stack.sends(run_id=run.id))
    assert states[dpb.SEND_STATE_SENT] == HELD
    assert states[dpb.SEND_STATE_SENDING] == 0


async def test_pause_resume_and_rerun_never_send_twice(stack):
    await stack.start_distribution(AICMO_RUN_CONCURRENCY=HELD, AICMO_SMTP_POOL_SIZE=HELD)
    campaign = await stack.campaign()
    leads, template, run = await _hold_first_wave(stack, campaign, 10)

    await stack.venture.PauseCampaign(vpb.PauseCampaignRequest(campaign_id=campaign.id,
                                                               reason="lunch"),
                                      metadata=stack.md)
    stack.inbox.release.set()
    halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED)
    assert list(halted.halt_block_reasons) == [dpb.BLOCK_REASON_CAMPAIGN_NOT_RUNNING]
    assert len(stack.inbox.messages) == HELD

    await stack.venture.ResumeCampaign(vpb.ResumeCampaignRequest(campaign_id=campaign.id,
                                                                 reason="back"),
                                       metadata=stack.md)
    await stack.dist.ResumeRun(dpb.ResumeRunRequest(run_id=run.id), metadata=stack.md)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_SENT: 10}

    rerun = await stack.run(campaign, template)
    rerun_done = await stack.wait_run(rerun.id, dpb.RUN_STATE_COMPLETED)
    assert rerun_done.skipped_existing == 10
    per_recipient = Counter(m.recipients[0] for m in stack.inbox.messages)
    assert per_recipient == Counter({lead.email: 1 for lead in leads})


async def test_two_concurrent_runs_never_exceed_the_daily_limit_together(stack):
    await stack.start_distribution()
    campaign = await stack.campaign(limit=5)
    for i in range(6):
        await stack.capture(campaign, f"lim{i}@example.org")
    template = await stack.template(campaign.venture_id)

    first, second = await asyncio.gather(stack.run(campaign, template, step=1),
                                         stack.run(campaign, template, step=2))
    waiting = [await stack.wait_run(r.id, dpb.RUN_STATE_WAITING) for r in (first, second)]

    assert len(stack.inbox.messages) == 5
    sent = sum(c.count for run in waiting for c in run.state_counts
               if c.state == dpb.SEND_STATE_SENT)
    deferred = [s for run in waiting for s in await stack.sends(run_id=run.id)
                if s.state == dpb.SEND_STATE_DEFERRED]
    assert sent == 5 and len(deferred) == 7
    assert all(list(s.block_reasons) == [dpb.BLOCK_REASON_DAILY_LIMIT_REACHED]
               and s.transient and s.HasField("next_attempt_time") for s in deferred)
    assert all(run.HasField("next_wake_time") for run in waiting)


async def test_a_run_deferred_by_the_daily_limit_carries_on_by_itself_the_next_day(stack):
    """No operator action: when the venture's day turns over, the deferred sends go out and
    the run completes, each lead reached once, the limit kept on both days."""
    await stack.start_distribution()
    campaign = await stack.campaign(limit=2)  # the venture's timezone is UTC
    for i in range(4):
        await stack.capture(campaign, f"nextday{i}@example.org")
    template = await stack.template(campaign.venture_id)
    run = await stack.run(campaign, template)
    waiting = await stack.wait_run(run.id, dpb.RUN_STATE_WAITING)
    assert len(stack.inbox.messages) == 2
    deferred = [s for s in await stack.sends(run_id=run.id)
                if s.state == dpb.SEND_STATE_DEFERRED]
    assert len(deferred) == 2
    wake = waiting.next_wake_time.ToDatetime(tzinfo=dt.UTC)
    tomorrow = (stack.clock() + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)
    assert wake <= tomorrow + dt.timedelta(minutes=1)

    stack.clock.offset += tomorrow - stack.clock() + dt.timedelta(seconds=1)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_SENT: 4}
    per_recipient = Counter(m.recipients[0] for m in stack.inbox.messages)
    assert sorted(per_recipient.values()) == [1, 1, 1, 1]


class HangingChannel:
    """A channel that never returns: the process 'dies' while delivering."""

    name = "hanging"

    def __init__(self) -> None:
        self.calls = 0

    async def deliver(self, message, gate=None) -> DeliveryResult:
        self.calls += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        return None


async def test_a_send_left_sending_by_a_stopped_process_is_never_resent(stack):
    hanging = HangingChannel()
    await stack.start_distribution(Dependencies(channels={"EMAIL": hanging}))
    campaign = await stack.campaign()
    lead = await stack.capture(campaign, "crash@example.org")
    template = await stack.template(campaign.venture_id)
    request_id = str(uuid.uuid4())
    call = asyncio.ensure_future(stack.create_send(campaign, lead.lead_id, template.id,
                                                   request_id=request_id))

    async def sending() -> bool:
        return [s.state for s in await stack.sends()] == [dpb.SEND_STATE_SENDING]

    await wait_for(sending, what="the send in SENDING")
    await stack.stop_distribution()  # the process stops mid-delivery
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)

    # A new process, after the old one's claim has lapsed, with the real SMTP channel.
    stack.clock.offset = dt.timedelta(seconds=31)
    await stack.start_distribution()
    [job] = await stack.sends()
    assert job.state == dpb.SEND_STATE_UNKNOWN_OUTCOME
    assert list(job.block_reasons) == [dpb.BLOCK_REASON_DELIVERY_OUTCOME_UNKNOWN]
    assert not job.transient
    again = await stack.create_send(campaign, lead.lead_id, template.id, request_id=request_id)
    assert again.replayed and again.send.state == dpb.SEND_STATE_UNKNOWN_OUTCOME
    assert stack.inbox.messages == [] and hanging.calls == 1

    settled = await stack.dist.ResolveUnknownOutcome(dpb.ResolveUnknownOutcomeRequest(
        send_id=job.id, outcome=dpb.SEND_STATE_FAILED, note="provider log shows nothing"),
        metadata=stack.md)
    assert settled.send.state == dpb.SEND_STATE_FAILED
    assert "provider log shows nothing" in settled.send.resolution_note
    assert stack.inbox.messages == []


async def test_a_kill_switch_stops_deliveries_already_allowed_and_resume_reserves_nothing(stack):
    # A whole batch is allowed at once, then waits for one of two SMTP connections: the last
    # look before each delivery (asked for every message here) must stop every one of them
    # that had not started when the switch returned.
    await stack.start_distribution(AICMO_RUN_CONCURRENCY=40, AICMO_RUN_BATCH_SIZE=40,
                                   AICMO_SMTP_POOL_SIZE=2, AICMO_DELIVERY_GATE_MS=0)
    campaign = await stack.campaign()
    leads = [await stack.capture(campaign, f"k{i}@example.org") for i in range(40)]
    template = await stack.template(campaign.venture_id)
    stack.inbox.hold = lambda delivery: True  # every DATA waits for the release
    run = await stack.run(campaign, template)

    async def held() -> bool:
        return len(stack.inbox.data_started) == 2

    await wait_for(held, what="two deliveries held at DATA")
    verdicts = (await stack.venture.ListVerdicts(vpb.ListVerdictsRequest(
        campaign_id=campaign.id, page_size=100), metadata=stack.md)).verdicts
    assert len(verdicts) == 40  # every send of the batch was allowed before the switch
    await stack.venture.SetCampaignKillSwitch(vpb.SetCampaignKillSwitchRequest(
        campaign_id=campaign.id, reason="stop now"), metadata=stack.md)
    switched = time.monotonic()
    stack.inbox.release.set()

    halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED)
    assert list(halted.halt_block_reasons) == [dpb.BLOCK_REASON_CAMPAIGN_KILL_SWITCH]

    async def settled() -> bool:
        states = Counter(s.state for s in await stack.sends(run_id=run.id))
        return states[dpb.SEND_STATE_SENDING] == 0

    await wait_for(settled, what="no send left SENDING")
    assert all(started < switched for started in stack.inbox.data_started)
    assert len(stack.inbox.messages) == 2
    states = Counter(s.state for s in await stack.sends(run_id=run.id))
    assert states == {dpb.SEND_STATE_SENT: 2, dpb.SEND_STATE_BLOCKED: 38}

    await stack.venture.ClearCampaignKillSwitch(vpb.ClearCampaignKillSwitchRequest(
        campaign_id=campaign.id, reason="all clear"), metadata=stack.md)
    await stack.dist.ResumeRun(dpb.ResumeRunRequest(run_id=run.id), metadata=stack.md)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_SENT: 40}
    assert Counter(m.recipients[0] for m in stack.inbox.messages) == Counter(
        {lead.email: 1 for lead in leads})
    # The resumed sends replayed their stored ALLOW: no second unit of quota was reserved.
    after = (await stack.venture.ListVerdicts(vpb.ListVerdictsRequest(
        campaign_id=campaign.id, page_size=100), metadata=stack.md)).verdicts
    assert len(after) == 40
    safety = (await stack.venture.CheckSafety(vpb.CheckSafetyRequest(
        campaign_id=campaign.id, channel=EMAIL), metadata=stack.md)).verdict
    assert safety.remaining_quota_today == campaign.daily_send_limit - 40
