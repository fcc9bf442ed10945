"""Recording delivery events on their sends: the use cases behind RecordDeliveryEvents and
ListDeliveryEvents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicmo_common import pages
from aicmo_common.access import MANAGERS, READERS, Caller
from aicmo_common.auth import Role
from aicmo_common.db import Database
from aicmo_common.errors import FieldErrors, NotFound
from aicmo_common.outbox import AuditEvent, record
from aicmo_distribution.adapters.tables import audit_outbox
from aicmo_distribution.feedback import holds, store
from aicmo_distribution.feedback.events import (
    MAX_BATCH,
    DeliveryEvent,
    EventKind,
    EventResult,
    HoldRule,
    Outcome,
    send_id_in,
    unmatched_detail,
)
from aicmo_distribution.sequences import hooks as sequence_hooks

SERVICE = "distribution"
HOLDING_KINDS = (EventKind.COMPLAINT, EventKind.UNSUBSCRIBE)
#: The edge (a service token) and administrators hand events in.
RECORDERS = frozenset({Role.SERVICE, Role.ADMIN})


def record_events(session: Session, events: Sequence[DeliveryEvent], *, mail_domain: str,
                  caller: Caller, now: dt.datetime,
                  hold_rule: HoldRule | None = None) -> list[EventResult]:
    """Matches each event to its send and records it once; an event about a person goes to
    leads through the feedback outbox, and a template whose complaints or unsubscribes cross
    ``hold_rule`` is held back, all in this transaction."""
    seen = store.known(session, (event.event_id for event in events))
    wanted = {event.event_id: event.send_id or send_id_in(event.message_id, mail_domain)
              for event in events}
    jobs = store.sends(session, (send_id for send_id in wanted.values() if send_id))
    results: list[EventResult] = []
    audits: list[AuditEvent] = []
    touched: dict[str, dict] = {}  # templates whose complaints or unsubscribes grew
    arrived: list[tuple[str, str, str]] = []  # (kind, campaign, lead) for the sequences
    for event in events:
        if event.event_id in seen:
            earlier = seen[event.event_id]
            results.append(EventResult(event.event_id, Outcome.DUPLICATE, earlier or "",
                                       "" if earlier else "recorded before; no send matches"))
            continue
        job = jobs.get(wanted[event.event_id])
        if job is not None and not caller.may_see(job["venture_id"]):
            job = None  # another venture's send does not exist for this caller
        detail = unmatched_detail(job["state"] if job else None,
                                  bool(job and job["dry_run"]))
        if detail:
            store.add(session, event, None, now=now, detail=detail)
            seen[event.event_id] = None
            results.append(EventResult(event.event_id, Outcome.UNMATCHED, "", detail))
            continue
        store.add(session, event, job, now=now)
        seen[event.event_id] = job["id"]
        if event.kind.concerns_the_person:
            store.tell_leads(session, event, job)
        audits.append(AuditEvent(
            entity_type="send", entity_id=job["id"], action="send.delivery_event",
            actor=caller.actor.label, venture_id=job["venture_id"],
            request_id=caller.request_id, occurred_at=now,
            context={"event_id": event.event_id, "kind": str(event.kind),
                     "source": str(event.source), "evidence_sha256": event.evidence_sha256,
                     "status_code": event.status_code, "campaign_id": job["campaign_id"],
                     "lead_id": job["lead_id"]}))
        results.append(EventResult(event.event_id, Outcome.RECORDED, job["id"]))
        arrived.append((str(event.kind), job["campaign_id"], job["lead_id"]))
        if event.kind in HOLDING_KINDS and job["template_id"]:
            touched[job["template_id"]] = job
    for template_id, job in touched.items() if hold_rule is not None else ():
        reason = holds.hold_if_needed(session, template_id, hold_rule, now)
        if reason:
            audits.append(AuditEvent(
                entity_type="template", entity_id=template_id, action="template.held",
                actor=caller.actor.label, venture_id=job["venture_id"],
                request_id=caller.request_id, occurred_at=now,
                context={"reason": reason, "campaign_id": job["campaign_id"]}))
    sequence_hooks.feedback_arrived(session, arrived, now)
    record(session, audit_outbox, SERVICE, *audits)
    return results


async def record_delivery_events(database: Database, events: Sequence[DeliveryEvent], *,
                                 mail_domain: str, caller: Caller, now: dt.datetime,
                                 after_commit: Callable[[], None],
                                 hold_rule: HoldRule | None = None) -> list[EventResult]:
    """``record_events`` in one writing transaction. Two edges handing in the same event at
    once: one commits, the other's unique key fails and it runs again, finding a duplicate."""
    caller.require(RECORDERS, "RecordDeliveryEvents")
    if not events:
        return []
    for attempt in range(2):
        try:
            results = await database.run(record_events, events, mail_domain=mail_domain,
                                         caller=caller, now=now, hold_rule=hold_rule)
        except IntegrityError:
            if attempt:
                raise
            continue
        if any(result.outcome is Outcome.RECORDED for result in results):
            after_commit()
        return results
    raise AssertionError("unreachable")


def check_batch(count: int, errors: FieldErrors) -> None:
    if not 1 <= count <= MAX_BATCH:
        errors.add("events", f"must hold 1 to {MAX_BATCH} events (got {count})")


async def list_delivery_events(database: Database, *, caller: Caller, campaign_id: str,
                               send_id: str, kinds: Sequence[str], size: int,
                               token: str) -> tuple[list[dict], str]:
    caller.require(READERS, "ListDeliveryEvents")
    errors = FieldErrors()
    if not campaign_id and not send_id:
        errors.add("campaign_id", "or send_id is required")
    limit = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    filters = {"campaign": campaign_id, "send": send_id, "kinds": sorted(kinds),
               "venture": caller.token_venture}
    rows = await database.run_read(store.page, campaign_id=campaign_id, send_id=send_id,
                                   kinds=kinds, venture_id=caller.token_venture,
                                   after=pages.moment_position(token, filters),
                                   limit=limit + 1)
    return pages.page_of(rows, limit,
                         lambda row: [row["recorded_at"].isoformat(), row["event_id"]], filters)


async def release_template(database: Database, *, caller: Caller, template_id: str,
                           reason: str, now: dt.datetime) -> None:
    """ReleaseTemplate: lifts a hold (audited with the reason); its sends go out again."""
    caller.require(MANAGERS, "ReleaseTemplate")
    errors = FieldErrors()
    if not template_id:
        errors.add("template_id", "is required")
    if not reason.strip():
        errors.add("reason", "is required")
    elif len(reason) > 1000:
        errors.add("reason", "must be at most 1000 characters")
    errors.raise_if_any()

    def lift(session: Session) -> None:
        venture_id = holds.venture_of(session, template_id)
        if venture_id is None or not caller.may_see(venture_id):
            raise NotFound(f"template {template_id!r} does not exist",
                           metadata={"resource": "template", "id": template_id[:128]})
        if holds.release(session, template_id, now):
            record(session, audit_outbox, SERVICE, AuditEvent(
                entity_type="template", entity_id=template_id, action="template.released",
                actor=caller.actor.label, venture_id=venture_id, request_id=caller.request_id,
                occurred_at=now, context={"reason": reason.strip()}))

    await database.run(lift)
