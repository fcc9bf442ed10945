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
    assert first["state"] == "completed"
    assert first["state_counts"]["sent"] == 4 and first["state_counts"]["suppressed"] == 1
    assert stopped["state"] == "halted" and stopped["state_counts"].get("sent", 0) == 0
    assert "campaign_kill_switch" in stopped["halt_block_reasons"]
    assert len(set(mail.glob("*.eml")) - before) == 4

    funnel = summary["funnel"]
    assert funnel["captured"] == 6 and funnel["sent"] == 4 and funnel["dnc"] == 1
    if stack.has_edge:
        assert funnel["consented"] == 2  # the two hosted-form sign-ups ticked consent
    for path in summary["files"].values():
        assert Path(path).stat().st_size > 0
    assert "audit chain: verified" in result.stderr  # the narration (stderr in JSON mode)
