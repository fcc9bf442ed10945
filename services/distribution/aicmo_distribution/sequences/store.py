"""The sequences table: versions of a campaign's sequence, read and added."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.repository._rows import as_row
from aicmo_distribution.adapters.tables import delivery_events, send_jobs, sequences


def version(session: Session, campaign_id: str, number: int = 0) -> dict | None:
    """A version of the campaign's sequence (the latest for 0), or None."""
    query = select(sequences).where(sequences.c.campaign_id == campaign_id)
    query = (query.where(sequences.c.version == number) if number
             else query.order_by(sequences.c.version.desc()).limit(1))
    row = session.execute(query).mappings().first()
    return as_row(row)


def by_request(session: Session, request_id: str) -> dict | None:
    row = session.execute(select(sequences).where(sequences.c.request_id == request_id)
                          ).mappings().first()
    return as_row(row)


def add_version(session: Session, values: Mapping) -> bool:
    """Adds a version unless (campaign, version) or the request id is taken (another writer
    got there first); whether it was added."""
    builder = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # RETURNING rather than rowcount: psycopg reports -1 for ON CONFLICT inserts.
    result = session.execute(builder(sequences).values(dict(values)).on_conflict_do_nothing()
                             .returning(sequences.c.version))
    return result.first() is not None


def latest_versions(session: Session, *, venture_id: str | None, after: str, limit: int
                    ) -> list[dict]:
    """The latest version of each sequence, by campaign id after ``after``."""
    latest = (select(sequences.c.campaign_id, func.max(sequences.c.version).label("version"))
              .group_by(sequences.c.campaign_id))
    if venture_id:
        latest = latest.where(sequences.c.venture_id == venture_id)
    if after:
        latest = latest.where(sequences.c.campaign_id > after)
    latest_sub = latest.subquery()
    query = (select(sequences).join(latest_sub, (sequences.c.campaign_id
                                                 == latest_sub.c.campaign_id)
                                    & (sequences.c.version == latest_sub.c.version))
             .order_by(sequences.c.campaign_id).limit(limit))
    return [as_row(row) for row in session.execute(query).mappings()]


def step_sends(session: Session, campaign_id: str, steps: int
               ) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """The campaign's sequence step sends: delivered per (step, template), and sends replied
    to per step. Step sends are those neither a run nor a CreateSend made."""
    steps_only = (send_jobs.c.campaign_id == campaign_id, send_jobs.c.run_id.is_(None),
                  send_jobs.c.request_id.is_(None), send_jobs.c.step <= steps)
    sent = {(row.step, row.template_id or ""): row.count for row in session.execute(
        select(send_jobs.c.step, send_jobs.c.template_id, func.count().label("count"))
        .where(*steps_only, send_jobs.c.state == "SENT")
        .group_by(send_jobs.c.step, send_jobs.c.template_id))}
    replied = {row.step: row.count for row in session.execute(
        select(send_jobs.c.step, func.count(func.distinct(delivery_events.c.send_id))
               .label("count"))
        .join(send_jobs, send_jobs.c.id == delivery_events.c.send_id)
        .where(delivery_events.c.campaign_id == campaign_id,
               delivery_events.c.kind == "REPLY", *steps_only)
        .group_by(send_jobs.c.step))}
    return sent, replied
