"""Inbound mail parsing over real-format samples: DSNs, plain bounces, ARF complaints,
auto-replies, replies, mailto unsubscribes, and hostile input that must never crash it."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicmo_gateway.inbound.events import EventKind, EventSource, InboundEvent, Refusal
from aicmo_gateway.inbound.mail import is_auto_reply, parse_mail
from aicmo_gateway.inbound.reply_text import new_text
from tests.unit.gateway.inbound.mail_samples import (
    BOUNCE,
    DOMAIN,
    MAIL_DOMAIN,
    MESSAGE_ID,
    RECEIVED,
    REPLY,
    SECRET,
    SEND_ID,
    UNSUBSCRIBE,
    sample,
)


def parse(raw: bytes, to: str, **options) -> list[InboundEvent] | Refusal:
    return parse_mail(raw, recipients=[to], secret=SECRET, domain=DOMAIN, received_at=RECEIVED,
                      message_id_domain=MAIL_DOMAIN, **options)


def only(raw: bytes, to: str, **options) -> InboundEvent:
    events = parse(raw, to, **options)
    assert isinstance(events, list) and len(events) == 1, events
    return events[0]


def test_an_rfc3464_permanent_failure_is_a_hard_bounce_of_its_send():
    raw = sample("dsn_hard.eml")
    event = only(raw, BOUNCE, mail_from="")
    assert event.kind is EventKind.BOUNCE_HARD
    assert event.source is EventSource.INBOUND_SMTP
    assert (event.send_id, event.message_id) == (SEND_ID, MESSAGE_ID)
    assert event.recipient == "jane.doe@recipient.example"
    assert event.status_code == "5.1.1"
    assert event.diagnostic.startswith("smtp; 550 5.1.1") and "\n" not in event.diagnostic
    assert event.event_id == event.evidence_sha256 == hashlib.sha256(raw).hexdigest()
    assert event.occurred_at.isoformat() == "2026-11-03T09:14:07+00:00"


def test_a_4xx_status_is_a_soft_bounce_and_a_delay_warning_is_nothing():
    event = only(sample("dsn_soft.eml"), BOUNCE)
    assert (event.kind, event.status_code) == (EventKind.BOUNCE_SOFT, "4.2.2")
    assert event.message_id == MESSAGE_ID  # from the text/rfc822-headers part
    assert parse(sample("dsn_delayed.eml"), BOUNCE) == []


def test_a_plain_text_bounce_is_still_matched_through_its_return_path():
    event = only(sample("bounce_plain_qmail.eml"), BOUNCE)
    assert (event.kind, event.send_id) == (EventKind.BOUNCE_HARD, SEND_ID)
    assert event.recipient == "old.address@legacy.example"
    assert event.status_code == "5.1.1" and "No such user" in event.diagnostic
    assert event.message_id == MESSAGE_ID


def test_a_bounce_without_any_status_counts_as_soft():
    raw = (f"From: MAILER-DAEMON@x.example\nTo: {BOUNCE}\nSubject: Mail delivery failed\n\n"
           "Your message could not be delivered.\n").encode()
    assert only(raw, BOUNCE).kind is EventKind.BOUNCE_SOFT


def test_an_arf_report_is_a_complaint_about_the_reported_message():
    event = only(sample("arf_complaint.eml"), BOUNCE)
    assert event.kind is EventKind.COMPLAINT
    assert (event.send_id, event.message_id) == (SEND_ID, MESSAGE_ID)
    assert event.recipient == "carol@mailbox-provider.example"
    assert event.feedback_type == "abuse"
    not_spam = sample("arf_complaint.eml").replace(b"Feedback-Type: abuse",
                                                   b"Feedback-Type: not-spam")
    assert parse(not_spam, BOUNCE) == []


def test_an_out_of_office_answer_is_an_auto_reply_never_a_reply():
    event = only(sample("auto_reply_ooo.eml"), REPLY)
    assert event.kind is EventKind.AUTO_REPLY and event.reply_text == ""
    assert event.message_id == MESSAGE_ID


@pytest.mark.parametrize("header", [
    "Auto-Submitted: auto-generated", "Auto-Submitted: auto-replied; owner-email=x@y.example",
    "X-Autoreply: yes", "X-Autorespond: vacation", "Precedence: bulk", "Precedence: junk",
    "Precedence: auto_reply", "Subject: Out of Office: back on Monday",
    "Subject: =?utf-8?q?Automatische_Antwort=3A_Abwesenheit?=",
    "Subject: I am away from the office this week",
])
def test_every_auto_reply_signal_is_recognised(header):
    raw = f"From: someone@prospect.example\nTo: {REPLY}\n{header}\n\nThanks!\n".encode()
    assert only(raw, REPLY).kind is EventKind.AUTO_REPLY


def test_auto_submitted_no_is_a_person_writing():
    raw = (f"From: a@prospect.example\nTo: {REPLY}\nAuto-Submitted: no\nSubject: Re: hi\n\n"
           "Sounds good.\n").encode()
    event = only(raw, REPLY)
    assert (event.kind, event.reply_text) == (EventKind.REPLY, "Sounds good.")
    from email import message_from_bytes
    assert not is_auto_reply(message_from_bytes(raw))


def test_a_reply_keeps_only_the_new_text():
    event = only(sample("reply_gmail.eml"), REPLY)
    assert event.kind is EventKind.REPLY
    assert (event.send_id, event.message_id) == (SEND_ID, MESSAGE_ID)
    assert event.recipient == "erin@prospect.example"
    assert event.reply_text == ("Thanks for reaching out \u2013 the price is a bit high for us "
                                "right now.\nCould we talk again next quarter?")
    outlook = only(sample("reply_outlook.eml"), REPLY)
    assert outlook.reply_text == ("I'm not the right person for this; please talk to our "
                                  "CTO.\n\nFrank")


def test_quoted_history_and_signatures_are_cut_in_every_common_shape():
    assert new_text("Yes.\n\nOn Mon, 2 Nov 2026, A <a@b> wrote:\n> old") == "Yes."
    assert new_text("Yes.\nOn Mon, 2 Nov 2026 at 10:00, A\nwrote:\n> old") == "Yes."
    assert new_text("Ja.\nAm 2. Nov. 2026 um 10:00 schrieb A <a@b>:\n> alt") == "Ja."
    assert new_text("Ok\n-----Original Message-----\nFrom: x") == "Ok"
    assert new_text("Ok\n-- \nBob\nCEO") == "Ok"
    assert new_text("> quoted\nnew line\n> more") == "new line"
    assert len(new_text("x" * 50_000)) == 10_000


def test_a_mailto_unsubscribe_is_an_unsubscribe():
    event = only(sample("unsubscribe_mailto.eml"), UNSUBSCRIBE)
    assert (event.kind, event.send_id) == (EventKind.UNSUBSCRIBE, SEND_ID)
    assert event.recipient == "grace@webmail.example"
    assert only(sample("unsubscribe_by_subject.eml"), REPLY).kind is EventKind.UNSUBSCRIBE


def test_a_forged_or_foreign_recipient_is_refused_with_its_reason():
    raw = sample("reply_gmail.eml")
    local, _, domain = REPLY.partition("@")
    forged = f"{local.rsplit('.', 1)[0]}.{'b' * 13}@{domain}"
    refusal = parse(raw, forged)
    assert isinstance(refusal, Refusal) and refusal.reason == "forged_return_path"
    foreign = parse(raw, "someone@elsewhere.example")
    assert isinstance(foreign, Refusal) and foreign.reason == "no_return_path"


def test_a_person_writing_to_the_bounce_address_is_kept_apart():
    raw = f"From: a@prospect.example\nTo: {BOUNCE}\nSubject: hello\n\nhi\n".encode()
    refusal = parse(raw, BOUNCE, mail_from="a@prospect.example")
    assert isinstance(refusal, Refusal) and refusal.reason == "not_a_bounce"


def test_an_oversize_message_is_refused():
    refusal = parse(b"x" * 2_001, REPLY, max_bytes=2_000)
    assert isinstance(refusal, Refusal) and refusal.reason == "too_large"


def test_hostile_messages_give_bounded_single_line_facts():
    truncated = only(sample("hostile_truncated_mime.eml"), BOUNCE)
    assert truncated.kind is EventKind.BOUNCE_HARD and truncated.status_code == "5.7.1"
    charset = only(sample("hostile_unknown_charset.eml"), REPLY)
    assert charset.kind is EventKind.REPLY and "bitte schicken" in charset.reply_text
    injected = only(sample("hostile_header_injection.eml"), REPLY)
    assert injected.recipient == "judy@prospect.example"
    for value in (injected.recipient, injected.message_id, injected.diagnostic):
        assert "\r" not in value and "\n" not in value


def test_a_message_sent_to_two_return_paths_gets_distinct_event_ids():
    other = REPLY.replace(SEND_ID, SEND_ID)  # the same address twice counts once
    raw = sample("reply_gmail.eml")
    events = parse_mail(raw, recipients=[REPLY, other], secret=SECRET, domain=DOMAIN,
                        received_at=RECEIVED)
    assert len(events) == 1
    from aicmo_common import verp
    second = verp.reply_address("0f0f0f0f-0000-4000-8000-000000000000", secret=SECRET,
                                domain=DOMAIN)
    events = parse_mail(raw, recipients=[REPLY, second], secret=SECRET, domain=DOMAIN,
                        received_at=RECEIVED)
    assert [e.event_id[-2:] for e in events][1] == ":1"
    assert len({e.event_id for e in events}) == 2


# -- fuzzing ------------------------------------------------------------------------------

HEADER_NAMES = st.sampled_from([
    "From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted",
    "Precedence", "In-Reply-To", "References", "Message-ID", "Date", "X-Autoreply",
    "Content-Disposition", "MIME-Version"])
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from([
        "multipart/report; report-type=delivery-status; boundary=B",
        "multipart/report; report-type=feedback-report; boundary=B", "message/rfc822",
        "message/delivery-status", "message/feedback-report", "text/plain; charset=x-bogus",
        "multipart/mixed; boundary=", "base64", "quoted-printable", "=?utf-8?b?!!!?=",
        "<a@b>", "auto-replied", "bulk", "Out of office", "\r\nBcc: x@y", "=?bogus?q?x?="]))
BODY_LINES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["--B", "--B--", "Content-Type: message/delivery-status", "",
                     "Final-Recipient: rfc822; a@b", "Status: 5.1.1", "Action: failed",
                     "Status: 9.9.9999", "Feedback-Type: abuse", "> quoted", "-- ",
                     "On Mon wrote:", "Message-ID: <x@y>", "=ZZ", "\x00\xff"]))


@st.composite
def messages(draw) -> bytes:
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8))
    body = draw(st.lists(BODY_LINES, max_size=30))
    text = "".join(f"{name}: {value}\n" for name, value in headers) + "\n" + "\n".join(body)
    data = text.encode("utf-8", "surrogateescape")
    cut = draw(st.integers(0, len(data)))
    return data[:cut] if draw(st.booleans()) else data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.sampled_from([BOUNCE, REPLY, UNSUBSCRIBE]), st.sampled_from([None, ""]))
def test_any_message_yields_events_or_a_refusal_never_an_exception(raw, to, mail_from):
    result = parse(raw, to, mail_from=mail_from)
    assert isinstance(result, (list, Refusal))
    for event in result if isinstance(result, list) else []:
        assert event.send_id == SEND_ID
        assert event.kind is not None and len(event.event_id) <= 200
        assert len(event.diagnostic) <= 1_000 and len(event.reply_text) <= 10_000
        assert "\n" not in event.recipient + event.message_id + event.diagnostic


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3_000))
def test_random_bytes_never_crash_the_parser(raw):
    assert isinstance(parse(raw, REPLY), (list, Refusal))
