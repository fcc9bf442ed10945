"""Claims on send jobs: a replica owns a job while ``claimed_by`` names it and
``claim_expires_at`` is in the future. Every state change a worker makes is conditional on still
holding the claim, so two replicas can never both move the same job, and a dead replica's claims
simply lapse."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.repository._rows import as_row, day_of
from aicmo_distribution.adapters.repository.runs import ACTIVE_RUN_STATES
from aicmo_distribution.adapters.tables import runs, send_jobs
from aicmo_distribution.domain.sends import NOT_LEFT_STAGES, SendState


def _claim_free(now: dt.datetime, replica: str):
    return or_(send_jobs.c.claimed_by.is_(None), send_jobs.c.claim_expires_at < now,
               send_jobs.c.claimed_by == replica)


def claim_send(session: Session, send_id: str, *, replica: str, now: dt.datetime,
               ttl: dt.timedelta, states: Iterable[SendState], transient_blocked: bool
               ) -> dict | None:
    """Takes the claim on one job in one of ``states`` (and, with ``transient_blocked``, a
    BLOCKED job whose block was transient). Returns the claimed row, or None."""
    allowed = [str(s) for s in states]
    condition = send_jobs.c.state.in_(allowed)
    if transient_blocked:
        condition = or_(condition, and_(send_jobs.c.state == str(SendState.BLOCKED),
                                        send_jobs.c.transient.is_(True)))
    # RETURNING hands back the claimed row: no read after the write.
    return as_row(session.execute(
        update(send_jobs)
        .where(send_jobs.c.id == send_id, condition, _claim_free(now, replica))
        .values(claimed_by=replica, claim_expires_at=now + ttl,
                check_attempts=send_jobs.c.check_attempts + 1)
        .returning(*send_jobs.c)).mappings().first())


def claim_due(session: Session, *, replica: str, now: dt.datetime, ttl: dt.timedelta,
              limit: int) -> list[dict]:
    """Claims up to ``limit`` jobs that are due: queued sends of active runs, and deferred or
    retrying sends whose time has come. On PostgreSQL the candidate rows are locked with
    SKIP LOCKED so replicas claiming at once take different rows; on SQLite the writing
    transaction (BEGIN IMMEDIATE) already serialises claims."""
    free = or_(send_jobs.c.claimed_by.is_(None), send_jobs.c.claim_expires_at < now)
    active = or_(send_jobs.c.run_id.is_(None), send_jobs.c.run_id.in_(
        select(runs.c.id).where(runs.c.state.in_(ACTIVE_RUN_STATES))))
    # One ordered index walk per kind of due job, each stopping at ``limit``: queued jobs
    # oldest first on (state, created_at, id); deferred and retrying jobs earliest due first
    # on (state, next_attempt_at), never reading those whose time has not come. A single
    # query over all three states would sort or scan every due-state row on each claim,
    # which grows with the table (a run of 100,000 leads).
    queued = (
        select(send_jobs.c.id, send_jobs.c.created_at)
        .where(send_jobs.c.state == str(SendState.QUEUED),
               or_(send_jobs.c.next_attempt_at.is_(None), send_jobs.c.next_attempt_at <= now),
               free, active)
        .order_by(send_jobs.c.created_at, send_jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=send_jobs))
    waiting = [
        select(send_jobs.c.id, send_jobs.c.created_at)
        .where(send_jobs.c.state == str(state), send_jobs.c.next_attempt_at <= now, free,
               active)
        .order_by(send_jobs.c.next_attempt_at, send_jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=send_jobs)
        for state in (SendState.DEFERRED, SendState.RETRYING)]
    found = [row for candidates in (queued, *waiting) for row in session.execute(candidates)]
    found.sort(key=lambda row: (row.created_at, row.id))
    ids = [row.id for row in found[:limit]]
    if not ids:
        return []
    session.execute(update(send_jobs).where(send_jobs.c.id.in_(ids)).values(
        claimed_by=replica, claim_expires_at=now + ttl,
        check_attempts=send_jobs.c.check_attempts + 1))
    rows = session.execute(select(send_jobs).where(send_jobs.c.id.in_(ids))
                           .order_by(send_jobs.c.created_at, send_jobs.c.id)).mappings()
    return [as_row(r) for r in rows]


def release_claim(session: Session, send_id: str, replica: str) -> None:
    session.execute(update(send_jobs).where(send_jobs.c.id == send_id,
                                            send_jobs.c.claimed_by == replica)
                    .values(claimed_by=None, claim_expires_at=None))


def update_claimed_send(session: Session, send_id: str, *, replica: str, state: str,
                        values: Mapping, require_active_run: bool = False) -> dict | None:
    """Changes a job this replica holds, still in ``state``; None when the claim was lost (or,
    with ``require_active_run``, when the job's run is no longer active)."""
    statement = _claimed_update(tuple(values), require_active_run)
    params = {f"v_{name}": value for name, value in values.items()}
    params.update(w_id=send_id, w_replica=replica, w_state=state)
    # RETURNING hands back the changed row: no read after the write.
    return as_row(session.execute(statement, params).mappings().first())


def update_claimed_sends(session: Session, changes: Sequence[tuple[str, str, Mapping]], *,
                         replica: str, require_active_run: bool = False
                         ) -> list[dict | None]:
    """``update_claimed_send`` for many jobs at once: (send id, state it must be in, values)
    each, answered in order with the changed row or None.

    The changes go as one executemany per set of columns, then one read brings the rows back.
    A driver reports only the total of an executemany's changes, so a row counts as changed
    when it now holds this change's state and ``updated_at`` (a moment to the microsecond) and
    the claim the change leaves; a job whose claim was lost does not."""
    if not changes:
        return []
    groups: dict[tuple[str, ...], list[dict]] = {}
    for send_id, state, values in changes:
        params = {f"v_{name}": value for name, value in values.items()}
        params.update(w_id=send_id, w_replica=replica, w_state=state)
        groups.setdefault(tuple(values), []).append(params)
    for names, params in groups.items():
        session.execute(_claimed_update(names, require_active_run, returning=False), params)
    rows = {row["id"]: row for row in (
        as_row(r) for r in session.execute(
            select(send_jobs).where(send_jobs.c.id.in_([c[0] for c in changes]))).mappings())}
    changed: list[dict | None] = []
    for send_id, _, values in changes:
        row = rows.get(send_id)
        holder = values["claimed_by"] if "claimed_by" in values else replica
        if (row is None or row["state"] != values["state"]
                or row["updated_at"] != values["updated_at"] or row["claimed_by"] != holder):
            changed.append(None)
        else:
            changed.append(row)
    return changed


@functools.lru_cache(maxsize=64)
def _claimed_update(names: tuple[str, ...], require_active_run: bool, returning: bool = True):
    """The UPDATE of ``update_claimed_send`` for one set of columns, built once: a statement
    object used again keeps its cache key, so SQLAlchemy neither rebuilds nor re-keys it."""
    conditions = [send_jobs.c.id == bindparam("w_id"),
                  send_jobs.c.claimed_by == bindparam("w_replica"),
                  send_jobs.c.state == bindparam("w_state")]
    if require_active_run:
        # Plain comparisons rather than an expanding IN, so the statement also runs as an
        # executemany.
        active = or_(*(runs.c.state == state for state in sorted(ACTIVE_RUN_STATES)))
        conditions.append(or_(send_jobs.c.run_id.is_(None), send_jobs.c.run_id.in_(
            select(runs.c.id).where(active))))
    statement = (update(send_jobs).where(*conditions)
                 .values({name: bindparam(f"v_{name}", type_=send_jobs.c[name].type)
                          for name in names}))
    return statement.returning(*send_jobs.c) if returning else statement


def reconcile_sending(session: Session, *, now: dt.datetime) -> list[dict]:
    """Jobs left SENDING by a replica that is gone (its claim lapsed). One whose latest
    attempt provably stopped before the content left (``NOT_LEFT_STAGES``) is QUEUED again;
    any other (content sent, or stage not known) is UNKNOWN_OUTCOME, never resent by itself.
    Returns the rows as they were, each with ``state`` set to the state it got."""
    rows = [as_row(r) for r in session.execute(
        select(send_jobs).where(send_jobs.c.state == str(SendState.SENDING),
                                or_(send_jobs.c.claimed_by.is_(None),
                                    send_jobs.c.claim_expires_at < now))
        .with_for_update(skip_locked=True)).mappings()]
    if not rows:
        return []
    stages = [str(stage) for stage in NOT_LEFT_STAGES]
    requeue = [row["id"] for row in rows if row["delivery_stage"] in stages]
    unknown = [row["id"] for row in rows if row["delivery_stage"] not in stages]
    common = dict(transient=False, claimed_by=None, claim_expires_at=None, updated_at=now,
                  updated_day=day_of(now))
    if requeue:
        session.execute(update(send_jobs).where(send_jobs.c.id.in_(requeue),
                                                send_jobs.c.state == str(SendState.SENDING))
                        .values(state=str(SendState.QUEUED), block_reasons="",
                                detail="the process stopped before the message left; "
                                       "queued again", next_attempt_at=None, **common))
    if unknown:
        session.execute(update(send_jobs).where(send_jobs.c.id.in_(unknown),
                                                send_jobs.c.state == str(SendState.SENDING))
                        .values(state=str(SendState.UNKNOWN_OUTCOME),
                                block_reasons="DELIVERY_OUTCOME_UNKNOWN",
                                detail="the process stopped while the channel was being "
                                       "called; review before any resend", **common))
    for row in rows:
        row["state"] = str(SendState.QUEUED if row["id"] in requeue
                           else SendState.UNKNOWN_OUTCOME)
    return rows
