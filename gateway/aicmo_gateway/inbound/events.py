"""What the inbound side learns, before it becomes a proto: one :class:`InboundEvent` per thing
that happened to one sent message, or a :class:`Refusal` saying why nothing may be learned."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from dataclasses import dataclass

MAX_DIAGNOSTIC = 1_000
MAX_REPLY_TEXT = 10_000
MAX_EVENT_ID = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class EventKind(enum.Enum):
    """What happened (``aicmo.distribution.v1.DeliveryEventKind``)."""

    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    COMPLAINT = "complaint"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    UNSUBSCRIBE = "unsubscribe"
    DELIVERED = "delivered"


class EventSource(enum.Enum):
    """Where the edge learned it (``aicmo.distribution.v1.DeliveryEventSource``)."""

    INBOUND_SMTP = "inbound_smtp"
    SES = "ses"
    SENDGRID = "sendgrid"
    POSTMARK = "postmark"
    GENERIC = "generic"


@dataclass(frozen=True)
class InboundEvent:
    """One event about one sent message. ``send_id`` comes from a verified return path or the
    provider's metadata; ``message_id`` is the Message-ID as sent (either may be empty, not
    both, for distribution to match it). Text fields are single-line and bounded."""

    event_id: str
    kind: EventKind
    source: EventSource
    evidence_sha256: str
    send_id: str = ""
    message_id: str = ""
    recipient: str = ""
    occurred_at: dt.datetime | None = None
    status_code: str = ""
    diagnostic: str = ""
    reply_text: str = ""
    feedback_type: str = ""


@dataclass(frozen=True)
class Refusal:
    """Why an inbound message or payload was not turned into events. ``reason`` is a stable
    word (metrics, logs, the JSON answer); ``detail`` says it in words, without personal data."""

    reason: str
    detail: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def one_line(value: object, limit: int) -> str:
    """A header-safe value: control characters (a CR or LF would start a new header
    downstream) become spaces, runs of space collapse, and it is cut at ``limit``."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def bare_message_id(value: object) -> str:
    """The first ``<...>`` id of a Message-ID, In-Reply-To or References value, with its angle
    brackets; a value without brackets is kept whole. Empty for nothing usable."""
    text = one_line(value, 2_000)
    match = re.search(r"<[^<>\s]{1,500}>", text)
    if match:
        return match.group(0)
    return text if text and " " not in text and len(text) <= 500 else ""


def message_ids(value: object) -> list[str]:
    """Every ``<...>`` id in a References or In-Reply-To value, in order."""
    return re.findall(r"<[^<>\s]{1,500}>", one_line(value, 20_000))
