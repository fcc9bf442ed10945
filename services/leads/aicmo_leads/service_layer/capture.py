"""Capture and import: identity resolution within a venture on any normalised identifier.

One capture either creates a lead, matches one, or proves that several leads are one person
and merges them into the oldest. Identifier hashes live under a unique index, so when two
captures of a new person race, one insert fails, its savepoint is rolled back, and the rerun
matches the lead the winner made: exactly one lead, whatever the concurrency.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from aicmo_common.errors import FailedPrecondition
from aicmo_leads.adapters.repository import LeadRepository, as_utc
from aicmo_leads.domain.capture import PROFILE_FIELDS, Qualification, ValidCapture
from aicmo_leads.domain.consent import (
    ConsentEvidence,
    ConsentSource,
    ConsentStatus,
    consent_after_capture,
    most_restrictive,
)
from aicmo_leads.domain.contactability import LeadState
from aicmo_leads.domain.identifiers import IdentifierKind, identity_hash
from aicmo_leads.domain.lead import (
    Actor,
    CaptureOutcome,
    CaptureResult,
    ImportTotals,
    LeadRecord,
    TouchRecord,
)
from aicmo_leads.domain.validation import Violation
from aicmo_leads.service_layer.unit import (
    LostRace,
    Settings,
    audit,
    change_consent,
    event,
    with_retries,
)


@dataclass(frozen=True)
class CaptureCall:
    """Who captures, under which request id, and from where (capture or import)."""

    actor: Actor
    source: ConsentSource
    request_id: str = ""
    fingerprint: str = ""
    import_id: str = ""


@dataclass(frozen=True)
class CaptureAnswer:
    """A capture's result with the lead and the touch as they are after it."""

    result: CaptureResult
    lead: LeadRecord
    touch: TouchRecord | None


def capture_lead(session: Session, capture: ValidCapture, call: CaptureCall,
                 settings: Settings) -> CaptureAnswer:
    """The CaptureLead use case: idempotent on the request id, retried on a lost race."""
    repo = LeadRepository(session)

    def attempt() -> CaptureResult:
        if call.request_id:
            earlier = repo.capture_request(call.request_id)
            if earlier is not None:
                return _replay(earlier, call.fingerprint)
        result = _capture_once(repo, capture, call, settings)
        if call.request_id:
            # A concurrent twin of this request makes this insert fail; the rerun replays it.
            repo.insert_capture_request({
                "request_id": call.request_id, "fingerprint": call.fingerprint,
                "lead_id": result.lead_id, "outcome": result.outcome.value,
                "matched_on": result.matched_on.value if result.matched_on else "",
                "merged_lead_ids": list(result.merged_lead_ids),
                "suppressed": result.suppressed, "touch_id": result.touch_id,
                "created_at": settings.now(),
            })
        return result

    result = with_retries(session, attempt)
    return CaptureAnswer(result, repo.lead_record(result.lead_id),
                         repo.touches_by_id([result.touch_id]).get(result.touch_id))


def _replay(earlier: Row, fingerprint: str) -> CaptureResult:
    if earlier.fingerprint != fingerprint:
        raise FailedPrecondition("this request id was used for a different capture",
                                 reason="REQUEST_ID_REUSED")
    return CaptureResult(
        lead_id=earlier.lead_id, outcome=CaptureOutcome(earlier.outcome),
        matched_on=IdentifierKind(earlier.matched_on) if earlier.matched_on else None,
        merged_lead_ids=tuple(earlier.merged_lead_ids or ()), suppressed=earlier.suppressed,
        touch_id=earlier.touch_id)


def import_rows(session: Session, rows: Sequence[tuple[int, ValidCapture | None,
                                                       list[Violation]]],
                call: CaptureCall, settings: Settings,
                totals: ImportTotals) -> list[tuple[int, CaptureResult | None, list[Violation]]]:
    """Imports a batch of rows in one transaction, each row in its own savepoint, so a row
    that loses a race is retried alone and a refused row costs the others nothing."""
    repo = LeadRepository(session)
    results = []
    for row_number, capture, violations in rows:
        if capture is None:
            totals.count(CaptureOutcome.REJECTED)
            results.append((row_number, None, violations))
            continue
        result = with_retries(session, lambda c=capture: _capture_once(repo, c, call, settings))
        totals.count(result.outcome, len(result.merged_lead_ids))
        results.append((row_number, result, []))
    return results


def _capture_once(repo: LeadRepository, capture: ValidCapture, call: CaptureCall,
                  settings: Settings) -> CaptureResult:
    now = settings.now()
    venture = capture.venture_id
    keyed = [(identifier, settings.keys.identifier_hmac(identifier))
             for identifier in capture.identifiers]
    keys = [(identifier.kind.value, hmac_value) for identifier, hmac_value in keyed]
    found = repo.leads_by_identifier(venture, keys)
    matched_on = next((identifier.kind for identifier, hmac_value in keyed
                       if (identifier.kind.value, hmac_value) in found), None)

    if found:
        locked = repo.lock_leads(found.values())
        if (set(locked) != set(found.values())
                or any(row.state != LeadState.ACTIVE.value for row in locked.values())
                or repo.leads_by_identifier(venture, keys) != found):
            # A concurrent merge or erasure moved an identifier between our read and lock.
            raise LostRace()
        ordered = sorted(locked.values(), key=lambda row: (as_utc(row.created_at), row.id))
        winner, losers = ordered[0], ordered[1:]
        outcome = CaptureOutcome.MATCHED
    else:
        winner = _create_lead(repo, capture, now)
        losers = []
        outcome = CaptureOutcome.CREATED

    for loser in losers:
        winner = _merge(repo, winner, loser, call, now)

    new_identifiers = [
        {"venture_id": venture, "kind": identifier.kind.value, "hmac": hmac_value,
         "lead_id": winner.id, "value": identifier.value, "created_at": now}
        for identifier, hmac_value in keyed if (identifier.kind.value, hmac_value) not in found
    ]
    repo.add_identifiers(new_identifiers)

    all_hmacs = [row.hmac for row in repo.identifier_rows([winner.id])[winner.id]]
    suppressions = repo.active_suppressions(venture, all_hmacs)
    suppressed = bool(suppressions)

    touch_id = repo.insert_touch({
        "lead_id": winner.id, "venture_id": venture, "campaign_id": capture.campaign_id,
        "source_channel": capture.source_channel,
        "source_reference": capture.source_reference, "utm_campaign": capture.utm.campaign,
        "utm_content": capture.utm.content, "utm_source": capture.utm.source,
        "utm_medium": capture.utm.medium, "utm_term": capture.utm.term, "touched_at": now,
    })
    repo.update_lead(winner.id, _updated_fields(winner, capture, touch_id, now))
    winner = repo.lead_row(winner.id)

    current = ConsentStatus(winner.consent_status)
    target = consent_after_capture(current, capture.consent_status, suppressed)
    if target is not current:
        by_suppression = suppressed and capture.consent_status is not ConsentStatus.DNC
        change_consent(
            repo, winner, target, actor=call.actor, now=now, request_id=call.request_id,
            source=(ConsentSource.SUPPRESSION if by_suppression else call.source).value,
            evidence=None if by_suppression else capture.consent_evidence,
            reason="suppression list" if by_suppression else "")

    hmacs = [hmac_value for _, hmac_value in keyed]
    events = [event("lead", winner.id, f"lead.{outcome.value}", call.actor,
                    venture_id=venture, request_id=call.request_id, now=now,
                    identifier_hmacs=hmacs,
                    matched_on=matched_on.value if matched_on else "",
                    new_identifiers=len(new_identifiers), touch_id=touch_id,
                    campaign_id=capture.campaign_id, source_channel=capture.source_channel,
                    import_id=call.import_id,
                    consent_not_lifted=(current is ConsentStatus.DNC
                                        and capture.consent_status is ConsentStatus.CONSENTED))]
    if suppressed:
        events.append(event("lead", winner.id, "lead.suppressed", call.actor,
                            venture_id=venture, request_id=call.request_id, now=now,
                            suppression_entry_ids=[entry.id for entry in suppressions]))
    audit(repo.session, *events)
    return CaptureResult(lead_id=winner.id, outcome=outcome,
                         matched_on=matched_on if outcome is CaptureOutcome.MATCHED else None,
                         merged_lead_ids=tuple(loser.id for loser in losers),
                         suppressed=suppressed, touch_id=touch_id)


def _create_lead(repo: LeadRepository, capture: ValidCapture, now: dt.datetime) -> Row:
    lead_id = str(uuid.uuid4())
    repo.insert_lead({
        "id": lead_id, "venture_id": capture.venture_id, "state": LeadState.ACTIVE.value,
        "identity_hash": None, "consent_status": ConsentStatus.UNKNOWN.value,
        "consent_evidence": None, "value_currency": None, "value_amount_minor": 0,
        "attributes": {}, "qualification": Qualification().to_json(),
        "first_source_channel": capture.source_channel, "touch_count": 0,
        "created_at": now, "updated_at": now,
    })
    return repo.lead_row(lead_id)


def _updated_fields(lead: Row, capture: ValidCapture, touch_id: int,
                    now: dt.datetime) -> dict:
    """What a capture changes on the lead: the newest non-empty values, primary identifiers,
    the last touch (the first touch stays)."""
    values: dict[str, object] = {name: capture.profile[name] for name in PROFILE_FIELDS
                                 if capture.profile.get(name)}
    email = capture.identifier(IdentifierKind.EMAIL) or lead.email
    phone = capture.identifier(IdentifierKind.PHONE) or lead.phone
    linkedin = capture.identifier(IdentifierKind.LINKEDIN) or lead.linkedin_url
    values.update(email=email, phone=phone, linkedin_url=linkedin,
                  identity_hash=identity_hash(email, phone, linkedin))
    if capture.value_amount_minor or capture.value_currency:
        values.update(value_currency=capture.value_currency or None,
                      value_amount_minor=capture.value_amount_minor)
    if capture.attributes:
        values["attributes"] = {**(lead.attributes or {}), **capture.attributes}
    qualification = Qualification.from_json(lead.qualification)
    values["qualification"] = qualification.overlaid_with(capture.qualification).to_json()
    values.update(last_touch_id=touch_id, touch_count=lead.touch_count + 1, updated_at=now)
    if lead.first_touch_id is None:
        values["first_touch_id"] = touch_id
    return values


def _merge(repo: LeadRepository, winner: Row, loser: Row, call: CaptureCall,
           now: dt.datetime) -> Row:
    """Merges ``loser`` into the older ``winner``: identifiers and touches move, the winner
    keeps its values and takes the loser's where it has none, the most restrictive consent
    wins, and the loser keeps only a pointer (no personal data stays behind on it)."""
    repo.move_identifiers(loser.id, winner.id)
    repo.move_touches(loser.id, winner.id)
    repo.repoint_merged(loser.id, winner.id)
    touches = repo.touches_by_id([winner.first_touch_id, loser.first_touch_id,
                                  winner.last_touch_id, loser.last_touch_id])
    firsts = [touches[i] for i in (winner.first_touch_id, loser.first_touch_id) if i in touches]
    lasts = [touches[i] for i in (winner.last_touch_id, loser.last_touch_id) if i in touches]
    first = min(firsts, key=lambda touch: (touch.touched_at, touch.id), default=None)
    last = max(lasts, key=lambda touch: (touch.touched_at, touch.id), default=None)
    values: dict[str, object] = {
        name: getattr(winner, name) or getattr(loser, name)
        for name in (*PROFILE_FIELDS, "email", "phone", "linkedin_url")
    }
    values["identity_hash"] = identity_hash(values["email"], values["phone"],
                                            values["linkedin_url"])
    if not winner.value_amount_minor and loser.value_amount_minor:
        values.update(value_currency=loser.value_currency,
                      value_amount_minor=loser.value_amount_minor)
    values["attributes"] = {**(loser.attributes or {}), **(winner.attributes or {})}
    values["qualification"] = Qualification.from_json(loser.qualification).overlaid_with(
        Qualification.from_json(winner.qualification)).to_json()
    values.update(first_touch_id=first.id if first else None,
                  last_touch_id=last.id if last else None,
                  touch_count=winner.touch_count + loser.touch_count, updated_at=now)
    if first is not None and first.lead_id == loser.id:
        values["first_source_channel"] = loser.first_source_channel
    repo.update_lead(winner.id, values)
    repo.update_lead(loser.id, {
        "state": LeadState.MERGED.value, "merged_into": winner.id, "identity_hash": None,
        "email": None, "phone": None, "linkedin_url": None,
        **{name: None for name in PROFILE_FIELDS}, "consent_evidence": None,
        "attributes": {}, "qualification": Qualification().to_json(),
        "first_touch_id": None, "last_touch_id": None, "touch_count": 0, "updated_at": now,
    })
    repo.insert_merge({"id": str(uuid.uuid4()), "venture_id": winner.venture_id,
                       "winner_lead_id": winner.id, "loser_lead_id": loser.id,
                       "merged_at": now, "actor": call.actor.label,
                       "request_id": call.request_id})
    winner = repo.lead_row(winner.id)
    winner_status = ConsentStatus(winner.consent_status)
    loser_status = ConsentStatus(loser.consent_status)
    combined = most_restrictive(winner_status, loser_status)
    if combined is not winner_status:
        change_consent(repo, winner, combined, actor=call.actor, now=now,
                       source=ConsentSource.MERGE.value, request_id=call.request_id,
                       evidence=ConsentEvidence.from_json(loser.consent_evidence),
                       reason=f"merged with lead {loser.id}")
    audit(repo.session, event(
        "lead", winner.id, "lead.merged", call.actor, venture_id=winner.venture_id,
        request_id=call.request_id, now=now, winner_lead_id=winner.id,
        loser_lead_id=loser.id, winner_consent=winner_status.value,
        loser_consent=loser_status.value, resulting_consent=combined.value))
    return repo.lead_row(winner.id)


def record_import_summary(session: Session, import_id: str, venture_ids: Sequence[str],
                          totals: ImportTotals, actor: Actor, now: dt.datetime) -> None:
    """The audit event that closes an import."""
    audit(session, event(
        "import", import_id, "import.completed", actor,
        venture_id=venture_ids[0] if len(venture_ids) == 1 else "", request_id="", now=now,
        ventures=list(venture_ids), rows=totals.rows, created=totals.created,
        matched=totals.matched, rejected=totals.rejected, merged=totals.merged))
