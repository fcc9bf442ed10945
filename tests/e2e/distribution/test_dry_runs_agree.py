"""One campaign, two dry runs: RunCampaign(dry_run) and DryRunCampaign give the same answer for
every lead (daily limit, a DNC lead), and a dry run after a real run names the sends that exist
(sent, or deferred to tomorrow) instead of calling them blocked."""

from __future__ import annotations

from collections import Counter

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb

LEADS = 24
LIMIT = 20


async def _dry_run_campaign(stack, campaign, template, page_size: int = 7):
    rows, token = [], ""
    while True:
        page = await stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
            campaign_id=campaign.id, template_id=template.id, page_size=page_size,
            page_token=token), metadata=stack.md)
        rows.extend(page.recipients)
        token = page.next_page_token
        if not token:
            return rows, page


def _answer(row: dpb.DryRunRecipient) -> str:
    return "send" if row.would_send else "defer" if row.would_defer else "block"


async def _campaign_with_one_dnc(stack):
    campaign = await stack.campaign(limit=LIMIT)
    leads = [await stack.capture(campaign, f"d{i}@example.org") for i in range(LEADS)]
    await stack.leads.MarkDnc(lpb.MarkDncRequest(lead_id=leads[0].lead_id, reason="asked"),
                              metadata=stack.md)
    return campaign, leads


async def test_both_dry_runs_give_one_answer(stack):
    await stack.start_distribution()
    campaign, _ = await _campaign_with_one_dnc(stack)
    template = await stack.template(campaign.venture_id)

    rows, last = await _dry_run_campaign(stack, campaign, template)
    preview = Counter(_answer(r) for r in rows)
    assert preview == {"send": LIMIT, "defer": LEADS - LIMIT - 1, "block": 1}
    assert (last.would_send, last.would_defer, last.would_block) == (LIMIT, LEADS - LIMIT - 1, 1)
    assert last.projected_quota_use == LIMIT

    run = await stack.run(campaign, template, dry_run=True)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_DRY_RUN: LEADS}
    jobs = {j.lead_id: j for j in await stack.sends(run_id=run.id)}
    ran = {lead_id: "defer" if list(j.block_reasons) == [dpb.BLOCK_REASON_DAILY_LIMIT_REACHED]
           else "send" if not j.block_reasons else "block" for lead_id, j in jobs.items()}
    assert Counter(ran.values()) == preview
    # The blocked one is the same lead, for the same reason, in both.
    blocked = [r for r in rows if _answer(r) == "block"]
    assert [ran[r.lead_id] for r in blocked] == ["block"]
    assert list(jobs[blocked[0].lead_id].block_reasons) == list(blocked[0].block_reasons)


async def test_a_dry_run_after_a_run_names_the_existing_sends(stack):
    await stack.start_distribution()
    campaign, _ = await _campaign_with_one_dnc(stack)
    template = await stack.template(campaign.venture_id)
    run = await stack.run(campaign, template)
    await stack.wait_run(run.id, dpb.RUN_STATE_WAITING, dpb.RUN_STATE_COMPLETED)

    rows, last = await _dry_run_campaign(stack, campaign, template)
    assert all(r.already_exists and r.existing_send_id for r in rows)
    states = Counter(r.existing_state for r in rows)
    assert states == {dpb.SEND_STATE_SENT: LIMIT, dpb.SEND_STATE_DEFERRED: LEADS - LIMIT - 1,
                      dpb.SEND_STATE_SUPPRESSED: 1}
    assert last.already_existing == LEADS
    assert (last.would_send, last.would_defer, last.would_block) == (0, 0, 0)
    assert all(not r.block_reasons for r in rows)
