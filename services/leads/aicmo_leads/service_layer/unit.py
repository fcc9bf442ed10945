"""What every use case shares: the settings it runs under, audit recording, consent changes,
finding the lead a call names, and retrying a unit of work that lost a race."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicmo_common.actor import Actor
from aicmo_common.errors import Aborted, FailedPrecondition, NotFound
from aicmo_common.outbox import AuditEvent, record
from aicmo_common.unit_of_work import lost_a_race
from aicmo_leads.adapters import tables as t
from aicmo_leads.adapters.store import LeadRepository
from aicmo_leads.domain.consent import ConsentEvidence, ConsentStatus
from aicmo_leads.domain.contactability import LeadState
from aicmo_leads.domain.identifiers import IdentityKeys

SERVICE = "leads"
# A capture that loses a race re-reads and runs again; more than a handful of losses in a row
# means something other than a race is wrong.
MAX_ATTEMPTS = 8
# Set in ``Session.info`` while a transaction runs several captures (an import batch): such
# a capture must not wait out a deadlock inside it (see ``RunAlone``).
SHARED_TRANSACTION = "aicmo_leads.shared_transaction"

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """What the use cases need besides a session."""

    keys: IdentityKeys
    default_region: str
    clock: Callable[[], dt.datetime]

    def now(self) -> dt.datetime:
        return self.clock()


class LostRace(Exception):
    """A concurrent change moved what this unit of work read; it must run again."""


class RunAlone(Exception):
    """A unit of work lost a deadlock inside a transaction it shares with other units.

    Run again at once it would wait for locks that the earlier units of its own transaction
    still hold, and deadlock again; its savepoint is rolled back, and it must run again in a
    transaction of its own once the shared one has committed."""


def retryable(error: BaseException) -> bool:
    """A concurrent change caused ``error``: the common races (a unique or foreign key
    violation, a deadlock, a serialisation failure) or a moved identifier."""
    return isinstance(error, LostRace) or lost_a_race(error)


def _deadlock(error: BaseException) -> bool:
    # A lost race that is not a key violation: a deadlock or a serialisation failure.
    return lost_a_race(error) and not isinstance(error, IntegrityError)


def with_retries(store: LeadRepository, work: Callable[[], T]) -> T:
    """Runs ``work`` in a savepoint; on a lost race (a unique index violation from a
    concurrent capture, a deadlock, a moved identifier) rolls the savepoint back and runs it
    again, so it sees what the winner committed. In a shared transaction a deadlock raises
    ``RunAlone`` instead."""
    if not store.locking:
        # SQLite: the transaction holds the database's only write lock from its BEGIN, so
        # nothing can move between this unit's reads and writes and there is no race to lose
        # (nor a savepoint to pay for). Whatever it raises undoes the unit with its caller.
        try:
            return work()
        except LostRace as race:
            raise Aborted("the lead's identifiers are inconsistent; retry the call",
                          reason="ABORTED") from race
    shared = store.session.info.get(SHARED_TRANSACTION, False)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with store.savepoint():
                return work()
        except Exception as error:
            if shared and _deadlock(error):
                raise RunAlone() from error
            if not retryable(error) or attempt == MAX_ATTEMPTS - 1:
                if retryable(error):
                    raise Aborted("the lead changed concurrently too often; retry the call",
                                  reason="ABORTED") from error
                raise
    raise AssertionError("unreachable")


def audit(session: Session, *events: AuditEvent) -> None:
    record(session, t.audit_outbox, SERVICE, *events)


def event(entity_type: str, entity_id: str, action: str, actor: Actor, *, venture_id: str,
          request_id: str, now: dt.datetime, **context: object) -> AuditEvent:
    """An audit event; ``context`` must hold ids, hashes and reasons only."""
    return AuditEvent(entity_type=entity_type, entity_id=entity_id, action=action,
                      actor=actor.label, venture_id=venture_id, request_id=request_id,
                      context=context, occurred_at=now)


def consent_values(target: ConsentStatus, *, now: dt.datetime,
                   evidence: ConsentEvidence | None = None,
                   keep_evidence: bool = False) -> dict[str, object]:
    """What a consent change sets on the lead row."""
    values: dict[str, object] = {"consent_status": target.value, "updated_at": now}
    if not keep_evidence:
        values["consent_evidence"] = evidence.to_json() if evidence else None
    return values


def change_consent(repo: LeadRepository, lead: Row, target: ConsentStatus, *,
                   actor: Actor, source: str, now: dt.datetime,
                   evidence: ConsentEvidence | None = None, reason: str = "",
                   request_id: str = "", force_record: bool = False,
                   keep_evidence: bool = False) -> int | None:
    """Moves a lead's consent to ``target``, writing the ledger entry and the audit event in
    the caller's transaction. Returns the ledger entry's id, or None
    when nothing changed; the lead row then holds ``consent_values(...)``."""
    current = ConsentStatus(lead.consent_status)
    if current is target and not force_record:
        return None
    record_id = repo.insert_consent_record({
        "lead_id": lead.id, "from_status": current.value, "to_status": target.value,
        "changed_at": now, "actor_subject": actor.subject, "actor_role": actor.role,
        "source": source, "evidence": evidence.to_json() if evidence else None,
        "reason": reason, "request_id": request_id,
    })
    repo.update_lead(lead.id, consent_values(target, now=now, evidence=evidence,
                                             keep_evidence=keep_evidence))
    repo.audit(SERVICE, event(
        "lead", lead.id, "consent.changed", actor, venture_id=lead.venture_id,
        request_id=request_id, now=now, from_status=current.value, to_status=target.value,
        source=source, consent_record_id=record_id,
        evidence_given=bool(evidence and not evidence.empty)))
    return record_id


def visible_lead(repo: LeadRepository, lead_id: str, token_venture: str | None, *,
                 lock: bool = False) -> Row:
    """The lead named by a call; a lead of another venture is as absent as a missing one."""
    row = repo.lead_row(lead_id, lock=lock) if lead_id else None
    if row is None or (token_venture is not None and row.venture_id != token_venture):
        raise NotFound("no such lead", reason="NOT_FOUND", metadata={"lead_id": lead_id})
    return row


def living_lead(repo: LeadRepository, lead_id: str, token_venture: str | None) -> Row:
    """The lead a change applies to, locked: a merged lead's change goes to the lead it was
    merged into (an unsubscribe link may carry the old id); an erased lead refuses it."""
    row = visible_lead(repo, lead_id, token_venture, lock=True)
    hops = 0
    while row.state == LeadState.MERGED.value and row.merged_into and hops < 16:
        row = visible_lead(repo, row.merged_into, token_venture, lock=True)
        hops += 1
    if row.state == LeadState.ERASED.value:
        raise FailedPrecondition("the lead has been erased", reason="LEAD_ERASED",
                                 metadata={"lead_id": row.id})
    return row
