"""The audit database: the log and its checkpoints. Both are append-only (see the migration's
triggers); nothing in this service ever updates or deletes a row."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# On SQLite an INTEGER PRIMARY KEY is the rowid itself: the fastest keyset scans.
SequenceType = BigInteger().with_variant(Integer(), "sqlite")

audit_log = Table(
    "audit_log",
    metadata,
    Column("sequence", SequenceType, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("service", String(32), nullable=False),
    Column("entity_type", String(64), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("venture_id", String(64), nullable=False),
    Column("request_id", String(128), nullable=False),
    # The canonical JSON of the context, stored as text so the bytes that were hashed are
    # exactly the bytes kept.
    Column("context", Text, nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_venture", "venture_id", "sequence"),
    Index("ix_audit_log_entity", "entity_type", "entity_id", "sequence"),
    Index("ix_audit_log_actor", "actor", "sequence"),
    Index("ix_audit_log_action", "action", "sequence"),
    Index("ix_audit_log_occurred", "occurred_at"),
)

audit_checkpoint = Table(
    "audit_checkpoint",
    metadata,
    Column("sequence", SequenceType, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(256), nullable=False),
)
