"""`aicmo sequence` against the real stack: a YAML file becomes a sequence (or is refused
naming every bad field), leads are enrolled, step 1 leaves through the file channel, and the
status and enrolment views say where everyone stands."""

from __future__ import annotations

import pytest

from tests.e2e.gateway.cli_runner import Aicmo
from tests.e2e.gateway.test_cli_distribution import capture, mail_to, setup_campaign
from tests.support.waiting import wait_for_sync


@pytest.fixture
def aicmo(stack, capsys, monkeypatch) -> Aicmo:
    stack.require("venture", "leads", "distribution")
    return Aicmo(stack.root, capsys, monkeypatch)


def test_a_sequence_from_a_file_enrols_sends_and_reports(stack, aicmo, tmp_path):
    venture_id, campaign_id, template_id = setup_campaign(aicmo)
    aicmo.json("campaign", "start", campaign_id)
    leads = [capture(aicmo, venture_id, campaign_id, f"seq{n}@example.com") for n in range(3)]
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"""
name: ""
steps:
  - key: intro
    channel: email
    template: no-such-template
  - key: intro
    channel: email
    template: {template_id}
    next: intro
""")
    refused = aicmo("sequence", "validate", campaign_id, "--file", str(bad))
    assert refused.code == 2
    for field in ("sequence.name", "sequence.steps[0].variants[0].template_id",
                  "sequence.steps[1].key", "sequence.steps[1].next_step"):
        assert field in refused.stdout
    assert aicmo("sequence", "create", campaign_id, "--file", str(bad)).code == 2
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: x\nsteps:\n  - key: a\n    chanel: email\n")
    mistyped = aicmo("sequence", "create", campaign_id, "--file", str(typo))
    assert mistyped.code == 2 and "chanel" in mistyped.stderr

    good = tmp_path / "seq.yaml"
    good.write_text(f"""
name: Always on
calendar: {{days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}}
steps:
  - key: intro
    channel: email
    template: {template_id}
  - key: nudge
    channel: email
    template: {template_id}
    wait: {{business_days: 3}}
    condition: previous_delivered
""")
    created = aicmo.json("sequence", "create", campaign_id, "--file", str(good))
    assert created["version"] == 1
    assert [s["key"] for s in created["steps"]] == ["intro", "nudge"]
    assert created["steps"][1]["wait"] == "3 business days"
    shown = aicmo("sequence", "show", campaign_id)
    assert shown.code == 0 and "previous_delivered" in shown.stdout

    enrolled = aicmo.json("sequence", "enrol", campaign_id)
    assert (enrolled["enrolled"], enrolled["already_enrolled"]) == (3, 0)
    wait_for_sync(lambda: all(mail_to(stack, f"seq{n}@example.com") for n in range(3)),
                  what="step 1 to each lead")
    status = wait_for_sync(lambda: (lambda s: s if s["steps"][0]["sent"] == 3 else None)(
        aicmo.json("sequence", "status", campaign_id)), what="step 1 counted as sent")
    assert status["total"] == 3 and status["steps"][1]["sent"] == 0
    listed = aicmo.json("sequence", "enrolments", campaign_id)
    assert sorted(row["lead_id"] for row in listed) == sorted(leads)

    stopped = aicmo.json("sequence", "unenrol", campaign_id, leads[0], "--reason", "asked")
    assert stopped["state"] == "stopped" and stopped["stop_reason"] == "manual"
    table = aicmo("sequence", "status", campaign_id)
    assert table.code == 0 and "manual 1" in table.stdout
    missing = aicmo("sequence", "unenrol", campaign_id, "no-such-lead")
    assert missing.code == 3 and "Traceback" not in missing.stderr
