"""The feedback ledger's rules: kinds, effects, and what each kind of item does to a person.

No framework here: the store, the use cases and the servicer's translation build on it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from aicmo_leads.domain.contactability import DeliveryChannel
from aicmo_leads.domain.identifiers import IdentifierKind
from aicmo_leads.objections import Classification, Intent

MAX_BATCH = 500
FEEDBACK_ID_MAX = 200
TEXT_MAX = 10_000
REASON_TEXT_MAX = 1_000
DETAIL_CODE_MAX = 64
DEFAULT_EXAMPLES = 3
MAX_EXAMPLES = 20


class FeedbackKind(enum.StrEnum):
    """What a feedback item says about a person (mirrors aicmo.leads.v1.FeedbackKind)."""

    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    COMPLAINT = "complaint"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    UNSUBSCRIBE = "unsubscribe"
    NOTE = "note"


# Kinds whose text is classified, and which TopObjections counts.
CLASSIFIED_KINDS = (FeedbackKind.REPLY, FeedbackKind.NOTE)


class Effect(enum.StrEnum):
    """What an item changed (mirrors aicmo.leads.v1.FeedbackEffect)."""

    IDENTIFIER_SUPPRESSED = "identifier_suppressed"
    LEAD_DNC = "lead_dnc"


class UnsubscribeReason(enum.StrEnum):
    """Why a person unsubscribed (mirrors aicmo.leads.v1.UnsubscribeReason)."""

    TOO_FREQUENT = "too_frequent"
    NOT_RELEVANT = "not_relevant"
    NEVER_SIGNED_UP = "never_signed_up"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


# The reason the DNC of each kind is recorded under (consent ledger and suppression list).
DNC_REASONS = {FeedbackKind.COMPLAINT: "complaint",
               FeedbackKind.UNSUBSCRIBE: "unsubscribe",
               FeedbackKind.REPLY: "unsubscribe request in a reply",
               FeedbackKind.NOTE: "unsubscribe request in a note"}


@dataclass(frozen=True)
class SoftBouncePolicy:
    """How many soft bounces of one address within how many days suppress it like a hard
    bounce."""

    limit: int = 3
    window_days: int = 7

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(days=self.window_days)


@dataclass(frozen=True)
class FeedbackInput:
    """One validated item to record: what distribution hands over, or a note."""

    feedback_id: str
    lead_id: str
    kind: FeedbackKind
    channel: DeliveryChannel | None
    identifier_kind: IdentifierKind | None = None
    identifier: str = ""  # normalised; empty: the lead's address for the channel
    send_id: str = ""
    campaign_id: str = ""
    template_id: str = ""
    occur_time: dt.datetime | None = None
    evidence_sha256: str = ""
    detail_code: str = ""
    text: str = ""
    fingerprint: str = ""


@dataclass(frozen=True)
class FeedbackRecord:
    """One entry of the ledger, as stored."""

    feedback_id: str
    lead_id: str
    venture_id: str
    kind: FeedbackKind
    channel: DeliveryChannel | None
    send_id: str
    campaign_id: str
    template_id: str
    occur_time: dt.datetime
    record_time: dt.datetime
    evidence_sha256: str
    detail_code: str
    classification: Classification | None
    effects: tuple[Effect, ...]
    unsubscribe_reason: UnsubscribeReason | None
    actor: str


@dataclass(frozen=True)
class Applied:
    """The answer for one item: the record, and whether it was there before."""

    record: FeedbackRecord
    duplicate: bool


def makes_dnc(kind: FeedbackKind, classification: Classification | None) -> bool:
    """An unsubscribe, a complaint, or a reply or note that asks in words to be removed."""
    if kind in (FeedbackKind.UNSUBSCRIBE, FeedbackKind.COMPLAINT):
        return True
    return (kind in CLASSIFIED_KINDS and classification is not None
            and classification.intent is Intent.UNSUBSCRIBE_REQUEST)


def address_kind(channel: DeliveryChannel | None, value: str) -> IdentifierKind | None:
    """The identifier kind a channel delivers to; a webhook provider's from the value."""
    if channel is DeliveryChannel.EMAIL:
        return IdentifierKind.EMAIL
    if channel is DeliveryChannel.SMS:
        return IdentifierKind.PHONE
    if channel is DeliveryChannel.LINKEDIN:
        return IdentifierKind.LINKEDIN
    if not value:
        return None
    if "@" in value:
        return IdentifierKind.EMAIL
    if "linkedin." in value.lower():
        return IdentifierKind.LINKEDIN
    return IdentifierKind.PHONE
