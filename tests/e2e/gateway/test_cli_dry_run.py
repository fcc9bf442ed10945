"""`aicmo campaign dry-run` over several pages: the summary is the server's running totals of
the last page (never a sum over pages), and after a real run the existing sends are named."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.e2e.gateway.test_cli_distribution import capture, setup_campaign

pytestmark = pytest.mark.needs("venture", "leads", "distribution", "audit")

LEADS = 12
LIMIT = 8


def test_dry_run_totals_over_pages_and_existing_sends(stack, aicmo):
    venture_id, campaign_id, template_id = setup_campaign(aicmo, daily_limit=LIMIT)
    leads = [capture(aicmo, venture_id, campaign_id, f"p{i}@example.com") for i in range(LEADS)]
    aicmo.json("leads", "dnc", leads[0], "--reason", "asked")
    aicmo.json("campaign", "start", campaign_id)

    preview = aicmo.json("campaign", "dry-run", campaign_id, "--template", template_id,
                         "--page-size", "5")
    rows = Counter(r["verdict"] for r in preview["recipients"])
    assert rows == {"send": LIMIT, "defer": LEADS - LIMIT - 1, "block": 1}
    summary = preview["summary"]
    assert (summary["would_send"], summary["would_defer"], summary["would_block"]) == \
        (rows["send"], rows["defer"], rows["block"])
    assert summary["projected_quota_use"] == LIMIT
    assert summary["remaining_quota_today"] == LIMIT
    assert summary["already_existing"] == 0

    aicmo.json("campaign", "run", campaign_id, "--template", template_id)
    after = aicmo.json("campaign", "dry-run", campaign_id, "--template", template_id,
                       "--page-size", "5")
    labels = Counter((r["verdict"], r["existing_state"]) for r in after["recipients"])
    assert labels == {("already sent", "sent"): LIMIT,
                      ("scheduled", "deferred"): LEADS - LIMIT - 1,
                      ("exists", "suppressed"): 1}
    assert all(r["existing_send_id"] for r in after["recipients"])
    assert after["summary"]["already_existing"] == LEADS
    assert after["summary"]["would_block"] == 0
