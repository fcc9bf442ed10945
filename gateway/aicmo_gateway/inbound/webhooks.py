"""Provider event webhooks: how each is authenticated and what its payload means.

Pure functions over the raw request (body and headers) and the configuration; the routes in
:mod:`aicmo_gateway.inbound.routes` only translate. Every check answers a :class:`Refusal` whose
reason decides the HTTP status (:data:`REFUSAL_STATUS`); nothing is parsed before the request
is authenticated.

- Amazon SES through SNS: the SNS message signature (SignatureVersion 1: SHA-1, 2: SHA-256,
  RSA) with the certificate at SigningCertURL, fetched only from ``https://sns.<region>.
  amazonaws.com/``; only topics on the allow-list are confirmed or accepted.
- SendGrid Event Webhook: ECDSA P-256 over timestamp + body with the configured public key.
- Postmark: HTTP basic-auth credentials set on the webhook.
- Generic: the product's own format, ``X-Aicmo-Signature: v1=<hex HMAC-SHA256 over
  "<timestamp>.<body>">`` with ``X-Aicmo-Timestamp`` within five minutes (the scheme
  distribution's webhook channel signs with), body a JSON list of events.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from aicmo_common import signed_body, verp
from aicmo_gateway.inbound import signatures
from aicmo_gateway.inbound.events import (
    MAX_DIAGNOSTIC,
    MAX_EVENT_ID,
    MAX_REPLY_TEXT,
    EventKind,
    EventSource,
    InboundEvent,
    Refusal,
    bare_message_id,
    one_line,
)

MAX_EVENTS = 500
DEFAULT_TOLERANCE_SECONDS = 300
REFUSAL_STATUS = {
    "not_configured": 404, "malformed": 400, "too_many_events": 413,
    "unsigned": 401, "missing_credentials": 401,
    "bad_signature": 403, "bad_credentials": 403, "stale": 403, "topic_not_allowed": 403,
    "bad_certificate_url": 403, "certificate_unavailable": 503, "replayed": 409,
}
_SNS_HOST = re.compile(r"sns\.[a-z0-9-]{1,30}\.amazonaws\.com(\.cn)?")
_KIND_WORDS = {kind.value: kind for kind in EventKind}


def _text(value: object, limit: int = 320) -> str:
    return one_line(value, limit) if isinstance(value, (str, int, float)) else ""


def _when(value: object, fallback: dt.datetime) -> dt.datetime:
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, str) and value:
            parsed = dt.datetime.fromisoformat(value.strip())
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return fallback


def _event_id(*parts: object) -> str:
    return one_line(":".join(str(p) for p in parts), MAX_EVENT_ID)


class ReplayGuard:
    """Remembers what was accepted in the last ``ttl_seconds`` (at most ``capacity`` keys),
    so a request replayed to this replica is refused; event ids make one replayed to another
    replica harmless downstream."""

    def __init__(self, ttl_seconds: float = 3_600, capacity: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def seen(self, key: str) -> bool:
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= self._ttl:
                break
            self._seen.pop(oldest)
        return key in self._seen

    def remember(self, key: str) -> None:
        self._seen[key] = self._clock()
        self._seen.move_to_end(key)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)


def check_timestamp(signature: str, timestamp: str, now: float, tolerance: float
                    ) -> Refusal | None:
    """Refuses a post without both signature headers, or signed too long ago (or ahead)."""
    if not signature or not timestamp:
        return Refusal("unsigned", "the signature and timestamp headers are required")
    try:
        timestamp.encode("ascii")
        stamp = float(timestamp)
    except (ValueError, UnicodeEncodeError):
        return Refusal("unsigned", "the timestamp header is not a number")
    if abs(now - stamp) > tolerance:
        return Refusal("stale", f"the timestamp is more than {int(tolerance)} seconds away")
    return None


# -- generic ------------------------------------------------------------------------------

def verify_generic(secret: str, body: bytes, headers: Mapping[str, str], now: float,
                   tolerance: float = DEFAULT_TOLERANCE_SECONDS) -> Refusal | None:
    signature = headers.get("x-aicmo-signature", "")
    timestamp = headers.get("x-aicmo-timestamp", "")
    missing = check_timestamp(signature, timestamp, now, tolerance)
    if missing is not None:
        return missing
    if not signed_body.matches(secret, timestamp, body, signature):
        return Refusal("bad_signature", "the signature does not match the body")
    return None


def parse_generic(payload: object, evidence: str, received_at: dt.datetime
                  ) -> list[InboundEvent] | Refusal:
    if not isinstance(payload, list) or not payload:
        return Refusal("malformed", "the body must be a non-empty JSON list of events")
    if len(payload) > MAX_EVENTS:
        return Refusal("too_many_events", f"at most {MAX_EVENTS} events a request")
    events = []
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            return Refusal("malformed", f"event {index} is not an object")
        kind = _KIND_WORDS.get(str(item.get("kind", "")).lower())
        event_id = _text(item.get("id"), MAX_EVENT_ID)
        send_id, message_id = _text(item.get("send_id"), 100), _text(item.get("message_id"), 500)
        if kind is None or not event_id or not (send_id or message_id):
            return Refusal("malformed", f"event {index} needs an id, a known kind and a "
                                        "send_id or message_id")
        events.append(InboundEvent(
            event_id=_event_id("generic", event_id), kind=kind, source=EventSource.GENERIC,
            evidence_sha256=evidence, send_id=send_id, message_id=message_id,
            recipient=_text(item.get("recipient")).lower(),
            occurred_at=_when(item.get("occurred_at"), received_at),
            status_code=_text(item.get("status_code"), 20),
            diagnostic=_text(item.get("diagnostic"), MAX_DIAGNOSTIC),
            reply_text=str(item.get("reply_text") or "")[:MAX_REPLY_TEXT]
            if isinstance(item.get("reply_text"), str) else "",
            feedback_type=_text(item.get("feedback_type"), 50)))
    return events


# -- SendGrid -----------------------------------------------------------------------------

SENDGRID_SIGNATURE = "x-twilio-email-event-webhook-signature"
SENDGRID_TIMESTAMP = "x-twilio-email-event-webhook-timestamp"


def verify_sendgrid(key: tuple[int, int], body: bytes, headers: Mapping[str, str],
                    now: float, tolerance: float = DEFAULT_TOLERANCE_SECONDS
                    ) -> Refusal | None:
    signature, timestamp = headers.get(SENDGRID_SIGNATURE, ""), headers.get(SENDGRID_TIMESTAMP, "")
    missing = check_timestamp(signature, timestamp, now, tolerance)
    if missing is not None:
        return missing
    try:
        der = base64.b64decode(signature, validate=True)
        signed = timestamp.encode("ascii") + body
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return Refusal("bad_signature", "the signature is not base64")
    if not signatures.verify_ecdsa_p256_sha256(key, signed, der):
        return Refusal("bad_signature", "the signature does not match the body")
    return None


_SENDGRID_DROPPED = {
    "bounced address": EventKind.BOUNCE_HARD, "invalid": EventKind.BOUNCE_HARD,
    "unsubscribed address": EventKind.UNSUBSCRIBE,
    "spam reporting address": EventKind.COMPLAINT,
}


def _sendgrid_kind(item: dict) -> EventKind | None:
    event = str(item.get("event", "")).lower()
    if event == "bounce":
        # "blocked" is SendGrid's word for a refusal that may pass later (reputation, content).
        return EventKind.BOUNCE_SOFT if str(item.get("type", "")).lower() == "blocked" \
            else EventKind.BOUNCE_HARD
    if event == "dropped":
        # Other drop reasons (spam content, quota) say nothing about the person.
        return _SENDGRID_DROPPED.get(str(item.get("reason", "")).strip().lower())
    return {"spamreport": EventKind.COMPLAINT, "unsubscribe": EventKind.UNSUBSCRIBE,
            "group_unsubscribe": EventKind.UNSUBSCRIBE,
            "delivered": EventKind.DELIVERED}.get(event)


def parse_sendgrid(payload: object, evidence: str, received_at: dt.datetime
                   ) -> list[InboundEvent] | Refusal:
    """SendGrid posts a JSON list; custom args (``send_id``) arrive as top-level keys and the
    ``smtp-id`` is the Message-ID the message was sent with."""
    if not isinstance(payload, list):
        return Refusal("malformed", "a SendGrid post is a JSON list of events")
    if len(payload) > 5 * MAX_EVENTS:
        return Refusal("too_many_events", "too many events in one post")
    events = []
    for item in payload:
        kind = _sendgrid_kind(item) if isinstance(item, dict) else None
        if kind is None:
            continue  # opens, clicks, processed, deferred: not delivery events here
        identity = _text(item.get("sg_event_id"), 150) or hashlib.sha256(
            repr(sorted(item.items())).encode()).hexdigest()
        events.append(InboundEvent(
            event_id=_event_id("sendgrid", identity), kind=kind, source=EventSource.SENDGRID,
            evidence_sha256=evidence, send_id=_text(item.get("send_id"), 100),
            message_id=bare_message_id(item.get("smtp-id")),
            recipient=_text(item.get("email")).lower(),
            occurred_at=_when(item.get("timestamp"), received_at),
            status_code=_text(item.get("status"), 20),
            diagnostic=_text(item.get("reason"), MAX_DIAGNOSTIC),
            feedback_type="abuse" if kind is EventKind.COMPLAINT else ""))
    return [event for event in events if event.send_id or event.message_id]


# -- Postmark -----------------------------------------------------------------------------

def verify_postmark(user: str, password: str, headers: Mapping[str, str]) -> Refusal | None:
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return Refusal("missing_credentials", "send the webhook's basic-auth credentials")
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return Refusal("bad_credentials", "the credentials are not base64")
    expected = f"{user}:{password}".encode()
    if not hmac.compare_digest(given, expected):
        return Refusal("bad_credentials", "the credentials do not match")
    return None


_POSTMARK_BOUNCES = {
    "hardbounce": EventKind.BOUNCE_HARD, "bademailaddress": EventKind.BOUNCE_HARD,
    "softbounce": EventKind.BOUNCE_SOFT, "transient": EventKind.BOUNCE_SOFT,
    "dnserror": EventKind.BOUNCE_SOFT, "blocked": EventKind.BOUNCE_SOFT,
    "autoresponder": EventKind.AUTO_REPLY, "spamcomplaint": EventKind.COMPLAINT,
    "unsubscribe": EventKind.UNSUBSCRIBE,
}
_POSTMARK_SUPPRESSIONS = {
    "hardbounce": EventKind.BOUNCE_HARD, "spamcomplaint": EventKind.COMPLAINT,
    "manualsuppression": EventKind.UNSUBSCRIBE,
}


def parse_postmark(payload: object, evidence: str, received_at: dt.datetime
                   ) -> list[InboundEvent] | Refusal:
    """One Postmark record. Its ``MessageID`` is Postmark's own; the send is named by the
    ``send_id`` metadata (``X-PM-Metadata-send_id``) the message was sent with."""
    if not isinstance(payload, dict) or not isinstance(payload.get("RecordType"), str):
        return Refusal("malformed", "a Postmark post is one JSON object with a RecordType")
    record = payload["RecordType"].lower()
    metadata = payload.get("Metadata") if isinstance(payload.get("Metadata"), dict) else {}
    send_id = _text(metadata.get("send_id"), 100)
    message_id = bare_message_id(metadata.get("message_id"))
    provider_id = _text(payload.get("MessageID"), 100)
    if record in ("bounce", "spamcomplaint"):
        kind = _POSTMARK_BOUNCES.get(str(payload.get("Type", "")).lower())
        if record == "spamcomplaint":
            kind = EventKind.COMPLAINT
        identity = _event_id("postmark", record, _text(payload.get("ID"), 50) or provider_id)
        when = payload.get("BouncedAt")
        recipient = _text(payload.get("Email")).lower()
        diagnostic = _text(payload.get("Details") or payload.get("Description"),
                           MAX_DIAGNOSTIC)
    elif record == "subscriptionchange":
        if payload.get("SuppressSending") is not True:
            return []  # a reactivation is not feedback
        kind = _POSTMARK_SUPPRESSIONS.get(str(payload.get("SuppressionReason", "")).lower())
        when = payload.get("ChangedAt")
        identity = _event_id("postmark", record, provider_id, _text(when, 40))
        recipient = _text(payload.get("Recipient")).lower()
        diagnostic = _text(payload.get("SuppressionReason"), MAX_DIAGNOSTIC)
    elif record == "delivery":
        kind, when = EventKind.DELIVERED, payload.get("DeliveredAt")
        recipient = _text(payload.get("Recipient")).lower()
        identity = _event_id("postmark", record, provider_id,
                             hashlib.sha256(recipient.encode()).hexdigest()[:16])
        diagnostic = _text(payload.get("Details"), MAX_DIAGNOSTIC)
    else:
        return []
    if kind is None or not (send_id or message_id):
        return []
    return [InboundEvent(
        event_id=identity, kind=kind, source=EventSource.POSTMARK, evidence_sha256=evidence,
        send_id=send_id, message_id=message_id, recipient=recipient,
        occurred_at=_when(when, received_at), diagnostic=diagnostic,
        feedback_type="abuse" if kind is EventKind.COMPLAINT else "")]


# -- Amazon SES through SNS ---------------------------------------------------------------

_SNS_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                 "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                "TopicArn", "Type"),
}


def sns_string_to_sign(envelope: Mapping[str, object]) -> bytes:
    """The canonical string SNS signs: ``name\\nvalue\\n`` for each signed field present, in
    the documented order (Subject only when the message has one)."""
    names = _SNS_FIELDS[str(envelope["Type"])]
    return "".join(f"{name}\n{envelope[name]}\n" for name in names
                   if name in envelope and envelope[name] is not None).encode("utf-8")


def sns_host_allowed(url: str) -> bool:
    """Only ``https://sns.<region>.amazonaws.com/`` (or ``.com.cn``), default port."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme == "https" and parts.port is None and not parts.username
            and bool(_SNS_HOST.fullmatch(parts.hostname or "")))


class SnsVerifier:
    """Checks an SNS envelope; certificates are fetched once per URL and kept."""

    def __init__(self, topic_arns: tuple[str, ...],
                 fetch: Callable[[str], Awaitable[bytes]], cache_size: int = 32) -> None:
        self.topic_arns = set(topic_arns)
        self._fetch = fetch
        self._keys: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, envelope: object) -> Refusal | None:
        if not isinstance(envelope, dict) or envelope.get("Type") not in _SNS_FIELDS \
                or not all(isinstance(envelope.get(n), str) for n in
                           ("MessageId", "TopicArn", "Signature", "SigningCertURL")):
            return Refusal("malformed", "not an SNS message")
        if envelope["TopicArn"] not in self.topic_arns:
            return Refusal("topic_not_allowed", "the topic is not on AICMO_SNS_TOPIC_ARNS")
        version = envelope.get("SignatureVersion")
        hash_name = {"1": "sha1", "2": "sha256"}.get(str(version))
        if hash_name is None:
            return Refusal("bad_signature", "unknown SignatureVersion")
        url = envelope["SigningCertURL"]
        if not sns_host_allowed(url) or not urlsplit(url).path.endswith(".pem"):
            return Refusal("bad_certificate_url", "the signing certificate is not an SNS one")
        key = self._keys.get(url)
        if key is None:
            try:
                key = signatures.rsa_key_from_certificate(await self._fetch(url))
            except signatures.InvalidKey:
                return Refusal("bad_signature", "the signing certificate is unreadable")
            except Exception:  # network: SNS retries a 5xx
                return Refusal("certificate_unavailable", "the signing certificate could "
                                                          "not be fetched")
            self._keys[url] = key
            while len(self._keys) > self._cache_size:
                self._keys.popitem(last=False)
        try:
            signature = base64.b64decode(envelope["Signature"], validate=True)
            signed = sns_string_to_sign(envelope)
        except (binascii.Error, ValueError, KeyError):
            return Refusal("bad_signature", "the signature is not base64")
        if not signatures.verify_rsa_pkcs1v15(key, signed, signature, hash_name):
            return Refusal("bad_signature", "the signature does not match the message")
        return None


def _ses_correlation(mail: dict, secret: str, domain: str) -> tuple[str, str]:
    """(send id, Message-ID) of the SES ``mail`` object: the send from the verified return
    path (``source``) or the X-Aicmo-Send-Id header, the Message-ID from the headers."""
    send_id = ""
    source = mail.get("source")
    if isinstance(source, str) and secret and domain:
        try:
            send_id = verp.parse(source, secret=secret, domain=domain).send_id
        except verp.InvalidReturnPath:
            send_id = ""
    headers = mail.get("headers") if isinstance(mail.get("headers"), list) else []
    named = {str(h.get("name", "")).lower(): h.get("value") for h in headers
             if isinstance(h, dict)}
    send_id = send_id or _text(named.get("x-aicmo-send-id"), 100)
    common = mail.get("commonHeaders") if isinstance(mail.get("commonHeaders"), dict) else {}
    message_id = bare_message_id(common.get("messageId") or named.get("message-id"))
    return send_id, message_id


def parse_ses(message: object, sns_message_id: str, evidence: str, received_at: dt.datetime,
              *, secret: str = "", domain: str = "") -> list[InboundEvent] | Refusal:
    """An SES notification (the SNS ``Message``): Bounce, Complaint or Delivery, one event per
    recipient it names."""
    if not isinstance(message, dict) or not isinstance(message.get("mail"), dict):
        return Refusal("malformed", "not an SES notification")
    kind_name = str(message.get("notificationType") or message.get("eventType") or "")
    send_id, message_id = _ses_correlation(message["mail"], secret, domain)
    if not (send_id or message_id):
        return []
    base = dict(source=EventSource.SES, evidence_sha256=evidence, send_id=send_id,
                message_id=message_id)
    events = []
    if kind_name == "Bounce" and isinstance(message.get("bounce"), dict):
        bounce = message["bounce"]
        kind = EventKind.BOUNCE_HARD if bounce.get("bounceType") == "Permanent" \
            else EventKind.BOUNCE_SOFT
        identity = _text(bounce.get("feedbackId"), 150) or sns_message_id
        for index, item in enumerate(bounce.get("bouncedRecipients") or []):
            if isinstance(item, dict):
                events.append(InboundEvent(
                    event_id=_event_id("ses", identity, index), kind=kind,
                    recipient=_text(item.get("emailAddress")).lower(),
                    occurred_at=_when(bounce.get("timestamp"), received_at),
                    status_code=_text(item.get("status"), 20),
                    diagnostic=_text(item.get("diagnosticCode") or bounce.get("bounceSubType"),
                                     MAX_DIAGNOSTIC), **base))
    elif kind_name == "Complaint" and isinstance(message.get("complaint"), dict):
        complaint = message["complaint"]
        if complaint.get("complaintSubType") == "OnAccountSuppressionList":
            return []  # SES refused to send; no person complained
        identity = _text(complaint.get("feedbackId"), 150) or sns_message_id
        for index, item in enumerate(complaint.get("complainedRecipients") or []):
            if isinstance(item, dict):
                events.append(InboundEvent(
                    event_id=_event_id("ses", identity, index), kind=EventKind.COMPLAINT,
                    recipient=_text(item.get("emailAddress")).lower(),
                    occurred_at=_when(complaint.get("timestamp"), received_at),
                    feedback_type=_text(complaint.get("complaintFeedbackType"), 50) or "abuse",
                    **base))
    elif kind_name == "Delivery" and isinstance(message.get("delivery"), dict):
        delivery = message["delivery"]
        for index, recipient in enumerate(delivery.get("recipients") or []):
            events.append(InboundEvent(
                event_id=_event_id("ses", sns_message_id, "delivery", index),
                kind=EventKind.DELIVERED, recipient=_text(recipient).lower(),
                occurred_at=_when(delivery.get("timestamp"), received_at),
                diagnostic=_text(delivery.get("smtpResponse"), MAX_DIAGNOSTIC), **base))
    return events
