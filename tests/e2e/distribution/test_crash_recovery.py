"""A process stopped mid-delivery, with a channel that reports when its content starts: a send
stopped before its content left is queued again and delivered once by the next process (over
real SMTP); one stopped after is UNKNOWN_OUTCOME and never resent by itself."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.venture.v1 import venture_pb2 as vpb
from aicmo_distribution.bootstrap import Dependencies
from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus
from tests.support.waiting import wait_for


class StallingChannel:
    """Stalls for ever, before its content (``after_content`` False) or right after telling
    the send path that the content starts."""

    name = "stalling"
    opens_content = True

    def __init__(self, *, after_content: bool) -> None:
        self.after_content = after_content
        self.calls = 0

    async def deliver(self, message, handoff=None) -> DeliveryResult:
        self.calls += 1
        if self.after_content:
            async with handoff.content() as reasons:
                assert reasons == ()
                await asyncio.Event().wait()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        return None


class AnsweringChannel:
    """Reports its content, then answers SENT."""

    name = "answering"
    opens_content = True

    async def deliver(self, message, handoff=None) -> DeliveryResult:
        async with handoff.content() as reasons:
            assert reasons == ()
            return DeliveryResult(DeliveryStatus.SENT, provider_message_id=message.message_id)

    async def close(self) -> None:
        return None


async def _stopped_mid_delivery(stack, channel):
    await stack.start_distribution(Dependencies(channels={"EMAIL": channel}))
    campaign = await stack.campaign()
    lead = await stack.capture(campaign, "recover@example.org")
    template = await stack.template(campaign.venture_id)
    call = asyncio.ensure_future(stack.create_send(campaign, lead.lead_id, template.id,
                                                   request_id=str(uuid.uuid4())))
    want = dpb.DELIVERY_STAGE_CONTENT if channel.after_content else dpb.DELIVERY_STAGE_STARTED

    async def reached() -> bool:
        found = await stack.sends()
        return [(s.state, s.delivery_stage) for s in found] == [(dpb.SEND_STATE_SENDING,
                                                                 want)]

    await wait_for(reached, what="the send in SENDING at its stage")
    await stack.stop_distribution()
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)
    # A new process with the real SMTP channel, after the old one's claim has lapsed.
    stack.clock.offset = dt.timedelta(seconds=200)
    await stack.start_distribution()


async def test_a_send_stopped_before_its_content_is_delivered_once_after_restart(stack):
    channel = StallingChannel(after_content=False)
    await _stopped_mid_delivery(stack, channel)

    async def sent() -> bool:
        return [s.state for s in await stack.sends()] == [dpb.SEND_STATE_SENT]

    await wait_for(sent, what="the queued-again send delivered")
    [job] = await stack.sends()
    # The SMTP channel of the new process records its stages through the handoff.
    assert job.delivery_stage == dpb.DELIVERY_STAGE_ANSWERED
    assert job.delivery_attempts == 2
    assert [m.recipients for m in stack.inbox.messages] == [["recover@example.org"]]
    assert channel.calls == 1


async def test_a_send_stopped_after_its_content_started_awaits_review(stack):
    channel = StallingChannel(after_content=True)
    await _stopped_mid_delivery(stack, channel)
    [job] = await stack.sends()
    assert job.state == dpb.SEND_STATE_UNKNOWN_OUTCOME
    assert job.delivery_stage == dpb.DELIVERY_STAGE_CONTENT
    assert list(job.block_reasons) == [dpb.BLOCK_REASON_DELIVERY_OUTCOME_UNKNOWN]
    assert stack.inbox.messages == [] and channel.calls == 1


async def test_a_send_settled_as_not_delivered_goes_out_with_the_next_run(stack):
    channel = StallingChannel(after_content=True)
    await _stopped_mid_delivery(stack, channel)
    [job] = await stack.sends()
    settled = await stack.dist.ResolveUnknownOutcome(dpb.ResolveUnknownOutcomeRequest(
        send_id=job.id, outcome=dpb.SEND_STATE_FAILED,
        note="the SMTP server's log has no such message"), metadata=stack.md)
    assert settled.send.state == dpb.SEND_STATE_FAILED
    campaign = await stack.venture.GetCampaign(vpb.GetCampaignRequest(
        campaign_id=job.campaign_id), metadata=stack.md)
    template = await stack.template(job.venture_id)
    run = await stack.run(campaign.campaign, template, step=job.step)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert done.skipped_existing == 0
    [again] = await stack.sends()
    assert again.id == job.id and again.state == dpb.SEND_STATE_SENT
    assert [m.recipients for m in stack.inbox.messages] == [["recover@example.org"]]
    # Sent now: a further run never sends it again.
    rerun = await stack.run(campaign.campaign, template, step=job.step)
    assert (await stack.wait_run(rerun.id, dpb.RUN_STATE_COMPLETED)).skipped_existing == 1
    assert len(stack.inbox.messages) == 1


async def test_an_answered_delivery_records_its_stage(stack):
    await stack.start_distribution(Dependencies(channels={"EMAIL": AnsweringChannel()}))
    campaign = await stack.campaign()
    lead = await stack.capture(campaign, "answered@example.org")
    template = await stack.template(campaign.venture_id)
    answer = await stack.create_send(campaign, lead.lead_id, template.id)
    assert answer.send.state == dpb.SEND_STATE_SENT
    assert answer.send.delivery_stage == dpb.DELIVERY_STAGE_ANSWERED
