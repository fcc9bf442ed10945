"""The optional unsubscribe reason over real HTTP against the real services: offered after
the one-click unsubscribe took effect, bound to the link's token, recorded in the feedback
ledger, and never able to undo or block the unsubscribe."""

from __future__ import annotations

import re

import httpx

from aicmo.leads.v1 import leads_pb2
from aicmo_common import unsubscribe
from tests.e2e.gateway import test_edge
from tests.e2e.gateway.edge_server import app_for, serving

# The edge tests' fresh campaign (secret and services come from the gateway conftest).
campaign = test_edge.campaign


async def _unsubscribed(services, campaign, email: str) -> tuple[str, str]:
    _, leads_api = services
    captured = await leads_api.CaptureLead(leads_pb2.CaptureLeadRequest(
        capture=leads_pb2.LeadCapture(venture_id=campaign.venture_id, campaign_id=campaign.id,
                                      email=email, source_channel="test")))
    return captured.lead.lead_id, captured.lead.venture_id


async def _consent(leads_api, lead_id: str) -> int:
    return (await leads_api.GetLead(leads_pb2.GetLeadRequest(lead_id=lead_id))).lead.consent_status


async def test_the_reason_is_offered_after_the_unsubscribe_and_recorded(stack, secret,
                                                                        services, campaign):
    _, leads_api = services
    lead_id, _ = await _unsubscribed(services, campaign, "why@example.com")
    token = unsubscribe.sign(lead_id, campaign.id, secret)
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        done = await client.post(f"{base}/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "unsubscribed" in done.text
        assert await _consent(leads_api, lead_id) == leads_pb2.CONSENT_STATUS_DNC
        action = re.search(r'<form method="post" action="([^"]+)" id="reason-form"', done.text)
        key = re.search(r'name="form_key" value="([0-9a-f]{64})"', done.text)
        assert action and key and action.group(1) == f"/u/{token}/reason"

        forged = await client.post(f"{base}{action.group(1)}",
                                   data={"form_key": "0" * 64, "reason": "too_frequent"})
        assert forged.status_code == 403
        other_token = unsubscribe.sign(lead_id, "another-campaign", secret)
        crossed = await client.post(f"{base}/u/{other_token}/reason",
                                    data={"form_key": key.group(1), "reason": "too_frequent"})
        assert crossed.status_code == 403
        wordless = await client.post(f"{base}{action.group(1)}",
                                     data={"form_key": key.group(1), "reason": "other"})
        assert wordless.status_code == 400 and 'id="reason-error"' in wordless.text
        listed = await leads_api.ListFeedback(leads_pb2.ListFeedbackRequest(lead_id=lead_id))
        assert list(listed.items) == []

        given = await client.post(f"{base}{action.group(1)}", data={
            "form_key": key.group(1), "reason": "other", "text": "I changed jobs"})
        assert given.status_code == 200 and "Thank you" in given.text
        again = await client.post(f"{base}{action.group(1)}", data={
            "form_key": key.group(1), "reason": "other", "text": "I changed jobs"})
        assert again.status_code == 200
    listed = await leads_api.ListFeedback(leads_pb2.ListFeedbackRequest(lead_id=lead_id))
    assert [(i.kind, i.unsubscribe_reason, i.campaign_id) for i in listed.items] == [
        (leads_pb2.FEEDBACK_KIND_UNSUBSCRIBE, leads_pb2.UNSUBSCRIBE_REASON_OTHER, campaign.id)]
    assert await _consent(leads_api, lead_id) == leads_pb2.CONSENT_STATUS_DNC


async def test_a_reason_that_cannot_be_recorded_leaves_the_unsubscribe_in_force(
        stack, secret, services, campaign):
    _, leads_api = services
    lead_id, _ = await _unsubscribed(services, campaign, "gone@example.com")
    token = unsubscribe.sign(lead_id, campaign.id, secret)
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        done = await client.post(f"{base}/u/{token}", data={"List-Unsubscribe": "One-Click"})
        key = re.search(r'name="form_key" value="([0-9a-f]{64})"', done.text).group(1)
        # The person is erased before the reason arrives: leads refuses to record it.
        await leads_api.EraseLead(leads_pb2.EraseLeadRequest(lead_id=lead_id,
                                                             reason="asked to be forgotten"))
        answer = await client.post(f"{base}/u/{token}/reason",
                                   data={"form_key": key, "reason": "not_relevant"})
        assert answer.status_code == 200 and "You are unsubscribed" in answer.text
    contactable = await leads_api.CheckContactability(leads_pb2.CheckContactabilityRequest(
        lead_id=lead_id, channel=1))
    assert not contactable.allowed
