"""The feedback use cases: plain functions over a session, in one transaction each.

Effects reuse leads' own paths: a complaint or an unsubscribe is ``mark_dnc`` for the lead
(the MarkDnc path: suppression entries for every identifier, DNC in the consent ledger);
a bounced address gets a delivery-only entry on the venture's suppression list, which blocks
sends to that address and nothing else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from aicmo_common.access import Caller
from aicmo_common.errors import FailedPrecondition, NotFound, ServiceError
from aicmo_leads.adapters.store import LeadRepository, as_utc
from aicmo_leads.domain.consent import ConsentStatus
from aicmo_leads.domain.contactability import address_for
from aicmo_leads.domain.identifiers import Identifier
from aicmo_leads.domain.lead import SuppressionScope
from aicmo_leads.feedback.domain import (
    CLASSIFIED_KINDS,
    DNC_REASONS,
    Applied,
    Effect,
    FeedbackInput,
    FeedbackKind,
    FeedbackRecord,
    SoftBouncePolicy,
    UnsubscribeReason,
    address_kind,
    makes_dnc,
)
from aicmo_leads.feedback.store import FeedbackFilter, FeedbackStore, feedback_record
from aicmo_leads.objections import Classifier, Intent
from aicmo_leads.service_layer.consent import DncTarget, mark_dnc
from aicmo_leads.service_layer.unit import Settings, audit, event, living_lead, visible_lead

RECORD_NOTE = "RecordFeedback"
RECORD_REASON = "RecordUnsubscribeReason"


@dataclass(frozen=True)
class Ledger:
    """What the feedback use cases run under besides a session."""

    settings: Settings
    policy: SoftBouncePolicy
    classifier: Classifier


def apply_feedback(session: Session, items: list[FeedbackInput], caller: Caller,
                   ledger: Ledger) -> list[Applied | ServiceError]:
    """ApplyFeedback: each item once; an item whose lead is missing (or erased) gets its
    error and the others are applied."""
    results: list[Applied | ServiceError] = []
    for item in items:
        try:
            results.append(_apply(session, item, caller, ledger))
        except (NotFound, FailedPrecondition) as refused:
            # Raised before the item wrote anything.
            results.append(refused)
    return results


def _earlier(store: FeedbackStore, item: FeedbackInput) -> Applied | None:
    row = store.item(item.feedback_id)
    if row is None:
        return None
    if row.fingerprint != item.fingerprint:
        raise FailedPrecondition("this feedback id was applied with different content",
                                 reason="REQUEST_ID_REUSED",
                                 metadata={"feedback_id": item.feedback_id[:128]})
    return Applied(feedback_record(row), duplicate=True)


def _apply(session: Session, item: FeedbackInput, caller: Caller, ledger: Ledger) -> Applied:
    store, repo = FeedbackStore(session), LeadRepository(session)
    earlier = _earlier(store, item)
    if earlier is not None:
        return earlier
    lead = living_lead(repo, item.lead_id, caller.token_venture)
    # Looked up again under the lead's lock: a concurrent delivery of the same item waited.
    earlier = _earlier(store, item)
    if earlier is not None:
        return earlier
    settings = ledger.settings
    now = settings.now()
    occur = item.occur_time or now
    classification = None
    if item.kind in CLASSIFIED_KINDS and item.text.strip():
        classification = ledger.classifier.classify(item.text)
    kind, value = item.identifier_kind, item.identifier
    if not value:
        value = address_for(item.channel, lead.email, lead.phone, lead.linkedin_url) \
            if item.channel is not None else ""
        kind = address_kind(item.channel, value) if value else None
    hmac_value = settings.keys.identifier_hmac(Identifier(kind, value)) if kind else ""
    store.insert({
        "feedback_id": item.feedback_id, "lead_id": lead.id, "venture_id": lead.venture_id,
        "kind": item.kind.value, "channel": item.channel.value if item.channel else "",
        "identifier_hmac": hmac_value, "send_id": item.send_id,
        "campaign_id": item.campaign_id, "template_id": item.template_id,
        "occur_time": occur, "record_time": now, "evidence_sha256": item.evidence_sha256,
        "detail_code": item.detail_code,
        "objection": classification.intent.value if classification else "",
        "matched_terms": list(classification.matched_terms) if classification else [],
        "classifier": classification.classifier if classification else "",
        "language": classification.language if classification else "",
        "effects": [], "unsubscribe_reason": "", "actor": caller.actor.label,
        "fingerprint": item.fingerprint})
    request_id = item.feedback_id[:128]
    effects: list[Effect] = []
    if hmac_value and _undeliverable(store, item, lead.venture_id, hmac_value, occur,
                                     ledger.policy):
        if _suppress_address(repo, kind.value, hmac_value, lead, item, caller, now):
            effects.append(Effect.IDENTIFIER_SUPPRESSED)
    if makes_dnc(item.kind, classification):
        was_dnc = lead.consent_status == ConsentStatus.DNC.value
        mark_dnc(session, DncTarget(lead_id=lead.id), SuppressionScope.VENTURE,
                 DNC_REASONS[item.kind], replace(caller, request_id=request_id), settings)
        if not was_dnc:
            effects.append(Effect.LEAD_DNC)
    if effects:
        store.update(item.feedback_id, {"effects": [e.value for e in effects]})
    audit(session, event(
        "lead", lead.id, "feedback.recorded", caller.actor, venture_id=lead.venture_id,
        request_id=request_id, now=now, feedback_id=item.feedback_id, kind=item.kind.value,
        channel=item.channel.value if item.channel else "", identifier_hmac=hmac_value,
        send_id=item.send_id, campaign_id=item.campaign_id, template_id=item.template_id,
        evidence_sha256=item.evidence_sha256, detail_code=item.detail_code,
        objection=classification.intent.value if classification else "",
        effects=[e.value for e in effects]))
    return Applied(feedback_record(store.item(item.feedback_id)), duplicate=False)


def _undeliverable(store: FeedbackStore, item: FeedbackInput, venture_id: str,
                   hmac_value: str, occur: dt.datetime, policy: SoftBouncePolicy) -> bool:
    """A hard bounce, or the soft bounce that brings the address to the limit within the
    window (this one included)."""
    if item.kind is FeedbackKind.BOUNCE_HARD:
        return True
    if item.kind is not FeedbackKind.BOUNCE_SOFT:
        return False
    try:
        since = occur - policy.window
    except OverflowError:
        since = dt.datetime.min.replace(tzinfo=dt.UTC)
    return store.soft_bounces(venture_id, hmac_value, since, occur) >= policy.limit


def _suppress_address(repo: LeadRepository, kind: str, hmac_value: str, lead, item,
                      caller: Caller, now: dt.datetime) -> bool:
    """Puts the address on the venture's suppression list, delivery only; False when it is
    there already."""
    if repo.find_suppression(kind, hmac_value, SuppressionScope.VENTURE, lead.venture_id,
                             delivery_only=True) is not None:
        return False
    entry_id = str(uuid.uuid4())
    reason = "hard bounce" if item.kind is FeedbackKind.BOUNCE_HARD else "soft bounces"
    repo.insert_suppression({
        "id": entry_id, "kind": kind, "hmac": hmac_value,
        "scope": SuppressionScope.VENTURE.value, "venture_id": lead.venture_id,
        "reason": reason, "created_at": now, "created_by": caller.actor.label,
        "delivery_only": True})
    repo.audit("leads", event(
        "suppression", entry_id, "suppression.added", caller.actor,
        venture_id=lead.venture_id, request_id=item.feedback_id[:128], now=now, kind=kind,
        identifier_hmac=hmac_value, scope=SuppressionScope.VENTURE.value, lead_id=lead.id,
        delivery_only=True, feedback_id=item.feedback_id, reason=reason))
    return True


def _replayed(store: FeedbackStore, request_id: str, method: str,
              fingerprint: str) -> FeedbackRecord | None:
    row = store.request(request_id)
    if row is None:
        return None
    if row.method != method or row.fingerprint != fingerprint:
        raise FailedPrecondition("this request id was used for a different request",
                                 reason="REQUEST_ID_REUSED")
    return feedback_record(store.item(row.feedback_id))


def _remember(store: FeedbackStore, request_id: str, method: str, fingerprint: str,
              feedback_id: str, now: dt.datetime) -> None:
    store.insert_request({"request_id": request_id, "method": method,
                          "fingerprint": fingerprint, "feedback_id": feedback_id,
                          "created_at": now})


def record_note(session: Session, item: FeedbackInput, request_id: str, caller: Caller,
                ledger: Ledger) -> FeedbackRecord:
    """RecordFeedback: a note, classified like a reply; once per request id."""
    store = FeedbackStore(session)
    earlier = _replayed(store, request_id, RECORD_NOTE, item.fingerprint)
    if earlier is not None:
        return earlier
    note = replace(item, feedback_id=str(uuid.uuid4()), kind=FeedbackKind.NOTE)
    applied = _apply(session, note, replace(caller, request_id=request_id), ledger)
    _remember(store, request_id, RECORD_NOTE, item.fingerprint, note.feedback_id,
              ledger.settings.now())
    return applied.record


@dataclass(frozen=True)
class ReasonGiven:
    """RecordUnsubscribeReason's input, validated."""

    lead_id: str
    reason: UnsubscribeReason
    text: str
    campaign_id: str
    fingerprint: str


def record_unsubscribe_reason(session: Session, given: ReasonGiven, request_id: str,
                              caller: Caller, ledger: Ledger) -> FeedbackRecord:
    """Attaches the reason to the lead's unsubscribe item, creating the item when the
    unsubscribe came another way (MarkDnc: the one-click link, the CLI)."""
    store, repo = FeedbackStore(session), LeadRepository(session)
    earlier = _replayed(store, request_id, RECORD_REASON, given.fingerprint)
    if earlier is not None:
        return earlier
    lead = living_lead(repo, given.lead_id, caller.token_venture)
    now = ledger.settings.now()
    latest = store.latest_unsubscribe(lead.id)
    became_dnc = store.latest_dnc_time(lead.id)
    if latest is None and lead.consent_status != ConsentStatus.DNC.value:
        # The contract has no reason of its own for this; the message says it.
        raise FailedPrecondition("the lead has not unsubscribed: there is nothing to attach "
                                 "a reason to", reason="FAILED_PRECONDITION",
                                 metadata={"lead_id": lead.id})
    if latest is None or (became_dnc is not None and as_utc(latest.record_time) < became_dnc):
        feedback_id = str(uuid.uuid4())
        store.insert({
            "feedback_id": feedback_id, "lead_id": lead.id, "venture_id": lead.venture_id,
            "kind": FeedbackKind.UNSUBSCRIBE.value, "channel": "", "identifier_hmac": "",
            "send_id": "", "campaign_id": given.campaign_id, "template_id": "",
            "occur_time": became_dnc or now, "record_time": now, "evidence_sha256": "",
            "detail_code": "", "objection": "", "matched_terms": [], "classifier": "",
            "language": "", "effects": [], "unsubscribe_reason": "",
            "actor": caller.actor.label, "fingerprint": given.fingerprint})
    else:
        feedback_id = latest.feedback_id
    store.update(feedback_id, {"unsubscribe_reason": given.reason.value})
    audit(session, event(
        "lead", lead.id, "feedback.unsubscribe_reason_recorded", caller.actor,
        venture_id=lead.venture_id, request_id=request_id, now=now, feedback_id=feedback_id,
        reason=given.reason.value, campaign_id=given.campaign_id,
        text_given=bool(given.text),
        text_digest=ledger.settings.keys.fingerprint(given.text.encode()) if given.text
        else ""))
    _remember(store, request_id, RECORD_REASON, given.fingerprint, feedback_id, now)
    return feedback_record(store.item(feedback_id))


def list_feedback(session: Session, filters: FeedbackFilter, token_venture: str | None,
                  before_seq: int | None, limit: int
                  ) -> tuple[list[FeedbackRecord], int | None]:
    """ListFeedback: newest first; a lead outside the caller's venture is not found, and a
    venture-scoped caller sees its own venture only."""
    if filters.lead_id:
        visible_lead(LeadRepository(session), filters.lead_id, token_venture)
    if token_venture is not None:
        filters = replace(filters, venture_id=token_venture)
    return FeedbackStore(session).page(filters, before_seq, limit)


@dataclass(frozen=True)
class ObjectionCount:
    intent: Intent
    count: int
    example_ids: tuple[str, ...]


def top_objections(session: Session, filters: FeedbackFilter,
                   examples: int) -> tuple[list[ObjectionCount], int]:
    """TopObjections: counts of classified replies and notes, most frequent first, with the
    ids (never the text) of the newest examples."""
    store = FeedbackStore(session)
    counts = store.objection_counts(filters)
    found = [ObjectionCount(intent, count, tuple(store.examples(filters, intent, examples)))
             for intent, count in counts]
    return found, sum(count for _, count in counts)

