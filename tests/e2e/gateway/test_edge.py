"""The HTTP edge over real HTTP against the real venture and leads services: the hosted form
records evidence, the honeypot and the rate limit work, JSON capture needs a token, and the
one-click unsubscribe marks DNC on POST only and refuses tampered tokens."""

from __future__ import annotations

import re

import httpx
import pytest
from prometheus_client import generate_latest

from aicmo.leads.v1 import leads_pb2
from aicmo.venture.v1 import venture_pb2
from aicmo_common import unsubscribe
from aicmo_common.auth import Role, TokenSigner
from aicmo_gateway.edge.app import CONSENT_TEXT_VERSION
from aicmo_gateway.edge.rate_limit import SlidingWindowRateLimiter
from tests.e2e.gateway.cli_runner import unique
from tests.e2e.gateway.edge_server import app_for, serving


@pytest.fixture
async def campaign(services) -> venture_pb2.Campaign:
    venture_api, _ = services
    venture_id = unique("edge")
    await venture_api.CreateVenture(venture_pb2.CreateVentureRequest(venture=venture_pb2.Venture(
        id=venture_id, name="Edge Co", owner_contact="owner@edge.test", timezone="UTC",
        default_channels=[1], sender=venture_pb2.SenderIdentity(
            from_address="hi@edge.test", from_name="Edge Co", postal_address="1 Road"))))
    response = await venture_api.CreateCampaign(venture_pb2.CreateCampaignRequest(
        campaign=venture_pb2.Campaign(venture_id=venture_id, name="Spring sign-up",
                                      daily_send_limit=10)))
    return response.campaign


async def leads_of(leads_api, campaign) -> list[leads_pb2.Lead]:
    response = await leads_api.ListLeads(leads_pb2.ListLeadsRequest(
        venture_id=campaign.venture_id, page_size=100))
    return list(response.leads)


async def test_hosted_form_records_evidence(stack, secret, services, campaign):
    _, leads_api = services
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        page = await client.get(f"{base}/f/{campaign.id}?utm_source=newsletter")
        assert page.status_code == 200
        assert CONSENT_TEXT_VERSION in page.text and 'name="website"' in page.text
        assert "Edge Co" in page.text and 'value="newsletter"' in page.text

        posted = await client.post(f"{base}/f/{campaign.id}", data={
            "name": "Jane Doe", "email": "jane@example.com", "phone": "", "company": "ACME",
            "consent": "yes", "consent_text_version": CONSENT_TEXT_VERSION,
            "utm_source": "newsletter", "website": ""})
        assert posted.status_code == 200 and "Thank you" in posted.text

        invalid = await client.post(f"{base}/f/{campaign.id}", data={
            "email": "not-an-email", "consent_text_version": CONSENT_TEXT_VERSION})
        assert invalid.status_code == 400 and "Email" in invalid.text
        assert 'value="not-an-email"' in invalid.text  # the person's input is kept

        missing = await client.get(f"{base}/f/no-such-campaign")
        assert missing.status_code == 404

    [lead] = await leads_of(leads_api, campaign)
    assert lead.email == "jane@example.com" and lead.company == "ACME"
    assert lead.consent_status == leads_pb2.CONSENT_STATUS_CONSENTED
    evidence = lead.consent_evidence
    assert evidence.form_url == f"{base}/f/{campaign.id}"
    assert evidence.ip_address == "127.0.0.1"
    assert evidence.consent_text_version == CONSENT_TEXT_VERSION
    assert evidence.source == "web_form" and evidence.consent_time.seconds > 0
    assert lead.first_touch.utm.source == "newsletter"
    assert lead.first_touch.campaign_id == campaign.id


async def test_honeypot_captures_nothing_and_rate_limit_answers_429(stack, secret, services,
                                                                    campaign):
    _, leads_api = services
    limiter = SlidingWindowRateLimiter(2, 3600)
    app = app_for(stack, secret, limiter=limiter)
    async with serving(app) as base, \
            httpx.AsyncClient() as client:
        bot = await client.post(f"{base}/f/{campaign.id}", data={
            "email": "bot@example.com", "website": "http://spam.example"})
        assert bot.status_code == 200  # the bot is told nothing
        human = await client.post(f"{base}/f/{campaign.id}", data={
            "email": "human@example.com"})
        assert human.status_code == 200
        limited = await client.post(f"{base}/f/{campaign.id}", data={
            "email": "third@example.com"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        limited_page = limited.text
    assert "wait" in limited_page
    metrics = generate_latest(app.state.metrics.registry).decode()
    assert 'aicmo_edge_form_blocked_total{why="honeypot"} 1.0' in metrics
    assert 'aicmo_edge_form_blocked_total{why="rate_limit"} 1.0' in metrics
    assert 'route="/f/{campaign_id}"' in metrics and 'status="429"' in metrics
    emails = [lead.email for lead in await leads_of(leads_api, campaign)]
    assert emails == ["human@example.com"]


async def test_json_capture_needs_a_valid_token(stack, secret, services, campaign):
    operator = TokenSigner(secret).issue("crm", Role.OPERATOR)
    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        url = f"{base}/api/v1/leads"
        body = {"venture_id": campaign.venture_id, "campaign_id": campaign.id,
                "email": "api@example.com", "source_channel": "crm"}
        assert (await client.post(url, json=body)).status_code == 401
        forged = TokenSigner("another-secret-" + "x" * 32).issue("crm", Role.OPERATOR)
        refused = await client.post(url, json=body,
                                    headers={"Authorization": f"Bearer {forged}"})
        assert refused.status_code == 401 and refused.json()["error"]["reason"] \
            == "TOKEN_INVALID"

        headers = {"Authorization": f"Bearer {operator}"}
        created = await client.post(url, json=body, headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["outcome"] == "CREATED"
        again = await client.post(url, json={**body, "email": "API@example.com"},
                                  headers=headers)
        assert again.status_code == 200 and again.json()["outcome"] == "MATCHED"
        assert again.json()["lead"]["lead_id"] == created.json()["lead"]["lead_id"]

        bad = await client.post(url, json={**body, "email": "nope", "phone": "1"},
                                headers=headers)
        assert bad.status_code == 400
        fields = {v["field"] for v in bad.json()["error"]["field_violations"]}
        assert {"capture.email", "capture.phone"} <= fields
        unknown = await client.post(url, json={**body, "shoe_size": 44}, headers=headers)
        assert unknown.status_code == 400 and "shoe_size" in unknown.text


async def test_unsubscribe_get_confirms_post_marks_dnc_tampered_refused(stack, secret,
                                                                        services, campaign):
    _, leads_api = services
    captured = await leads_api.CaptureLead(leads_pb2.CaptureLeadRequest(
        capture=leads_pb2.LeadCapture(venture_id=campaign.venture_id, campaign_id=campaign.id,
                                      email="leaver@example.com", source_channel="test")))
    lead_id = captured.lead.lead_id
    token = unsubscribe.sign(lead_id, campaign.id, secret)

    async def consent() -> int:
        got = await leads_api.GetLead(leads_pb2.GetLeadRequest(lead_id=lead_id))
        return got.lead.consent_status

    async with serving(app_for(stack, secret)) as base, httpx.AsyncClient() as client:
        page = await client.get(f"{base}/u/{token}")
        assert page.status_code == 200 and re.search(r'<form method="post"', page.text)
        assert page.headers["cache-control"] == "no-store"
        assert await consent() != leads_pb2.CONSENT_STATUS_DNC  # GET changed nothing

        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert (await client.post(f"{base}/u/{tampered}",
                                  data={"List-Unsubscribe": "One-Click"})).status_code == 400
        assert (await client.get(f"{base}/u/{tampered}")).status_code == 400
        assert await consent() != leads_pb2.CONSENT_STATUS_DNC

        # What a mail client sends for RFC 8058 one-click.
        done = await client.post(f"{base}/u/{token}", content=b"List-Unsubscribe=One-Click",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200 and "unsubscribed" in done.text
        assert await consent() == leads_pb2.CONSENT_STATUS_DNC
        again = await client.post(f"{base}/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200  # a second click is harmless

    contactable = await leads_api.CheckContactability(leads_pb2.CheckContactabilityRequest(
        lead_id=lead_id, channel=1))
    assert contactable.allowed is False
    assert leads_pb2.CONTACTABILITY_REASON_DNC in contactable.reasons
    history = await leads_api.ListConsentHistory(leads_pb2.ListConsentHistoryRequest(
        lead_id=lead_id))
    assert any("unsubscribe" in record.reason for record in history.records)
