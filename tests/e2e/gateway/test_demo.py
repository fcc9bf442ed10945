"""`aicmo demo` through the installed script against the running stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs("venture", "leads", "distribution", "audit")


def test_demo_captures_sends_stops_and_reports(stack, aicmo, tmp_path):
    mail = stack.root / "var" / "mail"
    before = set(mail.glob("*.eml"))
    result = aicmo.script("--output", "json", "demo", "--out", str(tmp_path / "reports"))
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)

    first, stopped = summary["first_run"], summary["kill_switch_run"]
    follow_up = summary["follow_up_run"]
    assert first["state"] == "completed"
    assert first["state_counts"]["sent"] == 4 and first["state_counts"]["suppressed"] == 1
    assert stopped["state"] == "halted" and stopped["state_counts"].get("sent", 0) == 0
    assert "campaign_kill_switch" in stopped["halt_block_reasons"]
    funnel = summary["funnel"]
    # Six people (five, then one after the first run) from seven submissions: Ada came twice.
    assert funnel["captured"] == 6 and funnel["submissions"] == 7
    assert funnel["dnc"] == 1
    narration = result.stderr  # stderr in JSON mode
    if follow_up is None:  # no edge, so no inbound receiver: nothing comes back
        assert len(set(mail.glob("*.eml")) - before) == 4
        assert funnel["sent"] == 4 and funnel["contactable"] == 5
        # People, once each per reason: the kill switch stopped the five the follow-up would
        # have reached; Edsger, suppressed in both runs as DNC (and so suppressed), is one.
        assert funnel["blocked_by_reason"] == {"campaign_kill_switch": 5, "lead_dnc": 1}
    else:
        # Ada's address bounced and Grace replied: the follow-up reaches Alan and Barbara.
        assert follow_up["state_counts"] == {"sent": 2, "suppressed": 3}
        assert len(set(mail.glob("*.eml")) - before) == 6
        assert funnel["sent"] == 6 and funnel["contactable"] == 4
        assert funnel["blocked_by_reason"] == {"campaign_kill_switch": 3, "lead_dnc": 1,
                                               "lead_replied": 1, "lead_suppressed": 1}
        assert "ada@example.com bounced" in narration and "grace@example.com replied" in narration
        assert "the reply was read as meeting_request" in narration
        assert "2 sent; not sent: 1 bounced, 1 replied" in narration
        report = summary["came_back"]
        assert (report["bounced_hard"], report["replies"]) == (1, 1)
    if stack.has_edge:
        assert funnel["consented"] == 2  # the two hosted-form sign-ups ticked consent
    for path in summary["files"].values():
        assert Path(path).stat().st_size > 0
    assert "audit chain: verified" in narration
    assert "6 people captured (7 submissions: 1 matched someone already known)" in narration
    assert "Top UTM sources, tied: ads and newsletter brought 2 people first each." in narration
    assert "Not sent to 1 person: opted out (do not contact)." in narration
    assert "lead_suppressed" not in narration and "lead_dnc" not in narration
