"""The edge's hosted form and unsubscribe pages against the real venture and leads services:
the form names the venture, its offer, the required fields and its privacy policy; the
unsubscribe pages say from whom and for which (masked) address, and nothing more; expired or
revoked links are refused with a plain page and change nothing, while the one-click POST works
for 60 days after issue whatever the policy."""

from __future__ import annotations

import time

import httpx
import pytest
from google.protobuf import field_mask_pb2
from prometheus_client import generate_latest

from aicmo.leads.v1 import leads_pb2
from aicmo.venture.v1 import venture_pb2
from aicmo_common import unsubscribe
from tests.e2e.gateway.cli_runner import unique
from tests.e2e.gateway.edge_server import app_for, serving
from tests.support.clock import Clock

DAY = 86_400.0


@pytest.fixture
async def campaign(services) -> venture_pb2.Campaign:
    venture_api, _ = services
    venture_id = unique("links")
    await venture_api.CreateVenture(venture_pb2.CreateVentureRequest(venture=venture_pb2.Venture(
        id=venture_id, name="Demo Analytics", owner_contact="owner@demo.test", timezone="UTC",
        offer_summary="Dashboards your board will read.", default_channels=[1],
        privacy_policy_url="https://demo.test/privacy?x=1&y=2",
        sender=venture_pb2.SenderIdentity(from_address="hi@demo.test", from_name="Demo",
                                          postal_address="1 Road"))))
    response = await venture_api.CreateCampaign(venture_pb2.CreateCampaignRequest(
        campaign=venture_pb2.Campaign(venture_id=venture_id, name="Spring sign-up",
                                      daily_send_limit=10)))
    return response.campaign


async def _lead(leads_api, campaign, email="alice.smith@example.com") -> str:
    captured = await leads_api.CaptureLead(leads_pb2.CaptureLeadRequest(
        capture=leads_pb2.LeadCapture(venture_id=campaign.venture_id, campaign_id=campaign.id,
                                      email=email, name="Alice Smith", phone="+4915112345678",
                                      company="Secret Corp", source_channel="test")))
    return captured.lead.lead_id


async def _consent(leads_api, lead_id) -> int:
    got = await leads_api.GetLead(leads_pb2.GetLeadRequest(lead_id=lead_id))
    return got.lead.consent_status


async def _update(venture_api, venture_id, paths, **links):
    await venture_api.UpdateVenture(venture_pb2.UpdateVentureRequest(
        venture=venture_pb2.Venture(id=venture_id,
                                    unsubscribe_links=venture_pb2.UnsubscribeLinkPolicy(**links)),
        update_mask=field_mask_pb2.FieldMask(paths=paths)))


async def test_the_form_names_venture_offer_required_fields_and_privacy_policy(
        stack, secret, campaign):
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        form = (await client.get(f"{base}/f/{campaign.id}")).text
    assert 'id="venture">Demo Analytics<' in form
    assert 'id="offer">Dashboards your board will read.<' in form
    assert 'href="https://demo.test/privacy?x=1&amp;y=2"' in form and "Privacy policy" in form
    assert 'for="email">Email <span class="required"' in form
    assert 'for="phone">Phone <span class="required"' in form
    assert 'for="name">Name</label>' in form  # not required, not marked
    assert "are required" in form


async def test_a_form_without_privacy_policy_has_no_link(stack, secret, services, campaign):
    venture_api, _ = services
    await venture_api.UpdateVenture(venture_pb2.UpdateVentureRequest(
        venture=venture_pb2.Venture(id=campaign.venture_id),
        update_mask=field_mask_pb2.FieldMask(paths=["privacy_policy_url"])))
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        form = (await client.get(f"{base}/f/{campaign.id}")).text
    assert "privacy-policy" not in form and "demo.test/privacy" not in form


async def test_unsubscribe_pages_say_from_whom_and_the_masked_address_only(
        stack, secret, services, campaign):
    _, leads_api = services
    lead_id = await _lead(leads_api, campaign)
    token = unsubscribe.sign(lead_id, campaign.id, secret)
    promise = ("no longer receive messages from Demo Analytics at a***@example.com")
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        before = await client.get(f"{base}/u/{token}")
        assert before.status_code == 200 and promise in before.text
        assert await _consent(leads_api, lead_id) != leads_pb2.CONSENT_STATUS_DNC
        after = await client.post(f"{base}/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert after.status_code == 200 and promise in after.text
    assert await _consent(leads_api, lead_id) == leads_pb2.CONSENT_STATUS_DNC
    for text in (before.text, after.text):
        for secret_bit in ("alice.smith", "Alice", "Smith", "Secret Corp", "12345678",
                           lead_id, campaign.id):
            assert secret_bit not in text


async def test_expired_and_revoked_links_are_refused_but_one_click_lasts_60_days(
        stack, secret, services, campaign):
    venture_api, leads_api = services
    clock = Clock(time.time())
    old_lead = await _lead(leads_api, campaign, "old@example.com")
    recent_lead = await _lead(leads_api, campaign, "recent@example.com")
    older = unsubscribe.sign(old_lead, campaign.id, secret, issued_at=clock.now - 100 * DAY)
    recent = unsubscribe.sign(recent_lead, campaign.id, secret, issued_at=clock.now - DAY)
    await _update(venture_api, campaign.venture_id, ["unsubscribe_links.ttl_days"],
                  ttl_days=90)
    app = app_for(stack, secret, clock=clock)
    async with serving(app) as base, httpx.AsyncClient() as client:
        expired = await client.get(f"{base}/u/{older}")
        assert expired.status_code == 410 and "expired" in expired.text
        assert "Demo Analytics" not in expired.text and "o***@" not in expired.text
        refused = await client.post(f"{base}/u/{older}", data={"List-Unsubscribe": "One-Click"})
        assert refused.status_code == 410 and "nothing was changed" in refused.text
        assert await _consent(leads_api, old_lead) != leads_pb2.CONSENT_STATUS_DNC
        assert (await client.get(f"{base}/u/{recent}")).status_code == 200

        # Revoke every link issued until now: the page refuses, one-click still works.
        await _update(venture_api, campaign.venture_id, ["unsubscribe_links.revoke_now"],
                      revoke_now=True)
        clock.now += 30 * DAY
        revoked = await client.get(f"{base}/u/{recent}")
        assert revoked.status_code == 410 and "expired" in revoked.text
        assert await _consent(leads_api, recent_lead) != leads_pb2.CONSENT_STATUS_DNC
        one_click = await client.post(f"{base}/u/{recent}", content=b"List-Unsubscribe=One-Click",
                                      headers={"Content-Type":
                                               "application/x-www-form-urlencoded"})
        assert one_click.status_code == 200 and "unsubscribed" in one_click.text
        assert await _consent(leads_api, recent_lead) == leads_pb2.CONSENT_STATUS_DNC

        # A link issued after the revocation works.
        fresh_lead = await _lead(leads_api, campaign, "fresh@example.com")
        fresh = unsubscribe.sign(fresh_lead, campaign.id, secret, issued_at=clock.now)
        assert (await client.get(f"{base}/u/{fresh}")).status_code == 200
    metrics = generate_latest(app.state.metrics.registry).decode()
    assert 'aicmo_edge_unsubscribe_refused_total{why="expired"} 2.0' in metrics
    assert 'aicmo_edge_unsubscribe_refused_total{why="revoked"} 1.0' in metrics
