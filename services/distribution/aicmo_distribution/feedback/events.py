"""Delivery events as distribution understands them: pure values and rules, no I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from dataclasses import dataclass

from aicmo_distribution.domain.peers import Contactability
from aicmo_distribution.domain.sends import BlockReason

MAX_BATCH = 500
MAX_EVENT_ID = 200
MAX_DIAGNOSTIC = 1000
MAX_REPLY_TEXT = 10_000
MAX_SHORT = 64
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")


class EventKind(enum.StrEnum):
    """What happened to a sent message (the proto's DeliveryEventKind without its prefix)."""

    BOUNCE_HARD = "BOUNCE_HARD"
    BOUNCE_SOFT = "BOUNCE_SOFT"
    COMPLAINT = "COMPLAINT"
    REPLY = "REPLY"
    AUTO_REPLY = "AUTO_REPLY"
    UNSUBSCRIBE = "UNSUBSCRIBE"
    DELIVERED = "DELIVERED"

    @property
    def concerns_the_person(self) -> bool:
        """Whether leads learns of it (everything but the provider's delivery report)."""
        return self is not EventKind.DELIVERED

    @property
    def stops_mail(self) -> bool:
        """After this, no further message of the campaign's sender may reach the person on
        the channel (a hard bounce, a complaint, an unsubscribe)."""
        return self in (EventKind.BOUNCE_HARD, EventKind.COMPLAINT, EventKind.UNSUBSCRIBE)


class EventSource(enum.StrEnum):
    """Where the edge learned of the event."""

    INBOUND_SMTP = "INBOUND_SMTP"
    SES = "SES"
    SENDGRID = "SENDGRID"
    POSTMARK = "POSTMARK"
    GENERIC = "GENERIC"


class Outcome(enum.StrEnum):
    """What recording did with one event."""

    RECORDED = "RECORDED"
    DUPLICATE = "DUPLICATE"
    UNMATCHED = "UNMATCHED"
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class DeliveryEvent:
    """One event as the edge handed it over, checked."""

    event_id: str
    kind: EventKind
    source: EventSource
    send_id: str
    message_id: str
    recipient: str
    occurred_at: dt.datetime
    status_code: str = ""
    diagnostic: str = ""
    evidence_sha256: str = ""
    reply_text: str = ""
    feedback_type: str = ""


@dataclass(frozen=True)
class EventResult:
    """The answer for one event."""

    event_id: str
    outcome: Outcome
    send_id: str = ""
    detail: str = ""


def problems(*, event_id: str, kind: str, source: str, send_id: str, message_id: str,
             status_code: str, diagnostic: str, evidence_sha256: str, reply_text: str,
             feedback_type: str) -> list[tuple[str, str]]:
    """Every (field, what is wrong) of one event; empty when it is well-formed."""
    found: list[tuple[str, str]] = []
    if not event_id:
        found.append(("event_id", "is required"))
    elif len(event_id) > MAX_EVENT_ID or not event_id.isprintable():
        found.append(("event_id", f"must be at most {MAX_EVENT_ID} printable characters"))
    if kind not in EventKind.__members__:
        found.append(("kind", "is required (a DeliveryEventKind other than UNSPECIFIED)"))
    if source not in EventSource.__members__:
        found.append(("source", "is required (a DeliveryEventSource other than UNSPECIFIED)"))
    if not send_id and not message_id:
        found.append(("send_id", "or message_id is required to match the event to its send"))
    if len(send_id) > 36:
        found.append(("send_id", "must be at most 36 characters"))
    if len(message_id) > 300:
        found.append(("message_id", "must be at most 300 characters"))
    if status_code and not _STATUS.fullmatch(status_code):
        found.append(("status_code", "must be an enhanced status code such as 5.1.1"))
    if len(diagnostic) > MAX_DIAGNOSTIC:
        found.append(("diagnostic", f"must be at most {MAX_DIAGNOSTIC} characters"))
    if evidence_sha256 and not _SHA256.fullmatch(evidence_sha256):
        found.append(("evidence_sha256", "must be 64 lower-case hex digits"))
    if len(reply_text) > MAX_REPLY_TEXT:
        found.append(("reply_text", f"must be at most {MAX_REPLY_TEXT} characters"))
    if len(feedback_type) > MAX_SHORT:
        found.append(("feedback_type", f"must be at most {MAX_SHORT} characters"))
    return found


def send_id_in(message_id: str, mail_domain: str) -> str:
    """The send id an aicmo Message-ID carries (``<send_id@mail_domain>``), or ""."""
    text = message_id.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    local, at, domain = text.rpartition("@")
    if not at or domain.lower() != mail_domain.lower() or not 0 < len(local) <= 36:
        return ""
    return local


def unmatched_detail(send_state: str | None, dry_run: bool) -> str:
    """Why an event cannot belong to a send in ``send_state`` ("" when it can): only a
    message that left can bounce or be answered."""
    if send_state is None:
        return "no send matches the send id or Message-ID"
    if dry_run:
        return "the send is a dry run: nothing was sent"
    if send_state not in ("SENT", "UNKNOWN_OUTCOME"):
        return f"the send was never delivered (it is {send_state})"
    return ""


@dataclass(frozen=True)
class HoldRule:
    """When a template is held: over its last ``window`` deliveries (since its last release),
    once at least ``minimum`` of them went out, a complaint share above ``complaint_ratio``
    or an unsubscribe share above ``unsubscribe_ratio``. A ratio of 0 turns that test off."""

    window: int = 200
    minimum: int = 50
    complaint_ratio: float = 0.003
    unsubscribe_ratio: float = 0.05

    def reason(self, deliveries: int, complaints: int, unsubscribes: int) -> str:
        """Why the template must be held, with the figures; "" when it need not be."""
        if deliveries < max(self.minimum, 1):
            return ""
        for count, ratio, what in ((complaints, self.complaint_ratio, "complaint"),
                                   (unsubscribes, self.unsubscribe_ratio, "unsubscribe")):
            if ratio > 0 and count / deliveries > ratio:
                return (f"{count} {what}{'s' if count != 1 else ''} in the last {deliveries} "
                        f"deliveries ({100 * count / deliveries:.1f}% > {100 * ratio:.1f}%)")
        return ""


def stopped_by_feedback(contact: object, stop: str | None) -> object:
    """A contactability answer with what distribution itself recorded (``stop``: the kind of
    event that stops mail, see ``store.stopped_leads``): after a hard bounce, a complaint or
    an unsubscribe on the channel the person is suppressed there at once, even before leads
    has applied the event (its relay may still be on the way); after a human reply the
    campaign sends them nothing more."""
    if not stop or not isinstance(contact, Contactability) or not contact.allowed:
        return contact
    reason = BlockReason.LEAD_REPLIED if stop == "REPLY" else BlockReason.LEAD_SUPPRESSED
    return dataclasses.replace(contact, allowed=False, reasons=(reason,))
