"""Rows of the leads tables as the store hands them out, and the domain records built from
them."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table

from aicmo_common.actor import Actor
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


class RowType:
    """A table's row as a named tuple (every column, in table order): read by attribute,
    changed with ``_replace``, written back with ``_asdict``."""

    def __init__(self, table: Table) -> None:
        self.columns = tuple(column.key for column in table.columns)
        self.make = namedtuple(f"{table.name}_row", self.columns)._make  # noqa: PYI024

    def from_values(self, values: Mapping[str, object]) -> Any:
        """The row a read would return, from the Python values just written."""
        return self.make(map(values.get, self.columns))


LEADS = RowType(t.leads)
IDENTIFIERS = RowType(t.lead_identifiers)
TOUCHES = RowType(t.touches)
REQUESTS = RowType(t.capture_requests)
SUPPRESSIONS = RowType(t.suppression_entries)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def touch_record(row: Any) -> TouchRecord:
    return TouchRecord(
        id=row.id, lead_id=row.lead_id, campaign_id=row.campaign_id,
        source_channel=row.source_channel, source_reference=row.source_reference,
        utm=Utm(campaign=row.utm_campaign, content=row.utm_content, source=row.utm_source,
                medium=row.utm_medium, term=row.utm_term),
        touched_at=as_utc(row.touched_at))


def consent_view(row: Any) -> ConsentRecordView:
    return ConsentRecordView(
        id=row.id, lead_id=row.lead_id, from_status=ConsentStatus(row.from_status),
        to_status=ConsentStatus(row.to_status), changed_at=as_utc(row.changed_at),
        actor=Actor(row.actor_subject, row.actor_role), source=row.source,
        evidence=ConsentEvidence.from_json(row.evidence), reason=row.reason,
        request_id=row.request_id)


def suppression_record(row: Any) -> SuppressionRecord:
    return SuppressionRecord(
        id=row.id, kind=IdentifierKind(row.kind), hmac=row.hmac,
        scope=SuppressionScope(row.scope), venture_id=row.venture_id, reason=row.reason,
        created_at=as_utc(row.created_at))


def lead_record(row: Any, identifier_rows: Sequence[Any],
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
