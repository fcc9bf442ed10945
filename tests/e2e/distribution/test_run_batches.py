"""Run sends driven in batches: one contactability and one verdict call a batch, with exactly
the outcomes of the per-send path, and the per-send calls again when a peer has no batch calls."""

from __future__ import annotations

from collections import Counter

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.venture.v1 import venture_pb2 as vpb
from tests.support.proxy import Proxy
from tests.support.waiting import wait_for

VENTURE = "/aicmo.venture.v1.VentureService/"
LEADS = "/aicmo.leads.v1.LeadsService/"


@pytest.fixture
async def proxies(stack):
    venture, leads = Proxy(stack.venture_addr), Proxy(stack.leads_addr)
    addresses = {"AICMO_VENTURE_ADDR": f"127.0.0.1:{await venture.start()}",
                 "AICMO_LEADS_ADDR": f"127.0.0.1:{await leads.start()}"}
    yield venture, leads, addresses
    await stack.stop_distribution()
    await venture.stop()
    await leads.stop()


async def _audience(stack, campaign, count: int, dnc: int):
    leads = [await stack.capture(campaign, f"b{i}@example.org") for i in range(count)]
    for lead in leads[:dnc]:
        await stack.leads.MarkDnc(lpb.MarkDncRequest(lead_id=lead.lead_id, reason="asked"),
                                  metadata=stack.md)
    return leads


async def test_batches_keep_the_daily_limit_and_spend_no_quota_on_suppressed_leads(
        stack, proxies):
    venture, leads_proxy, addresses = proxies
    await stack.start_distribution(AICMO_RUN_BATCH_SIZE=8, AICMO_RUN_CONCURRENCY=16,
                                   **addresses)
    campaign = await stack.campaign(limit=20)
    leads = await _audience(stack, campaign, 30, dnc=4)
    run = await stack.run(campaign, await stack.template(campaign.venture_id))
    done = await stack.wait_run(run.id, dpb.RUN_STATE_WAITING)

    counts = {c.state: c.count for c in done.state_counts}
    assert counts == {dpb.SEND_STATE_SENT: 20, dpb.SEND_STATE_SUPPRESSED: 4,
                      dpb.SEND_STATE_DEFERRED: 6}
    delivered = Counter(m.recipients[0] for m in stack.inbox.messages)
    assert sum(delivered.values()) == 20 and set(delivered.values()) == {1}
    assert not delivered.keys() & {lead.email for lead in leads[:4]}

    # A verdict was asked for every contactable lead and for none of the suppressed ones.
    verdicts = (await stack.venture.ListVerdicts(vpb.ListVerdictsRequest(
        campaign_id=campaign.id, page_size=100), metadata=stack.md)).verdicts
    assert len(verdicts) == 26
    assert Counter(v.decision for v in verdicts) == {vpb.DECISION_ALLOW: 20,
                                                     vpb.DECISION_DENY: 6}
    # ... in batches: no send asked for itself.
    asked = Counter(venture.calls) + Counter(leads_proxy.calls)
    assert asked[VENTURE + "BatchAuthorizeSend"] >= 4
    assert asked[LEADS + "BatchCheckContactability"] >= 4
    assert asked[VENTURE + "AuthorizeSend"] == 0
    assert asked[LEADS + "CheckContactability"] == 0


async def test_a_peer_without_batch_calls_gets_the_per_send_calls(stack, proxies):
    venture, leads_proxy, addresses = proxies
    venture.unimplemented.add("BatchAuthorizeSend")
    leads_proxy.unimplemented.add("BatchCheckContactability")
    await stack.start_distribution(AICMO_RUN_BATCH_SIZE=8, AICMO_RUN_CONCURRENCY=16,
                                   **addresses)
    campaign = await stack.campaign()
    leads = await _audience(stack, campaign, 12, dnc=2)
    run = await stack.run(campaign, await stack.template(campaign.venture_id))
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)

    counts = {c.state: c.count for c in done.state_counts}
    assert counts == {dpb.SEND_STATE_SENT: 10, dpb.SEND_STATE_SUPPRESSED: 2}
    assert Counter(m.recipients[0] for m in stack.inbox.messages) == Counter(
        {lead.email: 1 for lead in leads[2:]})
    asked = Counter(venture.calls) + Counter(leads_proxy.calls)
    assert asked[VENTURE + "AuthorizeSend"] == 10
    assert asked[LEADS + "CheckContactability"] == 12


async def test_a_last_look_that_cannot_be_asked_holds_sends_back_without_pausing_the_run(
        stack, proxies):
    venture, _, addresses = proxies
    venture.unimplemented.add("CheckSafety")  # the last look fails: fail closed
    await stack.start_distribution(AICMO_RUN_BATCH_SIZE=8, AICMO_RUN_CONCURRENCY=16,
                                   AICMO_AUTOPAUSE_FAILURE_RATIO="0.2",
                                   AICMO_AUTOPAUSE_WINDOW=4, **addresses)
    campaign = await stack.campaign()
    leads = await _audience(stack, campaign, 10, dnc=0)
    run = await stack.run(campaign, await stack.template(campaign.venture_id))

    async def all_held_back() -> bool:
        sends = await stack.sends(run_id=run.id)
        return len(sends) == 10 and all(s.state == dpb.SEND_STATE_RETRYING for s in sends)

    await wait_for(all_held_back, what="every send held back by the failed last look")
    assert stack.inbox.messages == []
    sends = await stack.sends(run_id=run.id)
    assert all(s.delivery_attempts == 0 for s in sends)
    assert all(list(s.block_reasons) == [dpb.BLOCK_REASON_DEPENDENCY_ERROR] for s in sends)
    assert (await stack.get_run(run.id)).state == dpb.RUN_STATE_RUNNING  # not auto-paused

    venture.unimplemented.clear()
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_SENT: 10}
    assert Counter(m.recipients[0] for m in stack.inbox.messages) == Counter(
        {lead.email: 1 for lead in leads})
    verdicts = (await stack.venture.ListVerdicts(vpb.ListVerdictsRequest(
        campaign_id=campaign.id, page_size=100), metadata=stack.md)).verdicts
    assert len(verdicts) == 10  # the retries replayed their ALLOW: nothing reserved twice
