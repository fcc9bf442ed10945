"""The rules of delivery events, without a server: which fields are required, how a
Message-ID names its send, and which sends an event can belong to."""

from __future__ import annotations

import pytest

from aicmo_distribution.feedback.events import (
    EventKind,
    HoldRule,
    problems,
    send_id_in,
    unmatched_detail,
)

GOOD = dict(event_id="e1", kind="BOUNCE_HARD", source="INBOUND_SMTP", send_id="s1",
            message_id="", status_code="5.1.1", diagnostic="", evidence_sha256="a" * 64,
            reply_text="", feedback_type="")


@pytest.mark.parametrize(("change", "field"), [
    ({"event_id": ""}, "event_id"),
    ({"event_id": "x" * 201}, "event_id"),
    ({"event_id": "bad\nid"}, "event_id"),
    ({"kind": "UNSPECIFIED"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"source": ""}, "source"),
    ({"send_id": "", "message_id": ""}, "send_id"),
    ({"status_code": "550"}, "status_code"),
    ({"status_code": "5.1"}, "status_code"),
    ({"diagnostic": "d" * 1001}, "diagnostic"),
    ({"evidence_sha256": "A" * 64}, "evidence_sha256"),
    ({"reply_text": "r" * 10_001}, "reply_text"),
    ({"feedback_type": "f" * 65}, "feedback_type"),
])
def test_each_malformed_field_is_named(change, field):
    assert problems(**GOOD) == []
    assert [name for name, _ in problems(**{**GOOD, **change})] == [field]


@pytest.mark.parametrize(("message_id", "send_id"), [
    ("<1b2c@mail.example>", "1b2c"),
    ("1b2c@MAIL.example", "1b2c"),
    ("  <1b2c@mail.example>  ", "1b2c"),
    ("<1b2c@other.example>", ""),
    ("<@mail.example>", ""),
    ("no-at-sign", ""),
    ("<" + "x" * 37 + "@mail.example>", ""),
])
def test_an_aicmo_message_id_names_its_send(message_id, send_id):
    assert send_id_in(message_id, "mail.example") == send_id


@pytest.mark.parametrize(("state", "dry", "matches"), [
    ("SENT", False, True), ("UNKNOWN_OUTCOME", False, True), ("SENT", True, False),
    ("BLOCKED", False, False), ("QUEUED", False, False), (None, False, False)])
def test_only_a_message_that_left_can_have_events(state, dry, matches):
    assert (unmatched_detail(state, dry) == "") is matches


def test_what_reaches_leads_and_what_stops_mail():
    assert {k for k in EventKind if k.concerns_the_person} == set(EventKind) - {
        EventKind.DELIVERED}
    assert {k for k in EventKind if k.stops_mail} == {
        EventKind.BOUNCE_HARD, EventKind.COMPLAINT, EventKind.UNSUBSCRIBE}


@pytest.mark.parametrize(("figures", "held"), [
    ((49, 5, 0), ""),  # too few deliveries to judge
    ((200, 0, 0), ""),
    ((200, 1, 0), "1 complaint in the last 200 deliveries (0.5% > 0.3%)"),
    ((1000, 3, 0), ""),  # exactly 0.3% is not above it
    ((1000, 4, 0), "4 complaints in the last 1000 deliveries (0.4% > 0.3%)"),
    ((100, 0, 6), "6 unsubscribes in the last 100 deliveries (6.0% > 5.0%)"),
    ((100, 1, 5), "1 complaint in the last 100 deliveries (1.0% > 0.3%)"),
])
def test_the_hold_rule_says_why_with_the_figures(figures, held):
    rule = HoldRule(window=1000, minimum=50, complaint_ratio=0.003, unsubscribe_ratio=0.05)
    assert rule.reason(*figures) == held
    assert HoldRule(complaint_ratio=0, unsubscribe_ratio=0).reason(1000, 999, 999) == ""
