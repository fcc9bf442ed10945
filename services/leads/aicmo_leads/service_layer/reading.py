"""Reading leads: get, list, export, touches, the consent ledger, contactability; and
UpdateLead, the one plain field edit."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from aicmo_common.access import Caller
from aicmo_common.errors import NotFound
from aicmo_leads.adapters import tables as t
from aicmo_leads.adapters.store import LeadRepository, as_utc, lead_record, touch_record
from aicmo_leads.adapters.store.contactability import ContactabilityRows, read_contactability
from aicmo_leads.domain.capture import Qualification
from aicmo_leads.domain.consent import ConsentStatus
from aicmo_leads.domain.contactability import Contactability, DeliveryChannel, LeadState, assess
from aicmo_leads.domain.lead import ConsentRecordView, LeadRecord, TouchRecord
from aicmo_leads.domain.lead_update import LeadChanges
from aicmo_leads.service_layer.unit import Settings, audit, event, living_lead, visible_lead


def get_lead(session: Session, lead_id: str, token_venture: str | None) -> LeadRecord:
    repo = LeadRepository(session)
    return repo.lead_record(visible_lead(repo, lead_id, token_venture).id)


@dataclass(frozen=True)
class LeadFilter:
    """Which leads a list or export wants. ``venture_id`` None means every venture."""

    venture_id: str | None
    campaign_id: str = ""
    consent_status: ConsentStatus | None = None
    source_channel: str = ""
    states: tuple[LeadState, ...] = (LeadState.ACTIVE,)


def list_leads(session: Session, filters: LeadFilter, after: tuple[dt.datetime, str] | None,
               limit: int, *, ids_only: bool = False
               ) -> tuple[list[LeadRecord] | list[str], tuple[dt.datetime, str] | None]:
    """One page of leads, oldest first, and the position after it (None on the last page);
    with ``ids_only``, the leads' ids alone (nothing else is read)."""
    query = select(t.leads).where(t.leads.c.state.in_([s.value for s in filters.states]))
    if filters.venture_id is not None:
        query = query.where(t.leads.c.venture_id == filters.venture_id)
    if filters.campaign_id:
        query = query.where(exists().where(and_(t.touches.c.lead_id == t.leads.c.id,
                                                t.touches.c.campaign_id ==
                                                filters.campaign_id)))
    if filters.consent_status is not None:
        query = query.where(t.leads.c.consent_status == filters.consent_status.value)
    if filters.source_channel:
        query = query.where(t.leads.c.first_source_channel == filters.source_channel)
    if after is not None:
        moment, last_id = after
        query = query.where(or_(t.leads.c.created_at > moment,
                                and_(t.leads.c.created_at == moment, t.leads.c.id > last_id)))
    rows = session.execute(query.order_by(t.leads.c.created_at, t.leads.c.id)
                           .limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    position = (as_utc(rows[-1].created_at), rows[-1].id) if more and rows else None
    if ids_only:
        return [row.id for row in rows], position
    return LeadRepository(session).lead_records(rows), position


def list_touches(session: Session, lead_id: str, token_venture: str | None, after: int,
                 limit: int) -> tuple[list[TouchRecord], int | None]:
    repo = LeadRepository(session)
    lead = visible_lead(repo, lead_id, token_venture)
    touches = repo.touch_page(lead.id, after, limit + 1)
    more = len(touches) > limit
    touches = touches[:limit]
    return touches, (touches[-1].id if more else None)


def list_consent_history(session: Session, lead_id: str, token_venture: str | None,
                         after: int, limit: int) -> tuple[list[ConsentRecordView], int | None]:
    repo = LeadRepository(session)
    lead = visible_lead(repo, lead_id, token_venture)
    records = repo.consent_page(lead.id, after, limit + 1)
    more = len(records) > limit
    records = records[:limit]
    return records, (records[-1].id if more else None)


@dataclass(frozen=True)
class ContactabilityAnswer:
    """The verdict with what the caller learns of the lead: always its venture, consent and
    merge target; the whole lead only when the contact is allowed."""

    verdict: Contactability
    venture_id: str
    consent_status: ConsentStatus
    merged_into: str
    lead: LeadRecord | None


@dataclass(frozen=True)
class ContactabilityCheck:
    """One CheckContactability call: the lead, the caller's venture scope, the send."""

    lead_id: str
    token_venture: str | None
    channel: DeliveryChannel
    consent_required: bool


def check_contactability(session: Session, lead_id: str, token_venture: str | None,
                         channel: DeliveryChannel, consent_required: bool) -> ContactabilityAnswer:
    """One check in the session's transaction."""
    outcome, = check_contactability_many(
        functools.partial(read_contactability, session),
        [ContactabilityCheck(lead_id, token_venture, channel, consent_required)])
    if isinstance(outcome, NotFound):
        raise outcome
    return outcome


def check_contactability_many(read: Callable[[Sequence[str]], dict[str, ContactabilityRows]],
                              checks: Sequence[ContactabilityCheck]
                              ) -> list[ContactabilityAnswer | NotFound]:
    """Reads every lead the checks name with one statement (``read``) and assesses each
    check: its answer, or the NotFound it fails with (a lead of another venture is as
    absent as a missing one)."""
    found = read([check.lead_id for check in checks if _could_exist(check.lead_id)])
    return [_assessed(found.get(check.lead_id) if _could_exist(check.lead_id) else None, check)
            for check in checks]


def _could_exist(lead_id: str) -> bool:
    # No lead has an empty id or one with NUL, and PostgreSQL refuses NUL in a text parameter
    # outright: such an id is simply not found, without asking.
    return bool(lead_id) and "\0" not in lead_id


def _assessed(rows: ContactabilityRows | None,
              check: ContactabilityCheck) -> ContactabilityAnswer | NotFound:
    if rows is None or (check.token_venture is not None
                        and rows.lead.venture_id != check.token_venture):
        return NotFound("no such lead", reason="NOT_FOUND", metadata={"lead_id": check.lead_id})
    row = rows.lead
    consent = ConsentStatus(row.consent_status)
    verdict = assess(state=LeadState(row.state), consent=consent, suppressed=rows.suppressed,
                     undeliverable=rows.undeliverable, channel=check.channel,
                     consent_required=check.consent_required, email=row.email,
                     phone=row.phone, linkedin_url=row.linkedin_url)
    lead = None
    if verdict.allowed:
        # Only an allowed answer carries the lead, so only it pays for building the record.
        touches = {}
        for touch in (rows.first_touch, rows.last_touch):
            if touch is not None and touch.id not in touches:
                touches[touch.id] = touch_record(touch)
        lead = lead_record(row, rows.identifiers, touches)
    return ContactabilityAnswer(verdict, row.venture_id, consent, row.merged_into or "", lead)


def update_lead(session: Session, lead_id: str, changes: LeadChanges, paths: list[str],
                caller: Caller, settings: Settings) -> LeadRecord:
    """UpdateLead: sets the masked non-identity fields."""
    repo = LeadRepository(session)
    now = settings.now()
    lead = living_lead(repo, lead_id, caller.token_venture)
    values: dict[str, object] = {name: value or None for name, value in changes.profile.items()}
    if changes.value is not None:
        values.update(value_currency=changes.value[0] or None,
                      value_amount_minor=changes.value[1])
    if changes.attributes is not None:
        values["attributes"] = changes.attributes
    if changes.qualification is not None:
        values["qualification"] = changes.applied_to(
            Qualification.from_json(lead.qualification)).to_json()
    values["updated_at"] = now
    repo.update_lead(lead.id, values)
    audit(session, event("lead", lead.id, "lead.updated", caller.actor,
                         venture_id=lead.venture_id, request_id=caller.request_id, now=now,
                         fields=sorted(paths)))
    return repo.lead_record(lead.id)
