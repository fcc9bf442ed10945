"""Audit events in the outbox, in the caller's transaction (ids, hashes and reasons only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from aicmo_common.outbox import AuditEvent, record
from aicmo_distribution.adapters.tables import audit_outbox

SERVICE = "distribution"


def audit(session: Session, *, action: str, entity_type: str, entity_id: str, actor: str,
          venture_id: str = "", request_id: str = "", context: Mapping[str, object] | None = None,
          now: dt.datetime | None = None) -> None:
    """One audit event in the outbox, in the caller's transaction (ids and reasons only)."""
    event = AuditEvent(entity_type=entity_type, entity_id=entity_id, action=action, actor=actor,
                       venture_id=venture_id, request_id=request_id,
                       context=dict(context or {}),
                       occurred_at=now or dt.datetime.now(dt.UTC))
    record(session, audit_outbox, SERVICE, event)


def audit_event(*, action: str, entity_type: str, entity_id: str, actor: str,
                venture_id: str = "", context: Mapping[str, object] | None = None,
                now: dt.datetime) -> AuditEvent:
    """One audit event (ids and reasons only), for ``record_audit``."""
    return AuditEvent(entity_type=entity_type, entity_id=entity_id, action=action, actor=actor,
                      venture_id=venture_id, request_id="", context=dict(context or {}),
                      occurred_at=now)


def record_audit(session: Session, events: Sequence[AuditEvent]) -> None:
    """Several audit events in the outbox with one statement, in the caller's transaction."""
    record(session, audit_outbox, SERVICE, *events)
