"""Greylisting over real SMTP: a receiving server that answers 451 to a first attempt does not
pause a healthy campaign; permanent refusals past the threshold still do."""

from __future__ import annotations

from collections import Counter

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.venture.v1 import venture_pb2 as vpb

LEADS = 50
GREYLISTED = 11  # the share that paused healthy runs before: 22% against a 20% threshold


def greylist(stack, addresses: set[str]) -> Counter:
    """Makes the SMTP server answer 451 to the first DATA for each of ``addresses`` (as a
    greylisting server does) and 250 afterwards; returns the count of 451s per address."""
    refused: Counter = Counter()

    def refuse(delivery) -> str | None:
        recipient = delivery.recipients[0]
        if recipient in addresses and not refused[recipient]:
            refused[recipient] += 1
            return "451 4.7.1 Greylisted, please try again later"
        return None

    stack.inbox.refuse = refuse
    return refused


async def test_retried_greylisting_replies_do_not_pause_the_run(stack):
    await stack.start_distribution(AICMO_AUTOPAUSE_WINDOW=LEADS,
                                   AICMO_AUTOPAUSE_FAILURE_RATIO=0.2)
    campaign = await stack.campaign(limit=LEADS)
    addresses = [f"grey{i}@example.org" for i in range(LEADS)]
    for address in addresses:
        await stack.capture(campaign, address)
    refused = greylist(stack, set(addresses[:GREYLISTED]))
    template = await stack.template(campaign.venture_id)

    run = await stack.run(campaign, template)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)

    assert sum(refused.values()) == GREYLISTED  # every greylisted address was refused once
    assert not done.auto_paused and not done.halt_reason
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_SENT: LEADS}
    assert Counter(m.recipients[0] for m in stack.inbox.messages) == Counter(addresses)
    retried = [s for s in await stack.sends(run_id=run.id) if s.delivery_attempts > 1]
    assert len(retried) == GREYLISTED and all(s.delivery_attempts == 2 for s in retried)
    current = (await stack.venture.GetCampaign(vpb.GetCampaignRequest(
        campaign_id=campaign.id), metadata=stack.md)).campaign
    assert current.status == vpb.CAMPAIGN_STATUS_RUNNING


async def test_permanent_refusals_past_the_threshold_still_pause_the_run(stack):
    await stack.start_distribution(AICMO_AUTOPAUSE_WINDOW=10, AICMO_AUTOPAUSE_FAILURE_RATIO=0.2,
                                   AICMO_RUN_CONCURRENCY=1)
    campaign = await stack.campaign(limit=LEADS)
    for i in range(20):
        await stack.capture(campaign, f"gone{i}@example.org")
    stack.inbox.refuse = lambda delivery: "550 5.1.1 No such user"
    template = await stack.template(campaign.venture_id)

    run = await stack.run(campaign, template)
    halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED)

    assert halted.auto_paused and "auto-pause" in halted.halt_reason, halted.halt_reason
    failed = [s for s in await stack.sends(run_id=run.id) if s.state == dpb.SEND_STATE_FAILED]
    assert 2 <= len(failed) < 20  # stopped at the threshold, not after every lead
