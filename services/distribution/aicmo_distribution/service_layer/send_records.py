"""The send path's writes: plain functions over a session, each for a whole batch of sends at
once (the path gathers them with ``WriteBatcher``). Every change is conditional on this
replica's claim, and goes with its audit event in the same unit of work."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.decision import halting_reasons
from aicmo_distribution.domain.delivery import OutboundMessage
from aicmo_distribution.domain.sends import DeliveryStage, Outcome, SendJob, SendState
from aicmo_distribution.sequences import hooks as sequence_hooks
from aicmo_distribution.service_layer.deps import SYSTEM_ACTOR

# (job, message, values, now): a job to mark SENDING before its message goes to the channel.
Mark = tuple[SendJob, OutboundMessage, dict, dt.datetime]
# (job, outcome, values, now): the outcome of one pass, for the job in the state it is in.
Settle = tuple[SendJob, Outcome, dict, dt.datetime]


def mark_sending(session: Session, marks: list[Mark], *, replica: str, ttl: dt.timedelta
                 ) -> list[SendJob | None]:
    """SENDING for every job of ``marks`` that is still this replica's and whose run is
    active, each with its audit event; the jobs as changed (None where refused)."""
    changed = repo.as_send_jobs(repo.update_claimed_sends(session, [
        (job.id, str(job.state), {
            **values, "state": str(SendState.SENDING), "block_reasons": "",
            "transient": False, "detail": "handed to the channel",
            "delivery_attempts": job.delivery_attempts + 1,
            "message_id": message.message_id, "next_attempt_at": None,
            "claim_expires_at": now + ttl,
            "updated_at": now, "updated_day": repo.day_of(now)})
        for job, message, values, now in marks], replica=replica, require_active_run=True))
    repo.record_audit(session, [
        repo.audit_event(action="send.sending", entity_type="send", entity_id=job.id,
                         actor=SYSTEM_ACTOR, venture_id=job.venture_id,
                         context=audit_context(job), now=mark[3])
        for mark, job in zip(marks, changed, strict=True) if job is not None])
    return changed


def mark_content(session: Session, marks: list[tuple[str, dt.datetime]], *, replica: str
                 ) -> list[dict | None]:
    """Stage CONTENT for each (send id, now) that is this replica's SENDING job; None for one
    that is not (only whether each mark took matters)."""
    return repo.update_claimed_sends(session, [
        (send_id, str(SendState.SENDING), {
            "state": str(SendState.SENDING),
            "delivery_stage": str(DeliveryStage.CONTENT),
            "updated_at": now, "updated_day": repo.day_of(now)})
        for send_id, now in marks], replica=replica)


def record_outcomes(session: Session, outcomes: list[Settle], *, replica: str
                    ) -> list[SendJob | None]:
    """Each outcome on its job, when the job is still this replica's, with its audit event; a
    run stops at a send its verdict denied for a campaign-wide reason. The jobs as changed,
    None where the claim lapsed."""
    changed = repo.as_send_jobs(repo.update_claimed_sends(session, [
        (job.id, str(job.state), {
            **values, "state": str(outcome.state),
            "block_reasons": ",".join(outcome.reasons), "transient": outcome.transient,
            "detail": outcome.detail[:2000], "next_attempt_at": outcome.next_attempt_at,
            "claimed_by": None, "claim_expires_at": None, "updated_at": now,
            "updated_day": repo.day_of(now)})
        for job, outcome, values, now in outcomes], replica=replica))
    events = []
    for (_, outcome, _, now), job in zip(outcomes, changed, strict=True):
        if job is None:
            continue
        events.append(repo.audit_event(
            action=f"send.{outcome.state.lower()}", entity_type="send", entity_id=job.id,
            actor=SYSTEM_ACTOR, venture_id=job.venture_id, context=audit_context(job),
            now=now))
        halting = halting_reasons(outcome) if job.in_run else []
        if halting and repo.update_run(session, job.run_id, {
                "state": "HALTED", "halt_reason": "stopped at a send the verdict "
                "denied: " + ", ".join(halting),
                "halt_block_reasons": [str(r) for r in halting],
                "updated_at": now}, states=repo.ACTIVE_RUN_STATES):
            events.append(repo.audit_event(
                action="run.halted", entity_type="run", entity_id=job.run_id,
                actor=SYSTEM_ACTOR, venture_id=job.venture_id,
                context={"reasons": [str(r) for r in halting], "send_id": job.id},
                now=now))
    repo.record_audit(session, events)
    if outcomes:
        sequence_hooks.step_settled(session, changed, outcomes[-1][3])
    return changed


def audit_context(job: SendJob) -> dict[str, object]:
    """Audit context: ids, states and reasons only; never an address or a name."""
    return {
        "campaign_id": job.campaign_id, "lead_id": job.lead_id, "channel": job.channel,
        "step": job.step, "run_id": job.run_id or "", "state": str(job.state),
        "dry_run": job.dry_run, "reasons": [str(r) for r in job.block_reasons],
        "transient": job.transient, "delivery_attempts": job.delivery_attempts,
        "message_id": job.message_id,
    }
