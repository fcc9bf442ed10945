"""The feedback tables as seen from one session (SQLAlchemy Core, in the caller's
transaction)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import desc, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from aicmo_leads.adapters import tables as t
from aicmo_leads.adapters.store import as_utc
from aicmo_leads.domain.consent import ConsentStatus
from aicmo_leads.domain.contactability import DeliveryChannel
from aicmo_leads.feedback.domain import (
    CLASSIFIED_KINDS,
    Effect,
    FeedbackKind,
    FeedbackRecord,
    UnsubscribeReason,
)
from aicmo_leads.objections import Classification, Intent

F = t.feedback_items


@dataclass(frozen=True)
class FeedbackFilter:
    """Which items a list or a count covers; empty fields do not filter."""

    lead_id: str = ""
    campaign_id: str = ""
    venture_id: str = ""
    template_id: str = ""
    kinds: tuple[FeedbackKind, ...] = ()


def feedback_record(row: Row) -> FeedbackRecord:
    classification = None
    if row.objection:
        classification = Classification(Intent(row.objection), tuple(row.matched_terms or ()),
                                         row.classifier, row.language)
    return FeedbackRecord(
        feedback_id=row.feedback_id, lead_id=row.lead_id, venture_id=row.venture_id,
        kind=FeedbackKind(row.kind),
        channel=DeliveryChannel(row.channel) if row.channel else None,
        send_id=row.send_id, campaign_id=row.campaign_id, template_id=row.template_id,
        occur_time=as_utc(row.occur_time), record_time=as_utc(row.record_time),
        evidence_sha256=row.evidence_sha256, detail_code=row.detail_code,
        classification=classification,
        effects=tuple(Effect(e) for e in row.effects or ()),
        unsubscribe_reason=(UnsubscribeReason(row.unsubscribe_reason)
                            if row.unsubscribe_reason else None),
        actor=row.actor)


class FeedbackStore:
    """Reads and writes of the ledger and its request ids."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item(self, feedback_id: str) -> Row | None:
        return self.session.execute(select(F).where(F.c.feedback_id == feedback_id)).first()

    def insert(self, values: dict) -> None:
        self.session.execute(insert(F).values(**values))

    def update(self, feedback_id: str, values: dict) -> None:
        self.session.execute(update(F).where(F.c.feedback_id == feedback_id).values(**values))

    def soft_bounces(self, venture_id: str, identifier_hmac: str, since: dt.datetime,
                     until: dt.datetime) -> int:
        """Soft bounces of one address in the venture that happened in [since, until]."""
        return int(self.session.scalar(select(func.count()).select_from(F).where(
            F.c.venture_id == venture_id, F.c.identifier_hmac == identifier_hmac,
            F.c.kind == FeedbackKind.BOUNCE_SOFT.value, F.c.occur_time >= since,
            F.c.occur_time <= until)))

    def latest_unsubscribe(self, lead_id: str) -> Row | None:
        return self.session.execute(
            select(F).where(F.c.lead_id == lead_id,
                            F.c.kind == FeedbackKind.UNSUBSCRIBE.value)
            .order_by(desc(F.c.seq)).limit(1)).first()

    def latest_dnc_time(self, lead_id: str) -> dt.datetime | None:
        """When the lead last became DNC, from its consent ledger."""
        records = t.consent_records
        return as_utc(self.session.scalar(
            select(records.c.changed_at)
            .where(records.c.lead_id == lead_id,
                   records.c.to_status == ConsentStatus.DNC.value)
            .order_by(desc(records.c.id)).limit(1)))

    def _where(self, query, filters: FeedbackFilter):
        for column, value in ((F.c.lead_id, filters.lead_id),
                              (F.c.campaign_id, filters.campaign_id),
                              (F.c.venture_id, filters.venture_id),
                              (F.c.template_id, filters.template_id)):
            if value:
                query = query.where(column == value)
        if filters.kinds:
            query = query.where(F.c.kind.in_([kind.value for kind in filters.kinds]))
        return query

    def page(self, filters: FeedbackFilter, before_seq: int | None,
             limit: int) -> tuple[list[FeedbackRecord], int | None]:
        """Newest first; the seq to continue before, when there is more."""
        query = self._where(select(F), filters)
        if before_seq is not None:
            query = query.where(F.c.seq < before_seq)
        rows = list(self.session.execute(query.order_by(desc(F.c.seq)).limit(limit + 1)))
        following = rows[limit - 1].seq if len(rows) > limit else None
        return [feedback_record(row) for row in rows[:limit]], following

    def objection_counts(self, filters: FeedbackFilter) -> list[tuple[Intent, int]]:
        """Classified replies and notes per objection, most frequent first (ties in the
        objection's order)."""
        classified = FeedbackFilter(**{**filters.__dict__, "kinds": CLASSIFIED_KINDS})
        query = self._where(select(F.c.objection, func.count()), classified).where(
            F.c.objection != "").group_by(F.c.objection)
        counts = [(Intent(objection), int(count))
                  for objection, count in self.session.execute(query)]
        order = list(Intent)
        return sorted(counts, key=lambda pair: (-pair[1], order.index(pair[0])))

    def examples(self, filters: FeedbackFilter, objection: Intent, limit: int) -> list[str]:
        classified = FeedbackFilter(**{**filters.__dict__, "kinds": CLASSIFIED_KINDS})
        query = self._where(select(F.c.feedback_id), classified).where(
            F.c.objection == objection.value).order_by(desc(F.c.seq)).limit(limit)
        return list(self.session.scalars(query))

    # --- request ids of manual feedback ---------------------------------------------------

    def request(self, request_id: str) -> Row | None:
        return self.session.execute(select(t.feedback_requests).where(
            t.feedback_requests.c.request_id == request_id)).first()

    def insert_request(self, values: dict) -> None:
        self.session.execute(insert(t.feedback_requests).values(**values))
