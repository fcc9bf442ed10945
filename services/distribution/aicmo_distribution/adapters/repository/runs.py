"""Campaign runs, and the changes a run makes to its sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.repository._rows import (
    as_row,
    aware,
    day_of,
    insert_ignoring_conflicts,
)
from aicmo_distribution.adapters.tables import runs, send_jobs
from aicmo_distribution.domain.sends import SendState

ACTIVE_RUN_STATES = ("RUNNING", "WAITING")


def insert_run(session: Session, values: Mapping) -> bool:
    return insert_ignoring_conflicts(session, runs, values)


def get_run(session: Session, run_id: str, *, lock: bool = False) -> dict | None:
    query = select(runs).where(runs.c.id == run_id)
    if lock:
        query = query.with_for_update()
    return as_row(session.execute(query).mappings().first())


def run_by_request(session: Session, request_id: str) -> dict | None:
    return as_row(session.execute(select(runs).where(runs.c.request_id == request_id))
                .mappings().first())


def update_run(session: Session, run_id: str, values: Mapping, *,
               states: Sequence[str] | None = None) -> bool:
    query = update(runs).where(runs.c.id == run_id)
    if states is not None:
        query = query.where(runs.c.state.in_(list(states)))
    return session.execute(query.values(**values)).rowcount == 1


def list_runs(session: Session, *, campaign_id: str | None, state: str | None,
              venture_id: str | None, before: tuple[dt.datetime, str] | None,
              limit: int) -> list[dict]:
    query = select(runs)
    if campaign_id:
        query = query.where(runs.c.campaign_id == campaign_id)
    if state:
        query = query.where(runs.c.state == state)
    if venture_id is not None:
        query = query.where(runs.c.venture_id == venture_id)
    if before is not None:
        query = query.where(or_(runs.c.created_at < before[0],
                                and_(runs.c.created_at == before[0], runs.c.id < before[1])))
    query = query.order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit)
    return [as_row(r) for r in session.execute(query).mappings()]


def active_runs(session: Session) -> list[dict]:
    return [as_row(r) for r in session.execute(
        select(runs).where(runs.c.state.in_(ACTIVE_RUN_STATES))
        .order_by(runs.c.created_at)).mappings()]


def run_state_counts(session: Session, run_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {run_id: {} for run_id in run_ids}
    if not run_ids:
        return counts
    for run_id, state, number in session.execute(
            select(send_jobs.c.run_id, send_jobs.c.state, func.count())
            .where(send_jobs.c.run_id.in_(list(run_ids)))
            .group_by(send_jobs.c.run_id, send_jobs.c.state)):
        counts[run_id][state] = int(number)
    return counts


def run_reason_counts(session: Session, run_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of block reasons over a run's jobs (JSON lists, so counted here, not in SQL)."""
    counts: dict[str, dict[str, int]] = {run_id: {} for run_id in run_ids}
    if not run_ids:
        return counts
    for run_id, reasons, number in session.execute(
            select(send_jobs.c.run_id, send_jobs.c.block_reasons, func.count())
            .where(send_jobs.c.run_id.in_(list(run_ids)))
            .group_by(send_jobs.c.run_id, send_jobs.c.block_reasons)):
        for reason in filter(None, (reasons or "").split(",")):
            counts[run_id][reason] = counts[run_id].get(reason, 0) + int(number)
    return counts


def run_pending(session: Session, run_id: str) -> tuple[int, int, dt.datetime | None]:
    """(pending sends, of which deferred, the earliest deferred time) of a run."""
    pending_states = [str(SendState.QUEUED), str(SendState.SENDING), str(SendState.RETRYING)]
    busy = session.execute(select(func.count()).select_from(send_jobs).where(
        send_jobs.c.run_id == run_id, send_jobs.c.state.in_(pending_states))).scalar_one()
    deferred, earliest = session.execute(
        select(func.count(), func.min(send_jobs.c.next_attempt_at)).where(
            send_jobs.c.run_id == run_id,
            send_jobs.c.state == str(SendState.DEFERRED))).one()
    return int(busy) + int(deferred), int(deferred), aware(earliest)


def requeue_run_blocked(session: Session, run_id: str, now: dt.datetime) -> int:
    """On resume: the run's transiently blocked sends go back to the queue."""
    return session.execute(
        update(send_jobs).where(send_jobs.c.run_id == run_id,
                                send_jobs.c.state == str(SendState.BLOCKED),
                                send_jobs.c.transient.is_(True))
        .values(state=str(SendState.QUEUED), block_reasons="", transient=False,
                detail="requeued when the run resumed", next_attempt_at=None,
                check_attempts=0, updated_at=now, updated_day=day_of(now))).rowcount


def cancel_run_sends(session: Session, run_id: str, now: dt.datetime) -> int:
    """On cancel: sends of the run not being worked on now are blocked for good."""
    waiting = [str(SendState.QUEUED), str(SendState.DEFERRED), str(SendState.RETRYING)]
    return session.execute(
        update(send_jobs).where(
            send_jobs.c.run_id == run_id,
            or_(send_jobs.c.state.in_(waiting),
                and_(send_jobs.c.state == str(SendState.BLOCKED),
                     send_jobs.c.transient.is_(True))),
            or_(send_jobs.c.claimed_by.is_(None), send_jobs.c.claim_expires_at < now))
        .values(state=str(SendState.BLOCKED), block_reasons="RUN_CANCELLED",
                transient=False, detail="the run was cancelled before this send started",
                next_attempt_at=None, updated_at=now, updated_day=day_of(now))).rowcount


def adopt_send(session: Session, send_id: str, run_id: str, now: dt.datetime) -> bool:
    """A re-run takes over an earlier send of the same step that never went out and is not
    owned by an active run: blocked transiently (e.g. by a pause), or settled by an operator
    as not delivered after an unknown outcome. It is queued again."""
    never_left = or_(
        and_(send_jobs.c.state == str(SendState.BLOCKED), send_jobs.c.transient.is_(True)),
        and_(send_jobs.c.state == str(SendState.FAILED),
             send_jobs.c.block_reasons == "DELIVERY_OUTCOME_UNKNOWN",
             send_jobs.c.resolution_note != ""))
    result = session.execute(
        update(send_jobs).where(
            send_jobs.c.id == send_id, never_left,
            or_(send_jobs.c.run_id.is_(None), send_jobs.c.run_id.not_in(
                select(runs.c.id).where(runs.c.state.in_(ACTIVE_RUN_STATES + ("HALTED",))))))
        .values(run_id=run_id, state=str(SendState.QUEUED), block_reasons="", transient=False,
                detail="queued again by a new run", next_attempt_at=None, check_attempts=0,
                updated_at=now, updated_day=day_of(now)))
    return result.rowcount == 1


def complete_reviewed_run(session: Session, run_id: str, now: dt.datetime) -> bool:
    """A run AWAITING_REVIEW whose last UNKNOWN_OUTCOME send was settled is COMPLETED."""
    left = session.execute(select(func.count()).select_from(send_jobs).where(
        send_jobs.c.run_id == run_id,
        send_jobs.c.state == str(SendState.UNKNOWN_OUTCOME))).scalar_one()
    if left:
        return False
    return update_run(session, run_id, {"state": "COMPLETED", "finished_at": now,
                                        "halt_reason": "", "auto_paused": False,
                                        "updated_at": now}, states=("AWAITING_REVIEW",))
