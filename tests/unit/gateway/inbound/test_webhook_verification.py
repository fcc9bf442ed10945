"""Webhook authentication and payload meaning, over the sample payloads: SNS signatures (v1
and v2) with certificates from SNS hosts only, SendGrid's ECDSA, Postmark's basic auth, the
generic HMAC; every provider's parser over real-shaped payloads and fuzzed ones."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicmo_common import signed_body
from aicmo_gateway.inbound import signatures, webhooks
from aicmo_gateway.inbound.events import EventKind, EventSource, Refusal
from tests.unit.gateway.inbound.mail_samples import DOMAIN, FIXTURES, MESSAGE_ID, SECRET, SEND_ID
from tests.unit.gateway.inbound.signing import SNS_CERT_URL, TOPIC_ARN, Keys, make_keys

NOW = dt.datetime(2026, 11, 12, tzinfo=dt.UTC)


def payload(name: str):
    return json.loads((FIXTURES / "webhooks" / name).read_text())


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


# -- signatures -------------------------------------------------------------------------

def test_rsa_and_ecdsa_signatures_made_by_openssl_verify_and_altered_ones_do_not(keys):
    rsa = signatures.rsa_key_from_certificate(keys.certificate)
    for hash_name in ("sha1", "sha256"):
        signature = keys.rsa_sign(b"message", hash_name)
        assert signatures.verify_rsa_pkcs1v15(rsa, b"message", signature, hash_name)
        assert not signatures.verify_rsa_pkcs1v15(rsa, b"messagf", signature, hash_name)
        flipped = bytes([signature[0] ^ 1]) + signature[1:]
        assert not signatures.verify_rsa_pkcs1v15(rsa, b"message", flipped, hash_name)
    sha1 = keys.rsa_sign(b"message", "sha1")
    assert not signatures.verify_rsa_pkcs1v15(rsa, b"message", sha1, "sha256")
    ec = signatures.ec_p256_key(keys.sendgrid_public_key)
    signature = keys.ec_sign(b"message")
    assert signatures.verify_ecdsa_p256_sha256(ec, b"message", signature)
    assert not signatures.verify_ecdsa_p256_sha256(ec, b"messagf", signature)


def test_keys_of_the_wrong_kind_or_shape_are_refused(keys):
    with pytest.raises(signatures.InvalidKey):
        signatures.ec_p256_key(base64.b64encode(b"\x30\x03\x02\x01\x01").decode())
    with pytest.raises(signatures.InvalidKey):
        signatures.rsa_key_from_certificate(b"-----BEGIN CERTIFICATE-----\nAAAA\n"
                                            b"-----END CERTIFICATE-----\n")
    with pytest.raises(signatures.InvalidKey):
        signatures.ec_p256_key("not base64 !!")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_signatures_and_keys_never_raise_anything_unexpected(keys, data):
    ec_key = signatures.ec_p256_key(keys.sendgrid_public_key)
    assert signatures.verify_ecdsa_p256_sha256(ec_key, b"m", data) is False
    rsa_key = signatures.rsa_key_from_certificate(keys.certificate)
    assert signatures.verify_rsa_pkcs1v15(rsa_key, b"m", data, "sha256") is False
    encoded = base64.b64encode(data).decode()
    pem = f"-----BEGIN CERTIFICATE-----\n{encoded}\n-----END CERTIFICATE-----\n"
    for parse, value in ((signatures.ec_p256_key, encoded),
                         (signatures.rsa_key_from_certificate, pem)):
        try:
            parse(value)
        except signatures.InvalidKey:
            pass


# -- SNS --------------------------------------------------------------------------------

def fetcher(keys: Keys, calls: list[str]):
    async def fetch(url: str) -> bytes:
        calls.append(url)
        return keys.certificate
    return fetch


@pytest.mark.parametrize("version", ["1", "2"])
async def test_a_genuine_sns_message_verifies_and_its_certificate_is_fetched_once(keys, version):
    calls: list[str] = []
    verifier = webhooks.SnsVerifier((TOPIC_ARN,), fetcher(keys, calls))
    envelope = keys.sns_envelope(payload("ses_bounce.json"), version=version)
    assert await verifier.verify(envelope) is None
    assert await verifier.verify(envelope) is None
    assert calls == [SNS_CERT_URL]


async def test_forged_or_foreign_sns_messages_are_refused_before_or_at_the_signature(keys):
    calls: list[str] = []
    verifier = webhooks.SnsVerifier((TOPIC_ARN,), fetcher(keys, calls))
    genuine = keys.sns_envelope(payload("ses_bounce.json"))
    tampered = dict(genuine, Message=genuine["Message"].replace("Permanent", "Transient"))
    assert (await verifier.verify(tampered)).reason == "bad_signature"
    other_topic = keys.sns_envelope(payload("ses_bounce.json"),
                                    topic="arn:aws:sns:us-east-1:999999999999:other")
    assert (await verifier.verify(other_topic)).reason == "topic_not_allowed"
    for url in ("http://sns.us-east-1.amazonaws.com/c.pem",
                "https://sns.us-east-1.amazonaws.com.evil.example/c.pem",
                "https://evil.example/sns.us-east-1.amazonaws.com/c.pem",
                "https://sns.us-east-1.amazonaws.com:8443/c.pem",
                "https://user@sns.us-east-1.amazonaws.com/c.pem"):
        forged = keys.sns_envelope(payload("ses_bounce.json"), cert_url=url)
        assert (await verifier.verify(forged)).reason == "bad_certificate_url", url
    assert calls == [SNS_CERT_URL]  # no forged URL was ever fetched
    assert (await verifier.verify(dict(genuine, SignatureVersion="3"))).reason == \
        "bad_signature"
    assert (await verifier.verify({"Type": "Notification"})).reason == "malformed"


def test_ses_notifications_become_events_of_their_send():
    (bounce,) = webhooks.parse_ses(payload("ses_bounce.json"), "m-1", "e" * 64, NOW,
                                   secret=SECRET, domain=DOMAIN)
    assert (bounce.kind, bounce.source) == (EventKind.BOUNCE_HARD, EventSource.SES)
    assert (bounce.send_id, bounce.message_id, bounce.status_code) == (SEND_ID, MESSAGE_ID,
                                                                       "5.1.1")
    assert bounce.event_id.startswith("ses:0100018b9c1a2b3c")
    (complaint,) = webhooks.parse_ses(payload("ses_complaint.json"), "m-2", "e" * 64, NOW)
    assert (complaint.kind, complaint.feedback_type) == (EventKind.COMPLAINT, "abuse")
    assert complaint.send_id == SEND_ID  # from the X-Aicmo-Send-Id header
    (delivery,) = webhooks.parse_ses(payload("ses_delivery.json"), "m-3", "e" * 64, NOW)
    assert delivery.kind is EventKind.DELIVERED and delivery.message_id == MESSAGE_ID
    transient = payload("ses_bounce.json")
    transient["bounce"]["bounceType"] = "Transient"
    assert webhooks.parse_ses(transient, "m", "e", NOW)[0].kind is EventKind.BOUNCE_SOFT


# -- SendGrid, Postmark, generic ----------------------------------------------------------

def test_sendgrid_signature_covers_timestamp_and_body(keys):
    key = signatures.ec_p256_key(keys.sendgrid_public_key)
    body = (FIXTURES / "webhooks" / "sendgrid_events.json").read_bytes()
    stamp = str(int(NOW.timestamp()))
    signature = base64.b64encode(keys.ec_sign(stamp.encode() + body)).decode()
    headers = {webhooks.SENDGRID_SIGNATURE: signature, webhooks.SENDGRID_TIMESTAMP: stamp}
    now = NOW.timestamp()
    assert webhooks.verify_sendgrid(key, body, headers, now) is None
    assert webhooks.verify_sendgrid(key, body + b" ", headers, now).reason == "bad_signature"
    assert webhooks.verify_sendgrid(key, body, headers, now + 301).reason == "stale"
    assert webhooks.verify_sendgrid(key, body, {}, now).reason == "unsigned"


def test_sendgrid_events_map_to_delivery_events():
    events = webhooks.parse_sendgrid(payload("sendgrid_events.json"), "e" * 64, NOW)
    kinds = [(e.kind, e.recipient) for e in events]
    assert kinds == [
        (EventKind.BOUNCE_HARD, "jane.doe@recipient.example"),
        (EventKind.BOUNCE_SOFT, "bob@full.example"),
        (EventKind.COMPLAINT, "carol@mailbox-provider.example"),
        (EventKind.UNSUBSCRIBE, "dave@customer.example"),
        (EventKind.UNSUBSCRIBE, "erin@prospect.example"),
        (EventKind.BOUNCE_HARD, "frank@corp.example"),
        (EventKind.DELIVERED, "grace@webmail.example"),
    ]  # the open and the spam-content drop say nothing about the person
    assert events[0].send_id == SEND_ID and events[0].message_id == MESSAGE_ID
    assert events[0].event_id == "sendgrid:Ym91bmNlLTAtMzQ1Njc4OQ"


def test_postmark_credentials_and_records():
    good = {"authorization": "Basic " + base64.b64encode(b"hook:pass-word").decode()}
    assert webhooks.verify_postmark("hook", "pass-word", good) is None
    assert webhooks.verify_postmark("hook", "other", good).reason == "bad_credentials"
    assert webhooks.verify_postmark("hook", "pass-word", {}).reason == "missing_credentials"
    cases = {"postmark_bounce.json": EventKind.BOUNCE_HARD,
             "postmark_spam_complaint.json": EventKind.COMPLAINT,
             "postmark_subscription_change.json": EventKind.UNSUBSCRIBE,
             "postmark_delivery.json": EventKind.DELIVERED}
    for name, kind in cases.items():
        (event,) = webhooks.parse_postmark(payload(name), "e" * 64, NOW)
        assert (event.kind, event.send_id, event.source) == (kind, SEND_ID,
                                                              EventSource.POSTMARK), name
    reactivated = dict(payload("postmark_subscription_change.json"), SuppressSending=False)
    assert webhooks.parse_postmark(reactivated, "e", NOW) == []


def test_the_generic_format_is_signed_fresh_and_strict():
    secret = "g" * 40
    body = (FIXTURES / "webhooks" / "generic_events.json").read_bytes()
    stamp = str(int(NOW.timestamp()))
    headers = {"x-aicmo-timestamp": stamp,
               "x-aicmo-signature": signed_body.signature(secret, stamp, body)}
    now = NOW.timestamp()
    assert webhooks.verify_generic(secret, body, headers, now) is None
    assert webhooks.verify_generic("h" * 40, body, headers, now).reason == "bad_signature"
    assert webhooks.verify_generic(secret, body, headers, now - 400).reason == "stale"
    events = webhooks.parse_generic(json.loads(body), "e" * 64, NOW)
    assert [e.kind for e in events] == [EventKind.BOUNCE_HARD, EventKind.REPLY]
    assert events[1].message_id == MESSAGE_ID and events[1].reply_text.startswith("Interested")
    bad = webhooks.parse_generic([{"id": "x", "kind": "nonsense", "send_id": "s"}], "e", NOW)
    assert isinstance(bad, Refusal) and bad.reason == "malformed"
    many = webhooks.parse_generic([json.loads(body)[0]] * 501, "e", NOW)
    assert isinstance(many, Refusal) and many.reason == "too_many_events"


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=20),
              st.sampled_from(["Bounce", "Permanent", "bounce", "dropped", "Bounced Address",
                               "HardBounce", "SubscriptionChange", "2026-13-45T99:00Z"])),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.sampled_from([
            "notificationType", "mail", "bounce", "bouncedRecipients", "complaint",
            "delivery", "recipients", "source", "headers", "commonHeaders", "messageId",
            "event", "email", "send_id", "smtp-id", "timestamp", "type", "reason",
            "RecordType", "Type", "Metadata", "MessageID", "SuppressSending", "id", "kind",
            "occurred_at", "reply_text"]), children, max_size=6)),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_every_payload_parser_answers_events_or_a_refusal_for_any_json(value):
    for parse in (lambda v: webhooks.parse_ses(v, "m", "e", NOW, secret=SECRET, domain=DOMAIN),
                  lambda v: webhooks.parse_sendgrid(v, "e", NOW),
                  lambda v: webhooks.parse_postmark(v, "e", NOW),
                  lambda v: webhooks.parse_generic(v, "e", NOW)):
        result = parse(value)
        assert isinstance(result, (list, Refusal))
        for event in result if isinstance(result, list) else []:
            assert event.event_id and (event.send_id or event.message_id)


def test_the_replay_guard_forgets_after_its_window():
    now = [0.0]
    guard = webhooks.ReplayGuard(ttl_seconds=10, capacity=2, clock=lambda: now[0])
    guard.remember("a")
    assert guard.seen("a") and not guard.seen("b")
    now[0] = 11
    assert not guard.seen("a")
    for key in "xyz":
        guard.remember(key)
    assert not guard.seen("x") and guard.seen("z")


def test_fixtures_exist_for_every_provider():
    names = {path.name for path in Path(FIXTURES / "webhooks").glob("*.json")}
    assert {"ses_bounce.json", "sendgrid_events.json", "postmark_bounce.json",
            "generic_events.json"} <= names
