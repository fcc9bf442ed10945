"""`aicmo feedback` and `aicmo objections` against the real leads service: notes with their
classification, lists newest first, top objections, clear errors and exit codes."""

from __future__ import annotations

import pytest

from tests.e2e.gateway.cli_runner import Aicmo, unique


@pytest.fixture
def aicmo(stack, capsys, monkeypatch) -> Aicmo:
    stack.require("venture", "leads")
    return Aicmo(stack.root, capsys, monkeypatch)


def test_notes_are_classified_listed_and_counted(aicmo):
    venture_id = unique("fb")
    aicmo.json("venture", "create", venture_id, "--name", "Feedback Co", "--channel", "email",
               "--owner", "owner@fb.test")
    lead_id = aicmo.json("leads", "capture", "--venture", venture_id, "--email",
                         "nora@example.com")["lead"]["lead_id"]
    price = aicmo.json("feedback", "add", lead_id, "--text", "Way too expensive for us",
                       "--campaign", "spring")
    assert price["kind"] == "note" and price["objection"] == "price"
    assert price["classification"]["matched_terms"] == ["too expensive"]
    meeting = aicmo("feedback", "add", lead_id, "--text", "Can we book a call next week?")
    assert meeting.code == 0 and "meeting_request" in meeting.stdout
    removal = aicmo.json("feedback", "add", lead_id, "--text", "Please remove me.")
    assert removal["effects"] == ["lead_dnc"]

    listed = aicmo.json("feedback", "list", "--lead", lead_id)
    assert [item["objection"] for item in listed] == ["unsubscribe_request",
                                                      "meeting_request", "price"]
    campaign_notes = aicmo.json("feedback", "list", "--campaign", "spring", "--kind", "note")
    assert [item["feedback_id"] for item in campaign_notes] == [price["feedback_id"]]
    table = aicmo("feedback", "list", "--venture", venture_id)
    assert table.code == 0 and "unsubscribe_request" in table.stdout

    top = aicmo.json("objections", "top", "--venture", venture_id)
    assert top["total"] == 3
    assert {row["objection"]: row["count"] for row in top["objections"]} == {
        "price": 1, "meeting_request": 1, "unsubscribe_request": 1}
    assert price["feedback_id"] in [i for row in top["objections"]
                                    for i in row["example_feedback_ids"]]
    assert aicmo("objections", "top", "--venture", venture_id).code == 0


def test_errors_are_clear_and_exit_codes_scriptable(aicmo):
    nothing = aicmo("feedback", "list")
    assert nothing.code == 2 and "--lead, --campaign or --venture" in nothing.stderr
    bad_kind = aicmo("feedback", "list", "--venture", "v", "--kind", "sneeze")
    assert bad_kind.code == 2 and "--kind" in bad_kind.stderr
    missing = aicmo("feedback", "add", "no-such-lead", "--text", "hello")
    assert missing.code == 3 and "Traceback" not in missing.stderr
    empty = aicmo("feedback", "add", "no-such-lead", "--text", "  ")
    assert empty.code == 2
