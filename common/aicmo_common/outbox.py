"""The transactional outbox: audit events are written with the change they describe.

A service adds its events to its own ``audit_outbox`` table inside the same database
transaction as the change itself, so an event exists exactly when the change does. A relay
(see ``OutboxRelay``) delivers pending events to the audit service and marks them delivered;
audit stores each event id once, so a redelivery after a crash adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
)
from sqlalchemy.orm import Session


def outbox_table(metadata: MetaData) -> Table:
    """Declares the ``audit_outbox`` table in a service's own metadata."""
    return Table(
        "audit_outbox",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("service", String(32), nullable=False),
        Column("entity_type", String(64), nullable=False),
        Column("entity_id", String(128), nullable=False),
        Column("action", String(64), nullable=False),
        Column("actor", String(256), nullable=False),
        Column("venture_id", String(64), nullable=False, default=""),
        Column("request_id", String(128), nullable=False, default=""),
        Column("context", JSON, nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        Index("ix_audit_outbox_pending", "delivered_at", "occurred_at"),
    )


@dataclass(frozen=True)
class AuditEvent:
    """One fact for the compliance log. ``context`` holds ids, hashes and reasons only."""

    entity_type: str
    entity_id: str
    action: str
    actor: str
    venture_id: str = ""
    request_id: str = ""
    context: Mapping[str, object] = field(default_factory=dict)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC))


def record(session: Session, table: Table, service: str, *events: AuditEvent) -> None:
    """Adds ``events`` to the outbox within the session's current transaction."""
    if not events:
        return
    session.execute(insert(table), [
        {
            "id": event.id,
            "occurred_at": event.occurred_at,
            "service": service,
            "entity_type": event.entity_type,
            "entity_id": event.entity_id,
            "action": event.action,
            "actor": event.actor,
            "venture_id": event.venture_id or "",
            "request_id": event.request_id or "",
            # Round-trip through JSON so only plain, serialisable values are stored.
            "context": json.loads(json.dumps(dict(event.context), default=str)),
            "attempts": 0,
            "delivered_at": None,
        }
        for event in events
    ])
