"""Queries over the leads tables, inside the caller's session and transaction.

Plain SQLAlchemy Core: captures run inside savepoints that may be rolled back and retried,
and Core statements carry no ORM identity map that could go stale across a rollback. The
capture path's own statements are in ``capture_store``; merges and every other use case run
here, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from aicmo_common.actor import Actor
from aicmo_common.outbox import AuditEvent, record
from aicmo_leads.adapters import tables as t
from aicmo_leads.domain.capture import Qualification, Utm
from aicmo_leads.domain.consent import ConsentEvidence, ConsentStatus
from aicmo_leads.domain.contactability import LeadState
from aicmo_leads.domain.identifiers import Identifier, IdentifierKind
from aicmo_leads.domain.lead import (
    ConsentRecordView,
    LeadRecord,
    SuppressionRecord,
    SuppressionScope,
    TouchRecord,
)

PROFILE_COLUMNS = ("name", "first_name", "company", "title", "industry", "company_size")


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class LeadRepository:
    """The leads tables as seen from one session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._locking = session.get_bind().dialect.name != "sqlite"

    # --- identifiers ---------------------------------------------------------------------

    def identifier_rows(self, lead_ids: Iterable[str]) -> dict[str, list[Row]]:
        ids = list(lead_ids)
        found: dict[str, list[Row]] = {lead_id: [] for lead_id in ids}
        if not ids:
            return found
        rows = self.session.execute(
            select(t.lead_identifiers).where(t.lead_identifiers.c.lead_id.in_(ids))
            .order_by(t.lead_identifiers.c.created_at, t.lead_identifiers.c.kind,
                      t.lead_identifiers.c.hmac))
        for row in rows:
            found[row.lead_id].append(row)
        return found

    def move_identifiers(self, from_lead: str, to_lead: str) -> None:
        self.session.execute(update(t.lead_identifiers)
                             .where(t.lead_identifiers.c.lead_id == from_lead)
                             .values(lead_id=to_lead))

    def delete_identifiers(self, lead_id: str) -> None:
        self.session.execute(delete(t.lead_identifiers)
                             .where(t.lead_identifiers.c.lead_id == lead_id))

    def leads_with_hmac(self, hmac_value: str, venture_id: str | None) -> list[str]:
        """Leads carrying an identifier hash, in one venture or (None) in every venture."""
        query = select(t.lead_identifiers.c.lead_id).where(
            t.lead_identifiers.c.hmac == hmac_value)
        if venture_id is not None:
            query = query.where(t.lead_identifiers.c.venture_id == venture_id)
        return sorted(set(self.session.scalars(query)))

    # --- leads ---------------------------------------------------------------------------

    def lead_row(self, lead_id: str, *, lock: bool = False) -> Row | None:
        query = select(t.leads).where(t.leads.c.id == lead_id)
        if lock and self._locking:
            query = query.with_for_update()
        return self.session.execute(query).first()

    def update_lead(self, lead_id: str, values: dict) -> None:
        self.session.execute(update(t.leads).where(t.leads.c.id == lead_id).values(**values))

    def repoint_merged(self, from_lead: str, to_lead: str) -> None:
        """Leads merged into ``from_lead`` earlier now point straight at ``to_lead``."""
        self.session.execute(update(t.leads).where(t.leads.c.merged_into == from_lead)
                             .values(merged_into=to_lead))

    def insert_merge(self, values: dict) -> None:
        self.session.execute(insert(t.lead_merges).values(**values))

    # --- touches -------------------------------------------------------------------------

    def move_touches(self, from_lead: str, to_lead: str) -> None:
        self.session.execute(update(t.touches).where(t.touches.c.lead_id == from_lead)
                             .values(lead_id=to_lead))

    def scrub_touches(self, lead_id: str) -> None:
        self.session.execute(update(t.touches).where(t.touches.c.lead_id == lead_id).values(
            source_reference="", utm_campaign="", utm_content="", utm_source="",
            utm_medium="", utm_term=""))

    def touches_by_id(self, ids: Iterable[int | None]) -> dict[int, TouchRecord]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        rows = self.session.execute(select(t.touches).where(t.touches.c.id.in_(wanted)))
        return {row.id: touch_record(row) for row in rows}

    def touch_page(self, lead_id: str, after_id: int, limit: int) -> list[TouchRecord]:
        rows = self.session.execute(
            select(t.touches).where(t.touches.c.lead_id == lead_id, t.touches.c.id > after_id)
            .order_by(t.touches.c.id).limit(limit))
        return [touch_record(row) for row in rows]

    # --- consent ledger ------------------------------------------------------------------

    def insert_consent_record(self, values: dict) -> int:
        result = self.session.execute(insert(t.consent_records).values(**values)
                                      .returning(t.consent_records.c.id))
        return int(result.scalar_one())

    def consent_record(self, record_id: int) -> ConsentRecordView:
        row = self.session.execute(select(t.consent_records)
                                   .where(t.consent_records.c.id == record_id)).one()
        return consent_view(row)

    def consent_page(self, lead_id: str, after_id: int, limit: int) -> list[ConsentRecordView]:
        rows = self.session.execute(
            select(t.consent_records)
            .where(t.consent_records.c.lead_id == lead_id, t.consent_records.c.id > after_id)
            .order_by(t.consent_records.c.id).limit(limit))
        return [consent_view(row) for row in rows]

    def scrub_consent_records(self, lead_id: str) -> None:
        self.session.execute(update(t.consent_records)
                             .where(t.consent_records.c.lead_id == lead_id)
                             .values(evidence=None, reason=""))

    # --- suppression ---------------------------------------------------------------------

    def active_suppressions(self, venture_id: str,
                            hmacs: Iterable[str]) -> list[SuppressionRecord]:
        """Opt-out entries not lifted that apply in the venture (its own, or global) to any
        hash (not the delivery-only entries of bounced addresses)."""
        wanted = sorted(set(hmacs))
        if not wanted:
            return []
        rows = self.session.execute(
            select(t.suppression_entries)
            .where(t.suppression_entries.c.hmac.in_(wanted))
            .where(t.suppression_entries.c.lifted_at.is_(None))
            .where(t.suppression_entries.c.delivery_only.is_(False))
            .where(or_(t.suppression_entries.c.scope == SuppressionScope.GLOBAL.value,
                       and_(t.suppression_entries.c.scope == SuppressionScope.VENTURE.value,
                            t.suppression_entries.c.venture_id == venture_id)))
            .order_by(t.suppression_entries.c.created_at, t.suppression_entries.c.id))
        return [suppression_record(row) for row in rows]

    def find_suppression(self, kind: str, hmac_value: str, scope: SuppressionScope,
                         venture_id: str, *,
                         delivery_only: bool = False) -> SuppressionRecord | None:
        """The entry not lifted for an identifier: an opt-out, or (``delivery_only``) the
        entry of an address that cannot receive."""
        row = self.session.execute(
            select(t.suppression_entries).where(
                t.suppression_entries.c.kind == kind,
                t.suppression_entries.c.hmac == hmac_value,
                t.suppression_entries.c.scope == scope.value,
                t.suppression_entries.c.venture_id == venture_id,
                t.suppression_entries.c.delivery_only.is_(delivery_only),
                t.suppression_entries.c.lifted_at.is_(None))).first()
        return suppression_record(row) if row else None

    def insert_suppression(self, values: dict) -> None:
        self.session.execute(insert(t.suppression_entries).values(**values))

    def lift_suppressions(self, entry_ids: Iterable[str], *, at: dt.datetime,
                          by: str) -> None:
        ids = list(entry_ids)
        if ids:
            self.session.execute(update(t.suppression_entries)
                                 .where(t.suppression_entries.c.id.in_(ids))
                                 .values(lifted_at=at, lifted_by=by))

    # --- audit ---------------------------------------------------------------------------

    def audit(self, service: str, *events: AuditEvent) -> None:
        record(self.session, t.audit_outbox, service, *events)

    # --- read models ---------------------------------------------------------------------

    def lead_records(self, rows: Sequence[Row]) -> list[LeadRecord]:
        """Builds full records for lead rows with two more queries, whatever their number."""
        identifiers = self.identifier_rows(row.id for row in rows)
        touch_ids = [row.first_touch_id for row in rows] + [row.last_touch_id for row in rows]
        touches = self.touches_by_id(touch_ids)
        return [lead_record(row, identifiers.get(row.id, []), touches) for row in rows]

    def lead_record(self, lead_id: str) -> LeadRecord | None:
        row = self.lead_row(lead_id)
        return self.lead_records([row])[0] if row is not None else None


def touch_record(row: Row) -> TouchRecord:
    return TouchRecord(
        id=row.id, lead_id=row.lead_id, campaign_id=row.campaign_id,
        source_channel=row.source_channel, source_reference=row.source_reference,
        utm=Utm(campaign=row.utm_campaign, content=row.utm_content, source=row.utm_source,
                medium=row.utm_medium, term=row.utm_term),
        touched_at=as_utc(row.touched_at))


def consent_view(row: Row) -> ConsentRecordView:
    return ConsentRecordView(
        id=row.id, lead_id=row.lead_id, from_status=ConsentStatus(row.from_status),
        to_status=ConsentStatus(row.to_status), changed_at=as_utc(row.changed_at),
        actor=Actor(row.actor_subject, row.actor_role), source=row.source,
        evidence=ConsentEvidence.from_json(row.evidence), reason=row.reason,
        request_id=row.request_id)


def suppression_record(row: Row) -> SuppressionRecord:
    return SuppressionRecord(
        id=row.id, kind=IdentifierKind(row.kind), hmac=row.hmac,
        scope=SuppressionScope(row.scope), venture_id=row.venture_id, reason=row.reason,
        created_at=as_utc(row.created_at))


def lead_record(row: Row, identifier_rows: Sequence[Row],
                touches: dict[int, TouchRecord]) -> LeadRecord:
    return LeadRecord(
        id=row.id, venture_id=row.venture_id, state=LeadState(row.state),
        identity_hash=row.identity_hash or "", email=row.email or "", phone=row.phone or "",
        linkedin_url=row.linkedin_url or "",
        identifiers=tuple(Identifier(IdentifierKind(r.kind), r.value) for r in identifier_rows),
        profile={name: getattr(row, name) or "" for name in PROFILE_COLUMNS},
        consent_status=ConsentStatus(row.consent_status),
        consent_evidence=ConsentEvidence.from_json(row.consent_evidence),
        value_currency=row.value_currency or "", value_amount_minor=row.value_amount_minor or 0,
        attributes=dict(row.attributes or {}),
        qualification=Qualification.from_json(row.qualification),
        first_source_channel=row.first_source_channel,
        first_touch=touches.get(row.first_touch_id), last_touch=touches.get(row.last_touch_id),
        touch_count=row.touch_count, merged_into=row.merged_into or "",
        created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),
        erased_at=as_utc(row.erased_at))
