"""Messaging that responds: a template whose recent deliveries draw too many complaints or
unsubscribes is held back from further sends until a person releases it.

Mailbox providers block senders whose complaint rate passes about 0.3% (Gmail's and Yahoo's
bulk-sender rules); a template that annoys people is the cause to stop first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from aicmo_distribution.adapters.tables import delivery_events, send_jobs, templates
from aicmo_distribution.feedback.events import HoldRule


def recent_figures(session: Session, template_id: str, window: int) -> tuple[int, int, int]:
    """(deliveries, complaints, unsubscribes) over the template's last ``window`` delivered
    sends since its hold window started; each send counts once per kind."""
    start = session.execute(select(templates.c.hold_window_start).where(
        templates.c.id == template_id)).scalar_one_or_none()
    recent = select(send_jobs.c.id).where(
        send_jobs.c.template_id == template_id, send_jobs.c.state == "SENT",
        send_jobs.c.dry_run.is_(False))
    if start is not None:
        recent = recent.where(send_jobs.c.sent_at >= start)
    recent = recent.order_by(send_jobs.c.sent_at.desc()).limit(window).subquery()
    deliveries = session.execute(select(func.count()).select_from(recent)).scalar_one()
    counts = dict(session.execute(
        select(delivery_events.c.kind, func.count(func.distinct(delivery_events.c.send_id)))
        .where(delivery_events.c.send_id.in_(select(recent.c.id)),
               delivery_events.c.kind.in_(("COMPLAINT", "UNSUBSCRIBE")))
        .group_by(delivery_events.c.kind)).all())
    return deliveries, counts.get("COMPLAINT", 0), counts.get("UNSUBSCRIBE", 0)


def hold_if_needed(session: Session, template_id: str, rule: HoldRule,
                   now: dt.datetime) -> str:
    """Holds the template when the rule says so and it is not held yet; returns the reason
    it was held now ("" when it was not)."""
    reason = rule.reason(*recent_figures(session, template_id, rule.window))
    if not reason:
        return ""
    held = session.execute(update(templates).where(
        templates.c.id == template_id, templates.c.held_at.is_(None)).values(
        held_at=now, hold_reason=reason, updated_at=now)).rowcount
    return reason if held else ""


def release(session: Session, template_id: str, now: dt.datetime) -> bool:
    """Lifts a hold; the deliveries before now no longer count. False when it was not held."""
    return bool(session.execute(update(templates).where(
        templates.c.id == template_id, templates.c.held_at.is_not(None)).values(
        held_at=None, hold_reason="", hold_window_start=now, updated_at=now)).rowcount)


def venture_of(session: Session, template_id: str) -> str | None:
    """The template's venture; None when there is no such template."""
    return session.execute(select(templates.c.venture_id).where(
        templates.c.id == template_id)).scalar_one_or_none()
