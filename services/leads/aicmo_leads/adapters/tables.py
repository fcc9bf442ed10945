"""The leads database: one table per concept, declared once for queries and migrations.

Identifiers are stored as keyed hashes under a unique index (venture, kind, hmac), which is
what makes concurrent captures of one person end in exactly one lead. Their normalised value
sits beside the hash only while the lead lives; erasure deletes the row and keeps the hash
on the suppression list.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from aicmo_common.outbox import outbox_table

metadata = MetaData()

# An auto-incrementing key on both databases (SQLite only auto-increments INTEGER keys); it
# orders ledger entries and touches made within the same clock tick.
SERIAL = BigInteger().with_variant(Integer, "sqlite")

leads = Table(
    "leads",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("venture_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("identity_hash", String(64), nullable=True),
    Column("email", String(320), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("linkedin_url", String(512), nullable=True),
    Column("name", String(200), nullable=True),
    Column("first_name", String(200), nullable=True),
    Column("company", String(200), nullable=True),
    Column("title", String(200), nullable=True),
    Column("industry", String(200), nullable=True),
    Column("company_size", String(200), nullable=True),
    Column("consent_status", String(16), nullable=False),
    Column("consent_evidence", JSON, nullable=True),
    Column("value_currency", String(3), nullable=True),
    Column("value_amount_minor", BigInteger, nullable=False, default=0),
    Column("attributes", JSON, nullable=False),
    Column("qualification", JSON, nullable=False),
    Column("first_source_channel", String(64), nullable=False),
    Column("first_touch_id", BigInteger, nullable=True),
    Column("last_touch_id", BigInteger, nullable=True),
    Column("touch_count", Integer, nullable=False, default=0),
    Column("merged_into", String(36), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
    Index("ix_leads_venture_created", "venture_id", "created_at", "id"),
    Index("ix_leads_created", "created_at", "id"),
)

lead_identifiers = Table(
    "lead_identifiers",
    metadata,
    # The primary key is the unique index identity resolution relies on.
    Column("venture_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("hmac", String(64), primary_key=True),
    Column("lead_id", String(36), ForeignKey("leads.id"), nullable=False),
    Column("value", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_lead_identifiers_lead", "lead_id"),
)

consent_records = Table(
    "consent_records",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("lead_id", String(36), ForeignKey("leads.id"), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("actor_subject", String(256), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("source", String(32), nullable=False),
    Column("evidence", JSON, nullable=True),
    Column("reason", Text, nullable=False, default=""),
    Column("request_id", String(128), nullable=False, default=""),
    Index("ix_consent_records_lead", "lead_id", "id"),
)

suppression_entries = Table(
    "suppression_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("hmac", String(64), nullable=False),
    Column("scope", String(16), nullable=False),
    # '' for global scope, so one index serves both scopes.
    Column("venture_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("lifted_at", DateTime(timezone=True), nullable=True),
    Column("lifted_by", String(256), nullable=True),
    # An address that cannot receive (a hard bounce): it blocks sends to this identifier
    # only. It does not make its lead DNC, a capture does not read it as an opt-out, and a
    # re-consent does not lift it.
    Column("delivery_only", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_suppression_hmac", "hmac", "venture_id"),
)

touches = Table(
    "touches",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("lead_id", String(36), ForeignKey("leads.id"), nullable=False),
    Column("venture_id", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False, default=""),
    Column("source_channel", String(64), nullable=False),
    Column("source_reference", String(256), nullable=False, default=""),
    Column("utm_campaign", String(256), nullable=False, default=""),
    Column("utm_content", String(256), nullable=False, default=""),
    Column("utm_source", String(256), nullable=False, default=""),
    Column("utm_medium", String(256), nullable=False, default=""),
    Column("utm_term", String(256), nullable=False, default=""),
    Column("touched_at", DateTime(timezone=True), nullable=False),
    Index("ix_touches_lead", "lead_id", "id"),
    Index("ix_touches_campaign", "campaign_id", "lead_id"),
)

lead_merges = Table(
    "lead_merges",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("venture_id", String(64), nullable=False),
    Column("winner_lead_id", String(36), ForeignKey("leads.id"), nullable=False),
    Column("loser_lead_id", String(36), ForeignKey("leads.id"), nullable=False),
    Column("merged_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("request_id", String(128), nullable=False, default=""),
    Index("ix_lead_merges_winner", "winner_lead_id"),
)

# Remembers what a capture's request id produced: references and a keyed fingerprint only, so
# an erased person leaves nothing readable here either.
capture_requests = Table(
    "capture_requests",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("lead_id", String(36), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("matched_on", String(16), nullable=False, default=""),
    Column("merged_lead_ids", JSON, nullable=False),
    Column("suppressed", Boolean, nullable=False, default=False),
    Column("touch_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The feedback ledger: what came back about a person (bounces, complaints, replies,
# unsubscribes, notes). Ids, hashes, codes and classifications only: the text of a reply or
# note is classified and hashed, never kept, so erasure has nothing here to remove.
feedback_items = Table(
    "feedback_items",
    metadata,
    Column("seq", SERIAL, primary_key=True, autoincrement=True),
    Column("feedback_id", String(200), nullable=False, unique=True),
    Column("lead_id", String(36), ForeignKey("leads.id"), nullable=False),
    Column("venture_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("channel", String(16), nullable=False, default=""),
    # The keyed hash of the identifier it is about ('' when none is known).
    Column("identifier_hmac", String(64), nullable=False, default=""),
    Column("send_id", String(200), nullable=False, default=""),
    Column("campaign_id", String(64), nullable=False, default=""),
    Column("template_id", String(64), nullable=False, default=""),
    Column("occur_time", DateTime(timezone=True), nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False),
    Column("evidence_sha256", String(64), nullable=False, default=""),
    Column("detail_code", String(64), nullable=False, default=""),
    Column("objection", String(32), nullable=False, default=""),
    Column("matched_terms", JSON, nullable=False),
    Column("classifier", String(32), nullable=False, default=""),
    Column("language", String(16), nullable=False, default=""),
    Column("effects", JSON, nullable=False),
    Column("unsubscribe_reason", String(32), nullable=False, default=""),
    Column("actor", String(256), nullable=False),
    # A keyed digest of the input, to tell a redelivery from a reused id.
    Column("fingerprint", String(64), nullable=False),
    Index("ix_feedback_lead", "lead_id", "seq"),
    Index("ix_feedback_venture", "venture_id", "seq"),
    Index("ix_feedback_campaign", "campaign_id", "seq"),
    Index("ix_feedback_bounces", "venture_id", "identifier_hmac", "kind", "occur_time"),
)

# What a RecordFeedback or RecordUnsubscribeReason request id produced.
feedback_requests = Table(
    "feedback_requests",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("method", String(32), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("feedback_id", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_outbox = outbox_table(metadata)
