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

from aicmo_common.actor import Actor
from aicmo_common.errors import FailedPrecondition
from aicmo_leads.adapters.store import LeadRepository, as_utc, lead_record, touch_record
from aicmo_leads.domain.capture import (
    NO_QUALIFICATION,
    PROFILE_FIELDS,
    Qualification,
    ValidCapture,
)
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
    CaptureOutcome,
    CaptureResult,
    ImportTotals,
    LeadRecord,
    TouchRecord,
)
from aicmo_leads.domain.validation import Violation
from aicmo_leads.service_layer.unit import (
    SERVICE,
    SHARED_TRANSACTION,
    LostRace,
    RunAlone,
    Settings,
    audit,
    change_consent,
    consent_values,
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
    store = LeadRepository(session)

    def attempt() -> CaptureAnswer:
        if call.request_id:
            earlier = store.capture_request(call.request_id)
            if earlier is not None:
                return _stored_answer(store, _replay(earlier, call.fingerprint))
        captured = _capture_once(store, capture, call, settings)
        result = captured.result
        if call.request_id:
            # A concurrent twin of this request makes this insert fail; the rerun replays it.
            store.insert_capture_request({
                "request_id": call.request_id, "fingerprint": call.fingerprint,
                "lead_id": result.lead_id, "outcome": result.outcome.value,
                "matched_on": result.matched_on.value if result.matched_on else "",
                "merged_lead_ids": list(result.merged_lead_ids),
                "suppressed": result.suppressed, "touch_id": result.touch_id,
                "created_at": settings.now(),
            })
        return _answer(store, captured)

    return with_retries(store, attempt)


def _stored_answer(repo: LeadRepository, result: CaptureResult) -> CaptureAnswer:
    return CaptureAnswer(result, repo.lead_record(result.lead_id),
                         repo.touches_by_id([result.touch_id]).get(result.touch_id))


def _answer(store: LeadRepository, captured: _Captured) -> CaptureAnswer:
    """The answer from what the capture wrote: only a first touch older than this capture
    is read back."""
    lead, touch = captured.lead, captured.touch
    touches = {touch.id: touch}
    if lead.first_touch_id is not None and lead.first_touch_id not in touches:
        first = store.touch_row(lead.first_touch_id)
        if first is not None:
            touches[first.id] = touch_record(first)
    return CaptureAnswer(captured.result, lead_record(lead, captured.identifiers, touches),
                         touch)


def _replay(earlier, fingerprint: str) -> CaptureResult:
    if earlier.fingerprint != fingerprint:
        raise FailedPrecondition("this request id was used for a different capture",
                                 reason="REQUEST_ID_REUSED")
    return CaptureResult(
        lead_id=earlier.lead_id, outcome=CaptureOutcome(earlier.outcome),
        matched_on=IdentifierKind(earlier.matched_on) if earlier.matched_on else None,
        merged_lead_ids=tuple(earlier.merged_lead_ids or ()), suppressed=earlier.suppressed,
        touch_id=earlier.touch_id)


# An import row whose capture lost a deadlock in the batch's shared transaction: it runs
# again alone once the batch has committed (see ``RunAlone``).
RUN_ALONE = object()


def import_rows(session: Session, rows: Sequence[tuple[int, ValidCapture | None,
                                                       list[Violation]]],
                call: CaptureCall, settings: Settings,
                totals: ImportTotals) -> list[tuple[int, object, list[Violation]]]:
    """Imports a batch of rows in one transaction, each row in its own savepoint, so a row
    that loses a race is retried alone and a refused row costs the others nothing. A row
    whose result is ``RUN_ALONE`` must be imported again in a batch of its own."""
    store = LeadRepository(session)
    shared = session.info.get(SHARED_TRANSACTION, False)
    session.info[SHARED_TRANSACTION] = sum(capture is not None for _, capture, _ in rows) > 1
    results: list[tuple[int, object, list[Violation]]] = []
    try:
        for row_number, capture, violations in rows:
            if capture is None:
                totals.count(CaptureOutcome.REJECTED)
                results.append((row_number, None, violations))
                continue
            try:
                result = with_retries(
                    store, lambda c=capture: _capture_once(store, c, call, settings)).result
            except RunAlone:
                results.append((row_number, RUN_ALONE, []))
                continue
            totals.count(result.outcome, len(result.merged_lead_ids))
            results.append((row_number, result, []))
    finally:
        session.info[SHARED_TRANSACTION] = shared
    return results


@dataclass(frozen=True)
class _Captured:
    """What one capture did, and the lead as it is after it."""

    result: CaptureResult
    lead: object  # a leads row
    identifiers: list  # the lead's identifier rows, oldest first
    touch: TouchRecord


def _capture_once(store: LeadRepository, capture: ValidCapture, call: CaptureCall,
                  settings: Settings) -> _Captured:
    now = settings.now()
    venture = capture.venture_id
    keyed = [(identifier, settings.keys.identifier_hmac(identifier))
             for identifier in capture.identifiers]
    keys = [(identifier.kind.value, hmac_value) for identifier, hmac_value in keyed]
    found = store.leads_by_identifier(venture, keys)
    matched_on = next((identifier.kind for identifier, hmac_value in keyed
                       if (identifier.kind.value, hmac_value) in found), None)

    losers = []
    if found:
        locked = store.lock_leads(found.values())
        if (set(locked) != set(found.values())
                or any(row.state != LeadState.ACTIVE.value for row in locked.values())
                or (store.locking and store.leads_by_identifier(venture, keys) != found)):
            # A concurrent merge or erasure moved an identifier between our read and lock.
            raise LostRace()
        ordered = sorted(locked.values(), key=lambda row: (as_utc(row.created_at), row.id))
        winner, losers = ordered[0], ordered[1:]
        outcome = CaptureOutcome.MATCHED
        if losers:
            for loser in losers:
                winner = _merge(store, winner, loser, call, now)
            winner = store.lead_row(winner.id)
        lead_id = winner.id
        changes = _updated_fields(winner, capture, now)
    else:
        outcome = CaptureOutcome.CREATED
        lead_id = str(uuid.uuid4())
        blank = _new_lead(capture, lead_id, now)
        # A new lead is written whole at once; only the touch ids follow the touch.
        winner = store.lead_row_from_values(
            {**blank, **_updated_fields(store.lead_row_from_values(blank), capture, now)})
        store.insert_lead(winner._asdict())
        changes = {}

    new_identifiers = [
        {"venture_id": venture, "kind": identifier.kind.value, "hmac": hmac_value,
         "lead_id": lead_id, "value": identifier.value, "created_at": now}
        for identifier, hmac_value in keyed if (identifier.kind.value, hmac_value) not in found
    ]
    store.add_identifiers(new_identifiers)
    if outcome is CaptureOutcome.CREATED:
        identifiers = sorted((store.identifier_row(row) for row in new_identifiers),
                             key=lambda row: (row.kind, row.hmac))
    else:
        identifiers = store.lead_identifiers(lead_id)

    suppressions = store.active_suppressions(venture, [row.hmac for row in identifiers])
    suppressed = bool(suppressions)

    touch_values = {
        "lead_id": lead_id, "venture_id": venture, "campaign_id": capture.campaign_id,
        "source_channel": capture.source_channel,
        "source_reference": capture.source_reference, "utm_campaign": capture.utm.campaign,
        "utm_content": capture.utm.content, "utm_source": capture.utm.source,
        "utm_medium": capture.utm.medium, "utm_term": capture.utm.term, "touched_at": now,
    }
    touch_id = store.insert_touch(touch_values)
    changes["last_touch_id"] = touch_id
    if winner.first_touch_id is None:
        changes["first_touch_id"] = touch_id
    store.update_lead(lead_id, changes)
    winner = winner._replace(**changes)

    current = ConsentStatus(winner.consent_status)
    target = consent_after_capture(current, capture.consent_status, suppressed)
    if target is not current:
        by_suppression = suppressed and capture.consent_status is not ConsentStatus.DNC
        evidence = None if by_suppression else capture.consent_evidence
        change_consent(
            store, winner, target, actor=call.actor, now=now, request_id=call.request_id,
            source=(ConsentSource.SUPPRESSION if by_suppression else call.source).value,
            evidence=evidence, reason="suppression list" if by_suppression else "")
        winner = winner._replace(**consent_values(target, now=now, evidence=evidence))

    hmacs = [hmac_value for _, hmac_value in keyed]
    events = [event("lead", lead_id, f"lead.{outcome.value}", call.actor,
                    venture_id=venture, request_id=call.request_id, now=now,
                    identifier_hmacs=hmacs,
                    matched_on=matched_on.value if matched_on else "",
                    new_identifiers=len(new_identifiers), touch_id=touch_id,
                    campaign_id=capture.campaign_id, source_channel=capture.source_channel,
                    import_id=call.import_id,
                    consent_not_lifted=(current is ConsentStatus.DNC
                                        and capture.consent_status is ConsentStatus.CONSENTED))]
    if suppressed:
        events.append(event("lead", lead_id, "lead.suppressed", call.actor,
                            venture_id=venture, request_id=call.request_id, now=now,
                            suppression_entry_ids=[entry.id for entry in suppressions]))
    store.audit(SERVICE, *events)
    result = CaptureResult(lead_id=lead_id, outcome=outcome,
                           matched_on=matched_on if outcome is CaptureOutcome.MATCHED else None,
                           merged_lead_ids=tuple(loser.id for loser in losers),
                           suppressed=suppressed, touch_id=touch_id)
    return _Captured(result, winner, identifiers, touch_record(store.touch_row_from_values(
        {**touch_values, "id": touch_id})))


_NEW_LEAD = {
    "state": LeadState.ACTIVE.value, "identity_hash": None, "email": None, "phone": None,
    "linkedin_url": None, **{name: None for name in PROFILE_FIELDS},
    "consent_status": ConsentStatus.UNKNOWN.value, "consent_evidence": None,
    "value_currency": None, "value_amount_minor": 0, "first_touch_id": None,
    "last_touch_id": None, "touch_count": 0, "merged_into": None, "erased_at": None,
}


def _new_lead(capture: ValidCapture, lead_id: str, now: dt.datetime) -> dict:
    return {
        **_NEW_LEAD, "id": lead_id, "venture_id": capture.venture_id, "attributes": {},
        "qualification": NO_QUALIFICATION.to_json(),
        "first_source_channel": capture.source_channel, "created_at": now, "updated_at": now,
    }


def _updated_fields(lead, capture: ValidCapture, now: dt.datetime) -> dict:
    """What a capture changes on the lead besides the touch ids: the newest non-empty values,
    primary identifiers, the touch count (the first touch stays)."""
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
    if capture.qualification != NO_QUALIFICATION:
        qualification = Qualification.from_json(lead.qualification)
        values["qualification"] = qualification.overlaid_with(capture.qualification).to_json()
    values.update(touch_count=lead.touch_count + 1, updated_at=now)
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
