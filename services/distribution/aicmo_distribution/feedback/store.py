"""Reads and writes of the delivery events and the feedback outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from aicmo_common.outbox import emit
from aicmo_distribution.adapters.tables import delivery_events, feedback_outbox, send_jobs
from aicmo_distribution.feedback.events import DeliveryEvent

FEEDBACK_TOPIC = "feedback"


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def known(session: Session, event_ids: Iterable[str]) -> dict[str, str | None]:
    """The events already recorded among ``event_ids``: event id -> send id (None when the
    event matched no send)."""
    ids = list(set(event_ids))
    if not ids:
        return {}
    rows = session.execute(select(delivery_events.c.event_id, delivery_events.c.send_id)
                           .where(delivery_events.c.event_id.in_(ids))).all()
    return {row.event_id: row.send_id for row in rows}


def sends(session: Session, send_ids: Iterable[str]) -> dict[str, dict]:
    """The sends among ``send_ids`` with what an event needs of them."""
    ids = list(set(send_ids))
    if not ids:
        return {}
    columns = (send_jobs.c.id, send_jobs.c.campaign_id, send_jobs.c.venture_id,
               send_jobs.c.lead_id, send_jobs.c.template_id, send_jobs.c.channel,
               send_jobs.c.state, send_jobs.c.dry_run, send_jobs.c.message_id)
    rows = session.execute(select(*columns).where(send_jobs.c.id.in_(ids))).mappings().all()
    return {row["id"]: dict(row) for row in rows}


def add(session: Session, event: DeliveryEvent, send: dict | None, *, now: dt.datetime,
        detail: str = "") -> None:
    """Records ``event`` (on ``send``, or apart when it matched none)."""
    session.execute(delivery_events.insert().values(
        event_id=event.event_id, send_id=send["id"] if send else None,
        campaign_id=send["campaign_id"] if send else "",
        venture_id=send["venture_id"] if send else "",
        lead_id=send["lead_id"] if send else "",
        template_id=(send["template_id"] or "") if send else "",
        kind=str(event.kind), source=str(event.source), message_id=event.message_id,
        occurred_at=event.occurred_at, recorded_at=now, status_code=event.status_code,
        diagnostic=event.diagnostic, evidence_sha256=event.evidence_sha256,
        feedback_type=event.feedback_type, detail=detail))


def tell_leads(session: Session, event: DeliveryEvent, send: dict) -> None:
    """Puts the event's effect on the person in the feedback outbox, for leads'
    ApplyFeedback (idempotent there on the event id)."""
    emit(session, feedback_outbox, FEEDBACK_TOPIC, {
        "feedback_id": event.event_id, "lead_id": send["lead_id"], "kind": str(event.kind),
        "channel": send["channel"], "identifier": event.recipient, "send_id": send["id"],
        "campaign_id": send["campaign_id"], "template_id": send["template_id"] or "",
        "occurred_at": event.occurred_at.isoformat(),
        "evidence_sha256": event.evidence_sha256,
        "detail_code": event.status_code or event.feedback_type,
        "text": event.reply_text,
    }, event_id=event.event_id, occurred_at=event.occurred_at)


def page(session: Session, *, campaign_id: str, send_id: str, kinds: Sequence[str],
         venture_id: str | None, after: tuple[dt.datetime, str] | None,
         limit: int) -> list[dict]:
    """Recorded events of a campaign or a send, oldest first, after a keyset position."""
    table = delivery_events
    query = select(table)
    if campaign_id:
        query = query.where(table.c.campaign_id == campaign_id)
    if send_id:
        query = query.where(table.c.send_id == send_id)
    if kinds:
        query = query.where(table.c.kind.in_(list(kinds)))
    if venture_id is not None:
        query = query.where(table.c.venture_id == venture_id)
    if after is not None:
        moment, last = after
        query = query.where((table.c.recorded_at > moment)
                            | ((table.c.recorded_at == moment) & (table.c.event_id > last)))
    rows = session.execute(query.order_by(table.c.recorded_at, table.c.event_id)
                           .limit(limit)).mappings().all()
    found = []
    for row in rows:
        item = dict(row)
        item["occurred_at"] = _aware(item["occurred_at"])
        item["recorded_at"] = _aware(item["recorded_at"])
        found.append(item)
    return found


_EVENTS, _SENDS = delivery_events.c, send_jobs.c
# Built once: the statement of every send's feedback check (a cached compiled form, no
# per-call construction on the send path).
_STOPPING = (
    select(_EVENTS.lead_id, _EVENTS.kind).join(send_jobs, _SENDS.id == _EVENTS.send_id)
    .where(_EVENTS.lead_id.in_(bindparam("lead_ids", expanding=True)),
           _SENDS.channel == bindparam("channel"),
           _EVENTS.kind.in_(("BOUNCE_HARD", "COMPLAINT", "UNSUBSCRIBE"))
           | ((_EVENTS.kind == "REPLY") & (_EVENTS.campaign_id == bindparam("campaign_id"))))
    .distinct())


def stopped_leads(session: Session, lead_ids: Iterable[str], channel: str,
                  campaign_id: str) -> dict[str, str]:
    """The leads among ``lead_ids`` no further message of ``campaign_id`` may reach on
    ``channel``, each with why: a hard bounce, complaint or unsubscribe there (any campaign),
    or a human reply to this campaign ("REPLY")."""
    ids = list(set(lead_ids))
    if not ids:
        return {}
    rows = session.execute(_STOPPING, {"lead_ids": ids, "channel": channel,
                                       "campaign_id": campaign_id}).all()
    found: dict[str, str] = {}
    for row in rows:
        # A stop for good outweighs a reply.
        if found.get(row.lead_id) in (None, "REPLY"):
            found[row.lead_id] = row.kind
    return found
