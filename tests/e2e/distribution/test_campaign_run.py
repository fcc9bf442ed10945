"""A campaign end to end: capture leads, start the campaign, run it, read the SMTP server."""

from __future__ import annotations

import uuid

import grpc
import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo_common import unsubscribe as edge_unsubscribe
from aicmo_common.errors import decode_rpc_error
from tests.conftest import TOKEN_SECRET
from tests.support.stack import EMAIL
from tests.support.waiting import wait_for


async def test_a_run_sends_exactly_one_message_per_eligible_lead(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    leads = [await stack.capture(campaign, f"person{i}@example.org", first_name=f"P{i}")
             for i in range(4)]
    dnc = await stack.capture(campaign, "nope@example.org")
    await stack.leads.MarkDnc(lpb.MarkDncRequest(lead_id=dnc.lead_id, reason="asked"),
                              metadata=stack.md)
    template = await stack.template(campaign.venture_id)

    run = await stack.run(campaign, template)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)

    assert len(stack.inbox.messages) == 4
    assert sorted(m.recipients[0] for m in stack.inbox.messages) == sorted(
        lead.email for lead in leads)
    assert stack.inbox.to("nope@example.org") == []
    counts = {c.state: c.count for c in done.state_counts}
    assert counts == {dpb.SEND_STATE_SENT: 4, dpb.SEND_STATE_SUPPRESSED: 1}
    reasons = {c.reason: c.count for c in done.block_reason_counts}
    assert reasons[dpb.BLOCK_REASON_LEAD_DNC] == 1

    sends = {s.lead_id: s for s in await stack.sends(run_id=run.id)}
    for lead in leads:
        received = stack.inbox.to(lead.email)[0].message
        job = sends[lead.lead_id]
        assert received["Message-ID"] == f"<{job.id}@mail.example>" == job.message_id
        assert received["From"] == "Acme Outreach <hello@acme.example>"
        assert received["To"] == lead.email
        assert received["Subject"] == f"Hi {lead.first_name}"
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = received["List-Unsubscribe"].strip("<>")
        assert link.startswith("https://edge.example/u/")
        target = edge_unsubscribe.verify(link.rsplit("/", 1)[1], TOKEN_SECRET)
        assert (target.lead_id, target.campaign_id) == (lead.lead_id, campaign.id)
        body = received.get_body(("plain",)).get_content()
        assert f"Hello {lead.first_name} from Acme Outreach." in body
        assert link in body and "1 Main St, Springfield" in body
    assert sends[dnc.lead_id].state == dpb.SEND_STATE_SUPPRESSED
    assert not sends[dnc.lead_id].transient


async def test_create_send_is_idempotent_and_a_step_goes_once(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    lead = await stack.capture(campaign, "one@example.org")
    template = await stack.template(campaign.venture_id)
    request_id = str(uuid.uuid4())

    first = await stack.create_send(campaign, lead.lead_id, template.id, request_id=request_id)
    again = await stack.create_send(campaign, lead.lead_id, template.id, request_id=request_id)
    other_request = await stack.create_send(campaign, lead.lead_id, template.id)

    assert first.send.state == dpb.SEND_STATE_SENT and not first.replayed
    assert again.replayed and again.send.id == first.send.id
    assert other_request.replayed and other_request.send.id == first.send.id
    assert len(stack.inbox.messages) == 1
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stack.create_send(campaign, lead.lead_id, template.id, request_id=request_id,
                                step=2)
    details = decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.FAILED_PRECONDITION
    assert details.reason == "REQUEST_ID_REUSED"


async def test_bad_create_send_names_every_field_and_writes_nothing(stack):
    await stack.start_distribution()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stack.dist.CreateSend(dpb.CreateSendRequest(step=-1), metadata=stack.md)
    details = decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(details.fields) == {"request_id", "campaign_id", "lead_id", "channel",
                                   "template_id", "step"}
    assert await stack.sends() == []


async def test_a_template_with_an_unknown_variable_is_refused_when_saved(stack):
    await stack.start_distribution()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stack.dist.CreateTemplate(dpb.CreateTemplateRequest(template=dpb.Template(
            venture_id="acme", name="Bad", channel=EMAIL,
            message=dpb.Message(subject="Hi", body_text="Hi {{ lead.shoe_size }}"))),
            metadata=stack.md)
    details = decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.reason == "UNKNOWN_TEMPLATE_VARIABLE"
    assert details.fields == ["template.message.body_text"]


async def test_dry_run_delivers_nothing_and_uses_no_quota(stack):
    await stack.start_distribution()
    campaign = await stack.campaign(limit=2)
    for i in range(3):
        await stack.capture(campaign, f"dry{i}@example.org")
    template = await stack.template(campaign.venture_id)

    page = await stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
        campaign_id=campaign.id, template_id=template.id), metadata=stack.md)
    assert (page.would_send, page.would_defer, page.would_block) == (2, 1, 0)
    assert page.remaining_quota_today == 2 and page.projected_quota_use == 2

    run = await stack.run(campaign, template, dry_run=True)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    assert {c.state: c.count for c in done.state_counts} == {dpb.SEND_STATE_DRY_RUN: 3}
    assert stack.inbox.messages == []
    again = await stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
        campaign_id=campaign.id, template_id=template.id), metadata=stack.md)
    assert again.remaining_quota_today == 2

    async def counted() -> bool:
        answer = await stack.dist.CountSends(dpb.CountSendsRequest(
            campaign_id=campaign.id, include_dry_run=True), metadata=stack.md)
        return answer.total == 3 and answer.sent == 0

    await wait_for(counted, what="dry-run sends counted")
