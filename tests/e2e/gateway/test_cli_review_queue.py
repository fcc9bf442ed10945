"""`aicmo sends list --state unknown_outcome` (the review queue) and `aicmo sends resolve`
against the real stack: a delivered send is not awaiting review, so settling it is refused."""

from __future__ import annotations

import pytest

from tests.e2e.gateway.test_cli_distribution import capture, setup_campaign

pytestmark = pytest.mark.needs("venture", "leads", "distribution", "audit")


def test_review_queue_and_resolve_refuse_a_send_that_is_not_awaiting_review(stack, aicmo):
    venture_id, campaign_id, template_id = setup_campaign(aicmo)
    aicmo.json("campaign", "start", campaign_id)
    lead_id = capture(aicmo, venture_id, campaign_id, "review@example.com")
    sent = aicmo.json("send", "--campaign", campaign_id, "--lead", lead_id, "--template",
                      template_id)
    assert sent["state"] == "sent"

    assert aicmo.json("sends", "list", "--campaign", campaign_id, "--state",
                      "unknown_outcome") == []
    table = aicmo("sends", "list", "--campaign", campaign_id)
    assert table.code == 0 and "delivery_stage" in table.stdout

    refused = aicmo("sends", "resolve", sent["id"], "--not-delivered", "--reason", "checked")
    assert refused.code == 3 and "UNKNOWN_OUTCOME" in refused.stderr
    usage = aicmo("sends", "resolve", sent["id"], "--delivered", "--not-delivered",
                  "--reason", "x")
    assert usage.code == 2 and "exactly one" in usage.stderr
    assert aicmo.json("sends", "show", sent["id"])["state"] == "sent"
