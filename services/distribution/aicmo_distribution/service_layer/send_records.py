"""The send path's writes: plain functions over a session, each for a whole batch of sends at
once (the path gathers them with ``WriteBatcher``). Every change is conditional on this
replica's claim, and goes with its audit event in the same unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.decision import halting_reasons
from aicmo_distribution.domain.delivery import OutboundMessage
from aicmo_distribution.domain.sends import DeliveryStage, Outcome, SendState
from aicmo_distribution.service_layer.deps import SYSTEM_ACTOR

# (job, message, values, now): a job to mark SENDING before its message goes to the channel.
Mark = tuple[dict, OutboundMessage, dict, dt.datetime]
# (job, state it must be in, outcome, values, now): the outcome of one pass.
Settle = tuple[dict, str, Outcome, dict, dt.datetime]


def mark_sending(session: Session, marks: list[Mark], *, replica: str, ttl: dt.timedelta
                 ) -> list[dict | None]:
    """SENDING for every job of ``marks`` that is still this replica's and whose run is
    active, each with its audit event; the changed rows."""
    changed = repo.update_claimed_sends(session, [
        (job["id"], job["state"], {
            **values, "state": str(SendState.SENDING), "block_reasons": "",
            "transient": False, "detail": "handed to the channel",
            "delivery_attempts": job["delivery_attempts"] + 1,
            "message_id": message.message_id, "next_attempt_at": None,
            "claim_expires_at": now + ttl,
            "updated_at": now, "updated_day": repo.day_of(now)})
        for job, message, values, now in marks], replica=replica, require_active_run=True)
    repo.record_audit(session, [
        repo.audit_event(action="send.sending", entity_type="send",
                         entity_id=marked["id"], actor=SYSTEM_ACTOR,
                         venture_id=marked["venture_id"], context=audit_context(marked),
                         now=mark[3])
        for mark, marked in zip(marks, changed, strict=True) if marked is not None])
    return changed


def mark_content(session: Session, marks: list[tuple[str, dt.datetime]], *, replica: str
                 ) -> list[dict | None]:
    """Stage CONTENT for each (send id, now) that is this replica's SENDING job."""
    return repo.update_claimed_sends(session, [
        (send_id, str(SendState.SENDING), {
            "state": str(SendState.SENDING),
            "delivery_stage": str(DeliveryStage.CONTENT),
            "updated_at": now, "updated_day": repo.day_of(now)})
        for send_id, now in marks], replica=replica)


def record_outcomes(session: Session, outcomes: list[Settle], *, replica: str
                    ) -> list[dict | None]:
    """Each outcome on its job, when the job is still this replica's, with its audit event; a
    run stops at a send its verdict denied for a campaign-wide reason. The changed rows, None
    where the claim lapsed."""
    changed = repo.update_claimed_sends(session, [
        (job["id"], state, {
            **values, "state": str(outcome.state),
            "block_reasons": ",".join(outcome.reasons), "transient": outcome.transient,
            "detail": outcome.detail[:2000], "next_attempt_at": outcome.next_attempt_at,
            "claimed_by": None, "claim_expires_at": None, "updated_at": now,
            "updated_day": repo.day_of(now)})
        for job, state, outcome, values, now in outcomes], replica=replica)
    events = []
    for (job, _, outcome, _, now), row in zip(outcomes, changed, strict=True):
        if row is None:
            continue
        events.append(repo.audit_event(
            action=f"send.{outcome.state.lower()}", entity_type="send", entity_id=job["id"],
            actor=SYSTEM_ACTOR, venture_id=row["venture_id"], context=audit_context(row),
            now=now))
        halting = halting_reasons(outcome) if row["run_id"] else []
        if halting and repo.update_run(session, row["run_id"], {
                "state": "HALTED", "halt_reason": "stopped at a send the verdict "
                "denied: " + ", ".join(halting),
                "halt_block_reasons": [str(r) for r in halting],
                "updated_at": now}, states=repo.ACTIVE_RUN_STATES):
            events.append(repo.audit_event(
                action="run.halted", entity_type="run", entity_id=row["run_id"],
                actor=SYSTEM_ACTOR, venture_id=row["venture_id"],
                context={"reasons": [str(r) for r in halting], "send_id": job["id"]},
                now=now))
    repo.record_audit(session, events)
    return changed


def audit_context(job: Mapping) -> dict[str, object]:
    """Audit context: ids, states and reasons only; never an address or a name."""
    return {
        "campaign_id": job["campaign_id"], "lead_id": job["lead_id"],
        "channel": job["channel"], "step": job["step"], "run_id": job["run_id"] or "",
        "state": job["state"], "dry_run": bool(job["dry_run"]),
        "reasons": [r for r in (job["block_reasons"] or "").split(",") if r],
        "transient": bool(job["transient"]), "delivery_attempts": job["delivery_attempts"],
        "message_id": job["message_id"],
    }
