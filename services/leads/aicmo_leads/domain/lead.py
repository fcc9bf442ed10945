"""What the service knows about a lead, its touches, its ledger and the suppression list, as
plain records the use cases return and the entrypoint translates."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from aicmo_common.actor import Actor
from aicmo_leads.domain.capture import Qualification, Utm
from aicmo_leads.domain.consent import ConsentEvidence, ConsentStatus
from aicmo_leads.domain.contactability import LeadState
from aicmo_leads.domain.identifiers import Identifier, IdentifierKind


@dataclass(frozen=True)
class TouchRecord:
    """One attribution touch."""

    id: int
    lead_id: str
    campaign_id: str
    source_channel: str
    source_reference: str
    utm: Utm
    touched_at: dt.datetime


@dataclass(frozen=True)
class LeadRecord:
    """A lead with its identifiers and first and last touches."""

    id: str
    venture_id: str
    state: LeadState
    identity_hash: str
    email: str
    phone: str
    linkedin_url: str
    identifiers: tuple[Identifier, ...]
    profile: dict[str, str]
    consent_status: ConsentStatus
    consent_evidence: ConsentEvidence | None
    value_currency: str
    value_amount_minor: int
    attributes: dict[str, str]
    qualification: Qualification
    first_source_channel: str
    first_touch: TouchRecord | None
    last_touch: TouchRecord | None
    touch_count: int
    merged_into: str
    created_at: dt.datetime
    updated_at: dt.datetime
    erased_at: dt.datetime | None


@dataclass(frozen=True)
class ConsentRecordView:
    """One consent ledger entry."""

    id: int
    lead_id: str
    from_status: ConsentStatus
    to_status: ConsentStatus
    changed_at: dt.datetime
    actor: Actor
    source: str
    evidence: ConsentEvidence | None
    reason: str
    request_id: str


class SuppressionScope(enum.StrEnum):
    """Where a suppression entry applies."""

    VENTURE = "venture"
    GLOBAL = "global"


@dataclass(frozen=True)
class SuppressionRecord:
    """One keyed hash on the suppression list."""

    id: str
    kind: IdentifierKind
    hmac: str
    scope: SuppressionScope
    venture_id: str
    reason: str
    created_at: dt.datetime


class CaptureOutcome(enum.StrEnum):
    """What a capture did."""

    CREATED = "created"
    MATCHED = "matched"
    REJECTED = "rejected"


@dataclass(frozen=True)
class CaptureResult:
    """Which lead a capture ended in, and how."""

    lead_id: str
    outcome: CaptureOutcome
    matched_on: IdentifierKind | None
    merged_lead_ids: tuple[str, ...] = ()
    suppressed: bool = False
    touch_id: int | None = None


@dataclass
class ImportTotals:
    """Counts of an import so far."""

    rows: int = 0
    created: int = 0
    matched: int = 0
    rejected: int = 0
    merged: int = 0

    def count(self, outcome: CaptureOutcome, merged: int = 0) -> None:
        self.rows += 1
        self.merged += merged
        if outcome is CaptureOutcome.CREATED:
            self.created += 1
        elif outcome is CaptureOutcome.MATCHED:
            self.matched += 1
        else:
            self.rejected += 1
