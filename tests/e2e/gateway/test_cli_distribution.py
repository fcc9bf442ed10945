"""`aicmo template|send|sends|campaign run|dry-run|runs` and `aicmo report generate` against
the whole real stack, with mail landing in the stack's var/mail."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.gateway.cli_runner import Aicmo, unique

pytestmark = pytest.mark.needs("venture", "leads", "distribution", "audit")


def mail_to(stack, address: str) -> list[bytes]:
    found = []
    for path in (stack.root / "var" / "mail").glob("*.eml"):
        raw = path.read_bytes()
        if re.search(rb"^To: .*" + re.escape(address.encode()), raw, re.MULTILINE):
            found.append(raw)
    return found


def setup_campaign(aicmo: Aicmo, daily_limit: int = 100) -> tuple[str, str, str]:
    venture_id = unique("dist")
    aicmo.json("venture", "create", venture_id, "--name", "Dist Co", "--channel", "email",
               "--owner", "owner@dist.test", "--from-address", "hello@dist.test",
               "--from-name", "Dist Co", "--postal-address", "1 Road, Town")
    campaign_id = aicmo.json("campaign", "create", "--venture", venture_id, "--name", "Run",
                             "--channel", "email", "--daily-limit", str(daily_limit))["id"]
    template_id = aicmo.json(
        "template", "create", "--venture", venture_id, "--name", "hello", "--subject",
        "Hello {{ lead.first_name }}", "--text",
        "Hi {{ lead.first_name }}, see {{ venture.name }}. {{ unsubscribe_url }}")["id"]
    return venture_id, campaign_id, template_id


def capture(aicmo: Aicmo, venture_id: str, campaign_id: str, email: str, **extra) -> str:
    args = ["leads", "capture", "--venture", venture_id, "--campaign", campaign_id,
            "--email", email, "--first-name", email.split("@")[0]]
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    return aicmo.json(*args)["lead"]["lead_id"]


def test_send_one_message_then_unsubscribe_suppresses_the_next(stack, aicmo):
    venture_id, campaign_id, template_id = setup_campaign(aicmo)
    lead_id = capture(aicmo, venture_id, campaign_id, "one@example.com")

    drafted = aicmo("send", "--campaign", campaign_id, "--lead", lead_id, "--template",
                    template_id)
    assert drafted.code == 3 and "campaign_not_running" in drafted.stdout  # blocked, not sent
    aicmo.json("campaign", "start", campaign_id)

    sent = aicmo.json("send", "--campaign", campaign_id, "--lead", lead_id, "--template",
                      template_id, "--step", "2")
    assert sent["state"] == "sent" and sent["message_id"]
    [raw] = mail_to(stack, "one@example.com")
    assert b"Hello one" in raw and b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw

    listed = aicmo.json("sends", "list", "--campaign", campaign_id)
    assert {s["state"] for s in listed} == {"blocked", "sent"}
    assert aicmo.json("sends", "show", sent["id"])["lead_id"] == lead_id

    if stack.has_edge:
        header = email.message_from_bytes(raw, policy=email.policy.default)[
            "List-Unsubscribe"]
        # RFC 2369: the one-click URL, and a mailto: to the inbound receiver when it runs.
        links = re.findall(r"<([^<>]+)>", str(header))
        [link] = [found for found in links if found.startswith("http")]
        assert link.startswith(stack.values["AICMO_EDGE_URL"] + "/u/")
        if "AICMO_INBOUND_SMTP_ADDR" in stack.values:
            assert any(found.startswith("mailto:unsubscribe+") for found in links)
        response = httpx.post(link,
                              content=b"List-Unsubscribe=One-Click", timeout=10,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200
        later = aicmo("send", "--campaign", campaign_id, "--lead", lead_id, "--template",
                      template_id, "--step", "3")
        assert later.code == 3 and "suppressed" in later.stdout
        assert len(mail_to(stack, "one@example.com")) == 1


def test_run_dry_run_kill_switch_and_report(stack, aicmo, tmp_path):
    venture_id, campaign_id, template_id = setup_campaign(aicmo, daily_limit=3)
    leads = [capture(aicmo, venture_id, campaign_id, f"r{i}@example.com",
                     utm="source=ads" if i < 2 else "source=news") for i in range(4)]
    aicmo.json("leads", "dnc", leads[3], "--reason", "asked")
    aicmo.json("campaign", "start", campaign_id)

    preview = aicmo.json("campaign", "dry-run", campaign_id, "--template", template_id)
    verdicts = sorted(r["verdict"] for r in preview["recipients"])
    assert verdicts == ["block", "send", "send", "send"]  # the DNC lead is blocked
    assert preview["summary"]["would_send"] == 3

    run = aicmo.json("campaign", "run", campaign_id, "--template", template_id)
    assert run["state"] in ("completed", "waiting")
    assert run["state_counts"].get("sent") == 3
    assert run["state_counts"].get("suppressed") == 1
    assert len([m for i in range(4) for m in mail_to(stack, f"r{i}@example.com")]) == 3

    runs = aicmo.json("runs", "list", "--campaign", campaign_id)
    assert [r["id"] for r in runs] == [run["id"]]

    # A kill switch stops the next run at its next send.
    aicmo.json("campaign", "kill", campaign_id, "--reason", "incident")
    extra = capture(aicmo, venture_id, campaign_id, "late@example.com")
    halted = aicmo.json("campaign", "run", campaign_id, "--template", template_id, "--step", "2")
    assert halted["state"] == "halted"
    assert not mail_to(stack, "late@example.com")
    assert extra

    out = tmp_path / "report"
    generated = aicmo.json("report", "generate", campaign_id, "--format", "all", "--out",
                           str(out))
    funnel = generated["report"]["funnel"]
    # The DNC lead is suppressed once per step (contactability is checked before the verdict):
    # two suppressed sends, one person not sent to because they opted out.
    assert (funnel["captured"], funnel["sent"], funnel["suppressed"], funnel["dnc"]) \
        == (5, 3, 2, 1)
    assert funnel["blocked_by_reason"]["lead_dnc"] == 1
    assert "lead_suppressed" not in funnel["blocked_by_reason"]
    assert funnel["blocked_by_reason"].get("campaign_kill_switch", 0) >= 1
    assert generated["report"]["audit"]["valid"] is True
    by_utm = {row["key"]: row["first_touch"] for row in generated["report"]["by_utm"]}
    assert by_utm["ads"] == 2 and by_utm["news"] == 2
    html = Path(generated["files"]["html"]).read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1)
                      .replace("<\\/", "</"))
    assert data["funnel"]["sent"] == 3
    with open(generated["files"]["sends"], newline="", encoding="utf-8") as handle:
        states = [row["state"] for row in csv.DictReader(handle)]
    assert states.count("sent") == 3
    with open(generated["files"]["audit"], newline="", encoding="utf-8") as handle:
        assert any(row["entity_id"] == campaign_id for row in csv.DictReader(handle))
