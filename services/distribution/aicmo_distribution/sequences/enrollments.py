"""The enrollments table: enrolling, reading, and the scheduler's due rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.repository._rows import as_row
from aicmo_distribution.adapters.tables import enrollments
from aicmo_distribution.sequences.progress import DUE_STATES, FINAL_STATES, State


def new_row(*, campaign_id: str, lead_id: str, venture_id: str, version: int,
            now: dt.datetime) -> dict:
    return {"id": str(uuid.uuid4()), "campaign_id": campaign_id, "lead_id": lead_id,
            "venture_id": venture_id, "version": version, "state": str(State.WAITING),
            "step": 1, "due_at": None, "stop_reason": "", "detail": "enrolled",
            "send_id": None, "steps_sent": 0, "enrolled_at": now, "updated_at": now}


def enroll(session: Session, rows: Sequence[Mapping]) -> set[str]:
    """Inserts the rows whose (campaign, lead) is free; the lead ids newly enrolled."""
    if not rows:
        return set()
    builder = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(builder(enrollments).values([dict(r) for r in rows])
                               .on_conflict_do_nothing().returning(enrollments.c.lead_id))
    return {row.lead_id for row in inserted}


def of_leads(session: Session, campaign_id: str, lead_ids: Sequence[str],
             *, lock: bool = False) -> dict[str, dict]:
    query = select(enrollments).where(enrollments.c.campaign_id == campaign_id,
                                      enrollments.c.lead_id.in_(list(lead_ids)))
    if lock:
        query = query.with_for_update()
    return {row["lead_id"]: as_row(row) for row in session.execute(query).mappings()}


def change(session: Session, enrollment_id: str, values: Mapping, *,
           states: Sequence[str]) -> bool:
    """Changes one enrolment still in one of ``states``; whether it did."""
    result = session.execute(update(enrollments).where(
        enrollments.c.id == enrollment_id, enrollments.c.state.in_(list(states)))
        .values(dict(values)).returning(enrollments.c.id))
    return result.first() is not None


def due(session: Session, now: dt.datetime, limit: int, *, lock: bool = False,
        ids: Sequence[str] = ()) -> list[dict]:
    """Up to ``limit`` enrolments due at ``now``: one index walk per due state on
    (state, due_at, id), earliest first, reading none that is not due (flat with a million
    waiting). With ``lock`` the rows are locked and replicas skip each other's (SKIP LOCKED
    on PostgreSQL; SQLite's writing transaction serialises them)."""
    found: list[dict] = []
    for state in DUE_STATES:
        query = (select(enrollments)
                 .where(enrollments.c.state == str(state), enrollments.c.due_at <= now)
                 .order_by(enrollments.c.due_at, enrollments.c.id).limit(limit))
        if ids:
            query = query.where(enrollments.c.id.in_(list(ids)))
        if lock:
            query = query.with_for_update(skip_locked=True)
        found.extend(as_row(row) for row in session.execute(query).mappings())
    found.sort(key=lambda row: (row["due_at"], row["id"]))
    return found[:limit]


def settle_sends(session: Session, send_ids: Sequence[str], now: dt.datetime) -> None:
    """The sends of ``send_ids`` have an outcome: their SENDING enrolments are due now."""
    if send_ids:
        session.execute(update(enrollments).where(
            enrollments.c.send_id.in_(list(send_ids)),
            enrollments.c.state == str(State.SENDING))
            .values(state=str(State.SETTLED), due_at=now, updated_at=now))


def stop_leads(session: Session, campaign_id: str, lead_ids: Sequence[str], values: Mapping
               ) -> list[dict]:
    """Stops the open enrolments of these leads in the campaign; the rows as they were."""
    rows = [row for row in of_leads(session, campaign_id, lead_ids, lock=True).values()
            if row["state"] not in FINAL_STATES]
    if rows:
        session.execute(update(enrollments).where(
            enrollments.c.id.in_([row["id"] for row in rows])).values(dict(values)))
    return rows


def page(session: Session, *, campaign_id: str, state: str | None,
         after: tuple[dt.datetime, str] | None, limit: int) -> list[dict]:
    query = select(enrollments).where(enrollments.c.campaign_id == campaign_id)
    if state == str(State.WAITING):
        query = query.where(enrollments.c.state.in_([str(s) for s in DUE_STATES]))
    elif state:
        query = query.where(enrollments.c.state == state)
    if after is not None:
        moment, last = after
        query = query.where(or_(enrollments.c.enrolled_at > moment,
                                (enrollments.c.enrolled_at == moment)
                                & (enrollments.c.id > last)))
    query = query.order_by(enrollments.c.enrolled_at, enrollments.c.id).limit(limit)
    return [as_row(row) for row in session.execute(query).mappings()]


def counts(session: Session, campaign_id: str) -> list[tuple[int, str, str, int]]:
    """(step, state, stop reason, count) over the campaign's enrolments."""
    return [(row.step, row.state, row.stop_reason, row.count) for row in session.execute(
        select(enrollments.c.step, enrollments.c.state, enrollments.c.stop_reason,
               func.count().label("count"))
        .where(enrollments.c.campaign_id == campaign_id)
        .group_by(enrollments.c.step, enrollments.c.state, enrollments.c.stop_reason))]
