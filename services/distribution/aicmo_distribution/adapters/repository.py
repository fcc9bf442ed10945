"""Reads and writes of distribution's tables; plain functions over a SQLAlchemy session.

Rows travel as dicts keyed by column name. Times are stored in UTC; SQLite hands them back
naive, so every read goes through ``_row`` which makes them aware again.

Claims: a replica owns a job while ``claimed_by`` names it and ``claim_expires_at`` is in the
future. Every state change a worker makes is conditional on still holding the claim, so two
replicas can never both move the same job, and a dead replica's claims simply lapse.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import TextClause, and_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from aicmo_common.outbox import AuditEvent, record
from aicmo_distribution.adapters.tables import audit_outbox, runs, send_jobs, templates
from aicmo_distribution.domain.sends import NOT_LEFT_STAGES, SendState

SERVICE = "distribution"
ACTIVE_RUN_STATES = ("RUNNING", "WAITING")

_TIME_COLUMNS = ("created_at", "updated_at", "next_attempt_at", "claim_expires_at", "sent_at",
                 "held_at", "hold_window_start",
                 "next_wake_at", "finished_at")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _row(mapping: Mapping | None) -> dict | None:
    if mapping is None:
        return None
    row = dict(mapping)
    for name in _TIME_COLUMNS:
        if name in row:
            row[name] = _aware(row[name])
    return row


def day_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d")


def audit(session: Session, *, action: str, entity_type: str, entity_id: str, actor: str,
          venture_id: str = "", request_id: str = "", context: Mapping[str, object] | None = None,
          now: dt.datetime | None = None) -> None:
    """One audit event in the outbox, in the caller's transaction (ids and reasons only)."""
    event = AuditEvent(entity_type=entity_type, entity_id=entity_id, action=action, actor=actor,
                       venture_id=venture_id, request_id=request_id,
                       context=dict(context or {}),
                       occurred_at=now or dt.datetime.now(dt.UTC))
    record(session, audit_outbox, SERVICE, event)


def audit_event(*, action: str, entity_type: str, entity_id: str, actor: str,
                venture_id: str = "", context: Mapping[str, object] | None = None,
                now: dt.datetime) -> AuditEvent:
    """One audit event (ids and reasons only), for ``record_audit``."""
    return AuditEvent(entity_type=entity_type, entity_id=entity_id, action=action, actor=actor,
                      venture_id=venture_id, request_id="", context=dict(context or {}),
                      occurred_at=now)


def record_audit(session: Session, events: Sequence[AuditEvent]) -> None:
    """Several audit events in the outbox with one statement, in the caller's transaction."""
    record(session, audit_outbox, SERVICE, *events)


def _insert_ignoring_conflicts(session: Session, table, values: Mapping) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row went in."""
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING rather than rowcount: psycopg reports -1 for ON CONFLICT inserts.
    result = session.execute(builder(table).values(**values).on_conflict_do_nothing()
                             .returning(table.c.id))
    return result.first() is not None


def _insert_returning_statement(table) -> TextClause:
    """INSERT of every column ... ON CONFLICT DO NOTHING RETURNING every column, as a typed
    text statement: SQLAlchemy cannot cache the dialects' ``on_conflict_do_nothing`` inserts,
    so those are compiled afresh on every call; this one is compiled once. The SQL is the same
    on SQLite (3.35+) and PostgreSQL; values still go through the columns' types."""
    names = [column.name for column in table.c]
    quoted = ", ".join(f'"{name}"' for name in names)
    sql = (f'INSERT INTO "{table.name}" ({quoted}) VALUES '
           f'({", ".join(":" + name for name in names)}) '
           f"ON CONFLICT DO NOTHING RETURNING {quoted}")
    return (text(sql).bindparams(*(bindparam(column.name, type_=column.type)
                                   for column in table.c))
            .columns(*table.c))


def _insert_returning_row(session: Session, statement: TextClause, values: Mapping
                          ) -> dict | None:
    """Runs an ``_insert_returning_statement``: the row as stored (no read-back after the
    write), or None on a conflict."""
    return _row(session.execute(statement, {**_defaults(statement), **values})
                .mappings().first())


@functools.cache
def _defaults(statement: TextClause) -> dict[str, object]:
    """The columns' own scalar defaults (None where there is none), for the columns a caller
    left out, as the Core insert would fill them."""
    defaults = {}
    for column in statement.selected_columns:
        default = column.default
        defaults[column.name] = (default.arg if default is not None and default.is_scalar
                                 else None)
    return defaults


# --- page tokens ----------------------------------------------------------------------------

def encode_token(values: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()
                                    ).decode().rstrip("=")


def decode_token(token: str) -> dict | None:
    """The token's values, or None when it is not one of ours."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    return decoded if isinstance(decoded, dict) else None


# --- templates ------------------------------------------------------------------------------

def insert_template(session: Session, values: Mapping) -> bool:
    return _insert_ignoring_conflicts(session, templates, values)


_GET_TEMPLATE = select(templates).where(templates.c.id == bindparam("template_id"))


def get_template(session: Session, template_id: str) -> dict | None:
    return _row(session.execute(_GET_TEMPLATE, {"template_id": template_id})
                .mappings().first())


def template_by_request(session: Session, request_id: str) -> dict | None:
    return _row(session.execute(select(templates).where(templates.c.request_id == request_id))
                .mappings().first())


def update_template(session: Session, template_id: str, values: Mapping) -> None:
    session.execute(update(templates).where(templates.c.id == template_id).values(**values))


def list_templates(session: Session, *, venture_id: str | None, channel: str | None,
                   after: tuple[dt.datetime, str] | None, limit: int) -> list[dict]:
    query = select(templates)
    if venture_id:
        query = query.where(templates.c.venture_id == venture_id)
    if channel:
        query = query.where(templates.c.channel == channel)
    if after is not None:
        query = query.where(or_(templates.c.created_at > after[0],
                                and_(templates.c.created_at == after[0],
                                     templates.c.id > after[1])))
    query = query.order_by(templates.c.created_at, templates.c.id).limit(limit)
    return [_row(r) for r in session.execute(query).mappings()]


# --- send jobs ------------------------------------------------------------------------------

def insert_send(session: Session, values: Mapping) -> dict | None:
    """Inserts a job unless its request id or (campaign, lead, step) is taken; returns the
    row as stored, or None when it was taken."""
    return _insert_returning_row(session, _INSERT_SEND, values)


_INSERT_SEND = _insert_returning_statement(send_jobs)


def insert_sends(session: Session, rows: Sequence[Mapping]) -> None:
    """Inserts many jobs in one statement batch; a job whose request id or (campaign, lead,
    step) is taken is left out (the caller looks the keys up afterwards)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(builder(send_jobs).on_conflict_do_nothing(), list(rows))


def sends_by_dedupe(session: Session, keys: Sequence[str]) -> dict[str, dict]:
    """The jobs holding these (campaign, lead, step) keys, by key."""
    if not keys:
        return {}
    return {row["dedupe_key"]: row for row in (_row(r) for r in session.execute(
        select(send_jobs.c.id, send_jobs.c.dedupe_key, send_jobs.c.run_id)
        .where(send_jobs.c.dedupe_key.in_(list(keys)))).mappings())}


# A NULL key matches no row (NULL = NULL is not true).
_BY_REQUEST_OR_KEY = select(send_jobs).where(or_(
    send_jobs.c.request_id == bindparam("request_id"),
    send_jobs.c.dedupe_key == bindparam("key")))


def send_by_request_or_dedupe(session: Session, request_id: str, key: str | None
                              ) -> tuple[dict | None, dict | None]:
    """(the job of this request id, the job holding this (campaign, lead, step) key), read
    in one statement."""
    by_request = by_key = None
    for mapping in session.execute(_BY_REQUEST_OR_KEY, {"request_id": request_id,
                                                        "key": key}).mappings():
        row = _row(mapping)
        if row["request_id"] == request_id:
            by_request = row
        if key is not None and row["dedupe_key"] == key:
            by_key = row
    return by_request, by_key


def get_send(session: Session, send_id: str) -> dict | None:
    return _row(session.execute(select(send_jobs).where(send_jobs.c.id == send_id))
                .mappings().first())


def send_by_request(session: Session, request_id: str) -> dict | None:
    return _row(session.execute(select(send_jobs).where(send_jobs.c.request_id == request_id))
                .mappings().first())


def send_by_dedupe(session: Session, key: str) -> dict | None:
    return _row(session.execute(select(send_jobs).where(send_jobs.c.dedupe_key == key))
                .mappings().first())


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
    return _row(session.execute(
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
    return [_row(r) for r in rows]


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
    return _row(session.execute(statement, params).mappings().first())


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
        _row(r) for r in session.execute(
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
    rows = [_row(r) for r in session.execute(
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


def list_sends(session: Session, *, filters: Mapping[str, object],
               after: tuple[dt.datetime, str] | None, limit: int) -> list[dict]:
    query = select(send_jobs)
    for name, value in filters.items():
        if value not in (None, ""):
            query = query.where(send_jobs.c[name] == value)
    if after is not None:
        query = query.where(or_(send_jobs.c.created_at > after[0],
                                and_(send_jobs.c.created_at == after[0],
                                     send_jobs.c.id > after[1])))
    query = query.order_by(send_jobs.c.created_at, send_jobs.c.id).limit(limit)
    return [_row(r) for r in session.execute(query).mappings()]


def count_sends(session: Session, *, campaign_id: str, since: dt.datetime | None,
                include_dry_run: bool, venture_id: str | None) -> list[tuple[str, str, str, int]]:
    query = (select(send_jobs.c.channel, send_jobs.c.state, send_jobs.c.updated_day,
                    func.count())
             .where(send_jobs.c.campaign_id == campaign_id)
             .group_by(send_jobs.c.channel, send_jobs.c.state, send_jobs.c.updated_day)
             .order_by(send_jobs.c.channel, send_jobs.c.state, send_jobs.c.updated_day))
    if since is not None:
        query = query.where(send_jobs.c.updated_at >= since)
    if not include_dry_run:
        query = query.where(send_jobs.c.dry_run.is_(False))
    if venture_id is not None:
        query = query.where(send_jobs.c.venture_id == venture_id)
    return [(c, s, d, int(n)) for c, s, d, n in session.execute(query)]


def recent_delivery_failures(session: Session, run_id: str, window: int) -> list[bool]:
    """For a run's latest ``window`` jobs whose delivery settled, newest first: failed?

    Only settled deliveries count: a transient refusal (a greylisting 451) waiting for its
    retry is not a failure yet; it counts once its retries are exhausted (FAILED)."""
    failed = {str(SendState.FAILED), str(SendState.UNKNOWN_OUTCOME)}
    rows = session.execute(
        select(send_jobs.c.state).where(send_jobs.c.run_id == run_id,
                                        send_jobs.c.delivery_attempts > 0,
                                        send_jobs.c.state.in_([str(SendState.SENT),
                                                               *sorted(failed)]))
        .order_by(send_jobs.c.updated_at.desc(), send_jobs.c.id.desc()).limit(window))
    return [state in failed for (state,) in rows]


# --- runs -----------------------------------------------------------------------------------

def insert_run(session: Session, values: Mapping) -> bool:
    return _insert_ignoring_conflicts(session, runs, values)


def get_run(session: Session, run_id: str, *, lock: bool = False) -> dict | None:
    query = select(runs).where(runs.c.id == run_id)
    if lock:
        query = query.with_for_update()
    return _row(session.execute(query).mappings().first())


def run_by_request(session: Session, request_id: str) -> dict | None:
    return _row(session.execute(select(runs).where(runs.c.request_id == request_id))
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
    return [_row(r) for r in session.execute(query).mappings()]


def active_runs(session: Session) -> list[dict]:
    return [_row(r) for r in session.execute(
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
    return int(busy) + int(deferred), int(deferred), _aware(earliest)


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


def existing_sends_by_key(session: Session, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    """The (id, state) of the sends holding each of ``keys``."""
    if not keys:
        return {}
    return {row.dedupe_key: (row.id, row.state) for row in session.execute(
        select(send_jobs.c.dedupe_key, send_jobs.c.id, send_jobs.c.state).where(
            send_jobs.c.dedupe_key.in_(list(keys))))}


def count_dry_run_sendable(session: Session, run_id: str) -> int:
    """How many DRY_RUN jobs of a run would be sent (no block reason)."""
    return int(session.execute(select(func.count()).select_from(send_jobs).where(
        send_jobs.c.run_id == run_id, send_jobs.c.state == str(SendState.DRY_RUN),
        or_(send_jobs.c.block_reasons == "", send_jobs.c.block_reasons.is_(None)))).scalar())


def settle_unknown(session: Session, send_id: str, values: Mapping) -> bool:
    """An operator's verdict on an UNKNOWN_OUTCOME job; False when it is in another state."""
    return session.execute(
        update(send_jobs).where(send_jobs.c.id == send_id,
                                send_jobs.c.state == str(SendState.UNKNOWN_OUTCOME))
        .values(**values)).rowcount == 1


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
