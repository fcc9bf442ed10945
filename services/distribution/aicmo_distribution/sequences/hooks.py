"""What the rest of distribution tells the sequences, inside its own units of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.adapters.tables import send_jobs
from aicmo_distribution.domain.sends import SendJob, SendState
from aicmo_distribution.sequences import enrollments
from aicmo_distribution.sequences.progress import SETTLING_SEND_STATES, State, Stop, stopped
from aicmo_distribution.service_layer.deps import SYSTEM_ACTOR

# Delivery event kinds that end a lead's sequence in that campaign at once.
STOPPING_EVENTS = {"REPLY": Stop.REPLIED, "BOUNCE_HARD": Stop.HARD_BOUNCE,
                   "COMPLAINT": Stop.COMPLAINED, "UNSUBSCRIBE": Stop.UNSUBSCRIBED}
_NOT_STARTED = (str(SendState.QUEUED), str(SendState.DEFERRED), str(SendState.RETRYING))


def step_settled(session: Session, jobs: Iterable[SendJob | None], now: dt.datetime) -> None:
    """Sends that got an outcome (the send path's record_outcomes): a sequence step's
    enrolment becomes due, to be moved on by the next tick. Sends of runs are never steps."""
    enrollments.settle_sends(session, [
        job.id for job in jobs
        if job is not None and job.run_id is None and job.request_id is None
        and job.state in SETTLING_SEND_STATES], now)


def feedback_arrived(session: Session, events: Iterable[tuple[str, str, str]],
                     now: dt.datetime) -> None:
    """Delivery events just recorded, as (kind, campaign, lead): a human reply, a hard bounce,
    a complaint or an unsubscribe stops the lead's sequence in that campaign now, and a step
    send of it not yet started is blocked before any verdict is asked for it."""
    for kind, campaign_id, lead_id in events:
        reason = STOPPING_EVENTS.get(kind)
        if reason is None or not campaign_id or not lead_id:
            continue
        for row in enrollments.stop_leads(session, campaign_id, [lead_id], {
                **stopped(reason, f"{kind.lower()} recorded"), "updated_at": now}):
            if row["state"] == str(State.SENDING) and row["send_id"]:
                session.execute(update(send_jobs).where(
                    send_jobs.c.id == row["send_id"], send_jobs.c.state.in_(_NOT_STARTED))
                    .values(state=str(SendState.BLOCKED), block_reasons="LEAD_REPLIED"
                            if kind == "REPLY" else "LEAD_SUPPRESSED", transient=False,
                            detail=f"the sequence stopped: {kind.lower()} recorded",
                            claimed_by=None, claim_expires_at=None, next_attempt_at=None,
                            updated_at=now, updated_day=repo.day_of(now)))
            repo.audit(session, action="enrollment.stopped", entity_type="enrollment",
                       entity_id=row["id"], actor=SYSTEM_ACTOR, venture_id=row["venture_id"],
                       context={"campaign_id": campaign_id, "lead_id": lead_id,
                                "step": row["step"], "stop_reason": str(reason),
                                "steps_sent": row["steps_sent"]}, now=now)
