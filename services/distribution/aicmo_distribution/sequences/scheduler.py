"""The sequence scheduler: every replica's run worker calls ``tick`` on each pass.

Enrolments are their own durable timers (``enrollments.due``). A due WAITING enrolment queues
its step as a send keyed (campaign, lead, step), which the run worker then drives through the
one send path (contactability, verdict, last look, daily limit, send window, kill switches);
the key makes a second send of a step impossible, whatever replicas or restarts do. When that
send has an outcome, ``hooks.step_settled`` makes the enrolment due again (SETTLED) and the
next tick moves it on: the next step's wait counted in business time from the delivery, a
stop with its reason, or the same step later when its block may lift.

Each tick reads the due rows, asks venture for their campaigns' status (outside any
transaction), then locks the rows (SKIP LOCKED, so replicas take different ones), and writes
every change with its audit event in one unit of work, conditional on the rows still being
due: a row another replica moved meanwhile is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.adapters.repository._rows import as_row
from aicmo_distribution.adapters.tables import delivery_events, send_jobs
from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound
from aicmo_distribution.domain.sends import BlockReason, SendState, request_fingerprint
from aicmo_distribution.sequences import enrollments, progress, store
from aicmo_distribution.sequences.definition import Definition, pick_variant
from aicmo_distribution.sequences.progress import State
from aicmo_distribution.service_layer.deps import SYSTEM_ACTOR, Deps

log = logging.getLogger("aicmo.distribution.sequences")

BOUNCES = ("BOUNCE_HARD", "BOUNCE_SOFT")


class Scheduler:
    """Moves due enrolments along; ``tick`` answers how many it moved."""

    def __init__(self, deps: Deps, *, batch_size: int = 500,
                 on_queued: Callable[[], None] = lambda: None) -> None:
        self._deps = deps
        self._batch = batch_size
        self._on_queued = on_queued

    async def tick(self) -> int:
        moved = 0
        while True:
            count, queued = await self._pass()
            moved += count
            if queued:
                self._on_queued()
            if count < self._batch:
                return moved

    async def _pass(self) -> tuple[int, int]:
        now = self._deps.clock()
        candidates = await self._deps.db.run_read(enrollments.due, now, self._batch)
        if not candidates:
            return 0, 0
        statuses = await self._statuses({row["campaign_id"] for row in candidates
                                         if row["state"] == str(State.WAITING)})
        zones = await self._zones({row["venture_id"] for row in candidates})

        def work(session: Session) -> tuple[int, int]:
            rows = enrollments.due(session, now, self._batch, lock=True,
                                   ids=[row["id"] for row in candidates])
            return _move(session, rows, statuses=statuses, zones=zones, now=now)

        return await self._deps.uow.write(work)

    async def _statuses(self, campaign_ids: set[str]) -> dict[str, str | None]:
        statuses: dict[str, str | None] = {}
        for campaign_id in campaign_ids:
            try:
                statuses[campaign_id] = (await self._deps.venture.campaign(campaign_id)).status
            except PeerNotFound:
                statuses[campaign_id] = "NOT_FOUND"
            except DependencyFailure as failure:
                log.warning("cannot read campaign %s; its due steps wait: %s", campaign_id,
                            failure.detail)
                statuses[campaign_id] = None
        return statuses

    async def _zones(self, venture_ids: set[str]) -> dict[str, str]:
        zones: dict[str, str] = {}
        for venture_id in venture_ids:
            try:
                zones[venture_id] = (await self._deps.venture.venture(venture_id)).timezone
            except (PeerNotFound, DependencyFailure):
                zones[venture_id] = "UTC"
        return zones


def _move(session: Session, rows: list[dict], *, statuses: dict[str, str | None],
          zones: dict[str, str], now: dt.datetime) -> tuple[int, int]:
    """Every due row's change, the queued step sends and the audit events; (moved, queued)."""
    definitions: dict[tuple[str, int], Definition] = {}
    for key in {(row["campaign_id"], row["version"]) for row in rows}:
        found = store.version(session, *key)
        if found is not None:
            definitions[key] = Definition.from_dict(found["definition"])
    sends = _sends(session, [row["send_id"] for row in rows if row["send_id"]])
    bounced = _bounced(session, [row["send_id"] for row in rows if row["send_id"]])
    moved = queued = 0
    for row in rows:
        definition = definitions.get((row["campaign_id"], row["version"]))
        if definition is None:
            continue
        calendar = definition.calendar.in_zone(zones.get(row["venture_id"]) or "UTC")
        last = sends.get(row["send_id"]) if row["send_id"] else None
        if row["state"] == str(State.SETTLED):
            if last is None:
                change = progress.stopped(progress.Stop.SEND_FAILED, "the step's send is gone")
            else:
                change = progress.after_outcome(
                    definition, calendar, position=row["step"],
                    send_state=SendState(last["state"]),
                    reasons=[BlockReason(r) for r in last["block_reasons"].split(",") if r],
                    transient=last["transient"], sent_at=last["sent_at"], now=now)
            if change.pop("sent", False):
                change["steps_sent"] = row["steps_sent"] + 1
        else:
            previous = (None if last is None
                        else last["state"] == str(SendState.SENT) and last["id"] not in bounced)
            change = progress.when_due(
                definition, calendar, position=row["step"],
                campaign_status=statuses.get(row["campaign_id"]),
                previous_delivered=previous, now=now)
            if change is None:
                change = _queue_step(session, row, definition, last, now)
                queued += 1
        change["updated_at"] = now
        if enrollments.change(session, row["id"], change, states=[row["state"]]):
            moved += 1
            _audit(session, row, change, now)
    return moved, queued


def _queue_step(session: Session, row: dict, definition: Definition, last: dict | None,
                now: dt.datetime) -> dict[str, object]:
    """Queues the step's send (or the same send again after a block that lifted); the
    enrolment is SENDING it, or SETTLED at once when the key already held a final send."""
    number = row["step"]
    step = definition.steps[number - 1]
    if last is not None and last["step"] == number and last["state"] == str(SendState.BLOCKED):
        session.execute(update(send_jobs).where(
            send_jobs.c.id == last["id"], send_jobs.c.state == str(SendState.BLOCKED))
            .values(state=str(SendState.QUEUED), block_reasons="", transient=False,
                    detail="queued again by the sequence", next_attempt_at=None,
                    check_attempts=0, updated_at=now, updated_day=repo.day_of(now)))
        return {"state": str(State.SENDING), "send_id": last["id"], "due_at": None,
                "detail": f"step {number} queued again"}
    variant = pick_variant(step, campaign_id=row["campaign_id"], lead_id=row["lead_id"],
                           number=number)
    send = repo.queued_send_row(
        campaign_id=row["campaign_id"], venture_id=row["venture_id"], lead_id=row["lead_id"],
        channel=step.channel, step=number, template_id=variant.template_id,
        request_hash=request_fingerprint({"enrollment": row["id"], "step": number}),
        detail="queued by the sequence", now=now)
    repo.insert_sends(session, [send])
    holder = repo.send_by_dedupe(session, send["dedupe_key"])
    if SendState(holder["state"]) in progress.SETTLING_SEND_STATES:
        # The campaign already sent (or settled) this step to the lead: never again.
        return {"state": str(State.SETTLED), "send_id": holder["id"], "due_at": now,
                "detail": f"step {number} was already handled for this lead"}
    return {"state": str(State.SENDING), "send_id": holder["id"], "due_at": None,
            "detail": f"step {number} queued"}


def _sends(session: Session, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    return {row["id"]: as_row(row) for row in session.execute(
        select(send_jobs.c.id, send_jobs.c.step, send_jobs.c.state, send_jobs.c.block_reasons,
               send_jobs.c.transient, send_jobs.c.sent_at)
        .where(send_jobs.c.id.in_(ids))).mappings()}


def _bounced(session: Session, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return {row.send_id for row in session.execute(
        select(delivery_events.c.send_id).where(delivery_events.c.send_id.in_(ids),
                                                delivery_events.c.kind.in_(BOUNCES)))}


def _audit(session: Session, row: dict, change: dict, now: dt.datetime) -> None:
    state = change.get("state")
    if state not in (str(State.STOPPED), str(State.FINISHED)):
        return
    repo.audit(session, action=f"enrollment.{str(state).lower()}", entity_type="enrollment",
               entity_id=row["id"], actor=SYSTEM_ACTOR, venture_id=row["venture_id"],
               context={"campaign_id": row["campaign_id"], "lead_id": row["lead_id"],
                        "step": row["step"], "stop_reason": change.get("stop_reason", ""),
                        "steps_sent": change.get("steps_sent", row["steps_sent"])}, now=now)
