"""Consent changes, the suppression list and erasure.

An opt-out is forever unless the person opts in again with evidence; the suppression list
holds keyed hashes only and outlives the lead, so an erased person who comes back in any
spelling is DNC at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aicmo_common.access import Caller
from aicmo_common.errors import FailedPrecondition, FieldViolation, InvalidArgument
from aicmo_common.errors import PermissionDenied as Forbidden
from aicmo_leads.adapters.store import LeadRepository
from aicmo_leads.domain.capture import PROFILE_FIELDS, Qualification
from aicmo_leads.domain.consent import (
    ConsentChangeRefused,
    ConsentEvidence,
    ConsentSource,
    ConsentStatus,
    check_explicit_change,
)
from aicmo_leads.domain.contactability import LeadState
from aicmo_leads.domain.identifiers import Identifier
from aicmo_leads.domain.lead import (
    ConsentRecordView,
    LeadRecord,
    SuppressionRecord,
    SuppressionScope,
)
from aicmo_leads.service_layer.unit import (
    Settings,
    audit,
    change_consent,
    event,
    living_lead,
)


def update_consent(session: Session, lead_id: str, target: ConsentStatus,
                   evidence: ConsentEvidence | None, reason: str, caller: Caller,
                   settings: Settings) -> tuple[ConsentRecordView, LeadRecord]:
    """UpdateConsent: every change is a ledger entry; CONSENTED needs evidence and lifts the
    suppression entries of the lead's identifiers (global ones only for an unscoped caller)."""
    repo = LeadRepository(session)
    now = settings.now()
    lead = living_lead(repo, lead_id, caller.token_venture)
    current = ConsentStatus(lead.consent_status)
    try:
        check_explicit_change(current, target, evidence)
    except ConsentChangeRefused as refused:
        if refused.reason == "EVIDENCE_REQUIRED":
            raise InvalidArgument([FieldViolation("evidence", str(refused))],
                                  reason=refused.reason) from None
        raise FailedPrecondition(str(refused), reason=refused.reason) from None
    if target is ConsentStatus.CONSENTED:
        hmacs = [row.hmac for row in repo.identifier_rows([lead.id])[lead.id]]
        entries = repo.active_suppressions(lead.venture_id, hmacs)
        if caller.token_venture is not None and any(
                entry.scope is SuppressionScope.GLOBAL for entry in entries):
            raise Forbidden("the lead is on the global suppression list; only a caller "
                            "without venture scope can lift it", reason="VENTURE_SCOPE")
        repo.lift_suppressions([entry.id for entry in entries], at=now,
                               by=caller.actor.label)
        if entries:
            audit(session, event("lead", lead.id, "suppression.lifted", caller.actor,
                                 venture_id=lead.venture_id, request_id=caller.request_id,
                                 now=now, suppression_entry_ids=[e.id for e in entries],
                                 identifier_hmacs=sorted({e.hmac for e in entries})))
    record_id = change_consent(repo, lead, target, actor=caller.actor, now=now,
                               source=ConsentSource.UPDATE_CONSENT.value, evidence=evidence,
                               reason=reason, request_id=caller.request_id, force_record=True)
    return repo.consent_record(record_id), repo.lead_record(lead.id)


@dataclass(frozen=True)
class DncTarget:
    """What MarkDnc suppresses: a lead, or a bare normalised identifier."""

    lead_id: str = ""
    identifier: Identifier | None = None
    venture_id: str = ""


def mark_dnc(session: Session, target: DncTarget, scope: SuppressionScope, reason: str,
             caller: Caller, settings: Settings) -> tuple[list[SuppressionRecord], list[str]]:
    """MarkDnc: suppression entries for every identifier, and DNC for every lead in scope
    that carries one of them. Marking twice finds the entries already there."""
    repo = LeadRepository(session)
    now = settings.now()
    if scope is SuppressionScope.GLOBAL and caller.token_venture is not None:
        raise Forbidden("global suppression needs a token without venture scope",
                        reason="VENTURE_SCOPE")
    if target.lead_id:
        lead = living_lead(repo, target.lead_id, caller.token_venture)
        venture = lead.venture_id
        keyed = [(row.kind, row.hmac) for row in repo.identifier_rows([lead.id])[lead.id]]
        direct = [lead.id]
    else:
        assert target.identifier is not None
        venture = target.venture_id
        keyed = [(target.identifier.kind.value,
                  settings.keys.identifier_hmac(target.identifier))]
        direct = []
    entry_venture = "" if scope is SuppressionScope.GLOBAL else venture
    entries = []
    for kind, hmac_value in keyed:
        existing = repo.find_suppression(kind, hmac_value, scope, entry_venture)
        if existing is None:
            entry_id = str(uuid.uuid4())
            repo.insert_suppression({
                "id": entry_id, "kind": kind, "hmac": hmac_value, "scope": scope.value,
                "venture_id": entry_venture, "reason": reason, "created_at": now,
                "created_by": caller.actor.label})
            existing = repo.find_suppression(kind, hmac_value, scope, entry_venture)
            audit(session, event("suppression", entry_id, "suppression.added", caller.actor,
                                 venture_id=entry_venture, request_id=caller.request_id,
                                 now=now, kind=kind, identifier_hmac=hmac_value,
                                 scope=scope.value, lead_id=target.lead_id))
        entries.append(existing)
    affected = set(direct)
    for _, hmac_value in keyed:
        affected.update(repo.leads_with_hmac(
            hmac_value, None if scope is SuppressionScope.GLOBAL else venture))
    for lead_id in sorted(affected):
        row = repo.lead_row(lead_id, lock=True)
        if row is None or row.state != LeadState.ACTIVE.value:
            continue
        source = ConsentSource.MARK_DNC if lead_id in direct else ConsentSource.SUPPRESSION
        change_consent(repo, row, ConsentStatus.DNC, actor=caller.actor, now=now,
                       source=source.value, reason=reason, request_id=caller.request_id)
    return entries, sorted(affected)


def erase_lead(session: Session, lead_id: str, reason: str, caller: Caller,
               settings: Settings) -> LeadRecord:
    """EraseLead: the identifiers' keyed hashes go on the venture's suppression list, then
    every piece of personal data goes from the lead, its identifiers, touches and ledger."""
    repo = LeadRepository(session)
    now = settings.now()
    try:
        lead = living_lead(repo, lead_id, caller.token_venture)
    except FailedPrecondition as refused:
        if refused.reason == "LEAD_ERASED":
            # Erasing twice is the same as erasing once.
            return repo.lead_record(refused.metadata["lead_id"])
        raise
    identifiers = repo.identifier_rows([lead.id])[lead.id]
    entry_ids = []
    for row in identifiers:
        existing = repo.find_suppression(row.kind, row.hmac, SuppressionScope.VENTURE,
                                         lead.venture_id)
        if existing is None:
            entry_id = str(uuid.uuid4())
            repo.insert_suppression({
                "id": entry_id, "kind": row.kind, "hmac": row.hmac,
                "scope": SuppressionScope.VENTURE.value, "venture_id": lead.venture_id,
                "reason": "erased", "created_at": now, "created_by": caller.actor.label})
            entry_ids.append(entry_id)
        else:
            entry_ids.append(existing.id)
    change_consent(repo, lead, ConsentStatus.DNC, actor=caller.actor, now=now,
                   source=ConsentSource.ERASURE.value, request_id=caller.request_id)
    repo.delete_identifiers(lead.id)
    repo.scrub_touches(lead.id)
    repo.scrub_consent_records(lead.id)
    repo.update_lead(lead.id, {
        "state": LeadState.ERASED.value, "identity_hash": None, "email": None,
        "phone": None, "linkedin_url": None, **{name: None for name in PROFILE_FIELDS},
        "consent_evidence": None, "value_currency": None, "value_amount_minor": 0,
        "attributes": {}, "qualification": Qualification().to_json(), "updated_at": now,
        "erased_at": now,
    })
    audit(session, event("lead", lead.id, "lead.erased", caller.actor,
                         venture_id=lead.venture_id, request_id=caller.request_id, now=now,
                         identifier_hmacs=sorted(row.hmac for row in identifiers),
                         suppression_entry_ids=entry_ids, reason_given=bool(reason)))
    return repo.lead_record(lead.id)
