"""Send jobs: recording them, reading them, counting them. The statements answer rows (dicts
keyed by column); ``as_send_job`` builds the domain's SendJob from one."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.repository._rows import (
    as_row,
    day_of,
    insert_returning_row,
    insert_returning_statement,
)
from aicmo_distribution.adapters.tables import send_jobs
from aicmo_distribution.domain.sends import (
    BlockReason,
    DeliveryStage,
    SendJob,
    SendState,
    dedupe_key,
)


def as_send_job(row: Mapping | None) -> SendJob | None:
    """The SendJob a row of send_jobs records (None for None)."""
    if row is None:
        return None
    values = dict(row)
    values["state"] = SendState(values["state"])
    values["block_reasons"] = tuple(BlockReason(reason) for reason in
                                    (values["block_reasons"] or "").split(",") if reason)
    stage = values.get("delivery_stage")
    values["delivery_stage"] = DeliveryStage(stage) if stage else None
    return SendJob(**values)


def as_send_jobs(rows: Sequence[Mapping | None]) -> list[SendJob | None]:
    return [as_send_job(row) for row in rows]


def queued_send_row(*, campaign_id: str, venture_id: str, lead_id: str, channel: str,
                    step: int, template_id: str, request_hash: str, detail: str,
                    now: dt.datetime, run_id: str | None = None, dry_run: bool = False
                    ) -> dict:
    """The row of a send queued for the worker (a run's, a sequence step's): keyed
    (campaign, lead, step) unless a dry run, unclaimed, due now."""
    return {
        "id": str(uuid.uuid4()), "request_id": None, "request_hash": request_hash,
        "dedupe_key": None if dry_run else dedupe_key(campaign_id, lead_id, step),
        "campaign_id": campaign_id, "venture_id": venture_id, "lead_id": lead_id,
        "channel": channel, "step": step, "template_id": template_id,
        "inline_subject": None, "inline_body_text": None, "inline_body_html": None,
        "run_id": run_id, "dry_run": dry_run, "state": str(SendState.QUEUED),
        "block_reasons": "", "transient": False, "detail": detail, "delivery_attempts": 0,
        "check_attempts": 0, "verdict_sequence": 0, "message_id": "", "remaining_quota": 0,
        "next_attempt_at": None, "claimed_by": None, "claim_expires_at": None,
        "created_at": now, "updated_at": now, "updated_day": day_of(now), "sent_at": None,
        "resolution_note": ""}


def insert_send(session: Session, values: Mapping) -> dict | None:
    """Inserts a job unless its request id or (campaign, lead, step) is taken; returns the
    row as stored, or None when it was taken."""
    return insert_returning_row(session, _INSERT_SEND, values)


_INSERT_SEND = insert_returning_statement(send_jobs)


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
    return {row["dedupe_key"]: row for row in (as_row(r) for r in session.execute(
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
        row = as_row(mapping)
        if row["request_id"] == request_id:
            by_request = row
        if key is not None and row["dedupe_key"] == key:
            by_key = row
    return by_request, by_key


def get_send(session: Session, send_id: str) -> dict | None:
    return as_row(session.execute(select(send_jobs).where(send_jobs.c.id == send_id))
                .mappings().first())


def send_by_request(session: Session, request_id: str) -> dict | None:
    return as_row(session.execute(select(send_jobs).where(send_jobs.c.request_id == request_id))
                .mappings().first())


def send_by_dedupe(session: Session, key: str) -> dict | None:
    return as_row(session.execute(select(send_jobs).where(send_jobs.c.dedupe_key == key))
                .mappings().first())


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
    return [as_row(r) for r in session.execute(query).mappings()]


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
