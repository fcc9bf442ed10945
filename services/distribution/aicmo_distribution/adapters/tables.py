"""The distribution database: templates, send jobs (with their claims), runs, the outbox."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from aicmo_common.outbox import event_outbox_table, outbox_table

metadata = MetaData()

templates = Table(
    "templates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("venture_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("subject", Text, nullable=False, default=""),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False, default=""),
    Column("variables", JSON, nullable=False),
    Column("revision", Integer, nullable=False, default=1),
    Column("request_id", String(128), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Held back for its complaint or unsubscribe rate (feedback.holds); NULL: sending.
    Column("held_at", DateTime(timezone=True), nullable=True),
    Column("hold_reason", Text, nullable=False, default=""),
    # Deliveries before this (the last release) no longer count toward a hold.
    Column("hold_window_start", DateTime(timezone=True), nullable=True),
    Index("ix_templates_venture", "venture_id", "created_at"),
)

send_jobs = Table(
    "send_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    # Unique when set; NULL for run sends (keyed by dedupe_key instead).
    Column("request_id", String(128), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=False),
    # campaign|lead|step for real sends, NULL for dry runs: (campaign, lead, step) is unique.
    Column("dedupe_key", String(300), nullable=True, unique=True),
    Column("campaign_id", String(64), nullable=False),
    Column("venture_id", String(64), nullable=False, default=""),
    Column("lead_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("step", Integer, nullable=False),
    Column("template_id", String(36), nullable=True),
    Column("inline_subject", Text, nullable=True),
    Column("inline_body_text", Text, nullable=True),
    Column("inline_body_html", Text, nullable=True),
    Column("run_id", String(36), nullable=True),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("state", String(24), nullable=False),
    # Comma-separated BlockReason names (a string, so PostgreSQL can group by it).
    Column("block_reasons", String(600), nullable=False, default=""),
    Column("transient", Boolean, nullable=False, default=False),
    Column("detail", Text, nullable=False, default=""),
    Column("delivery_attempts", Integer, nullable=False, default=0),
    Column("check_attempts", Integer, nullable=False, default=0),
    # Which AuthorizeSend key is current (see domain.sends.verdict_key).
    Column("verdict_sequence", Integer, nullable=False, default=0),
    Column("message_id", String(300), nullable=False, default=""),
    Column("remaining_quota", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    # The claim: which replica works on the job, until when. A claim that lapsed is free.
    Column("claimed_by", String(64), nullable=True),
    Column("claim_expires_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_day", String(10), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("resolution_note", Text, nullable=False, default=""),
    # How far the latest delivery attempt got (domain.sends.DeliveryStage); NULL: not known.
    Column("delivery_stage", String(16), nullable=True),
    Index("ix_send_jobs_due", "state", "next_attempt_at"),
    # The run worker's claim walks queued jobs oldest first (see repository.claim_due).
    Index("ix_send_jobs_queue", "state", "created_at", "id"),
    Index("ix_send_jobs_run", "run_id", "state"),
    Index("ix_send_jobs_campaign", "campaign_id", "updated_at"),
    Index("ix_send_jobs_created", "created_at", "id"),
    Index("ix_send_jobs_lead", "lead_id"),
    # A template's most recent deliveries (feedback.holds).
    Index("ix_send_jobs_template_sent", "template_id", "sent_at"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("request_id", String(128), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False),
    Column("venture_id", String(64), nullable=False),
    Column("template_id", String(36), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("step", Integer, nullable=False),
    Column("audience", JSON, nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("state", String(16), nullable=False),
    Column("halt_reason", Text, nullable=False, default=""),
    Column("halt_block_reasons", JSON, nullable=False),
    Column("auto_paused", Boolean, nullable=False, default=False),
    Column("lead_count", Integer, nullable=False, default=0),
    Column("skipped_existing", Integer, nullable=False, default=0),
    Column("planning_done", Boolean, nullable=False, default=False),
    # Where planning stands in the leads service's pages; "" before the first page.
    Column("leads_page_token", Text, nullable=False, default=""),
    Column("planned_pages", Integer, nullable=False, default=0),
    Column("next_wake_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_runs_state", "state"),
    Index("ix_runs_campaign", "campaign_id", "created_at"),
)

# What happened to sent messages (bounces, complaints, replies, ...), one row per event id.
# An event no send matches is kept with send_id NULL, apart, for review.
delivery_events = Table(
    "delivery_events",
    metadata,
    Column("event_id", String(200), primary_key=True),
    Column("send_id", String(36), nullable=True),
    Column("campaign_id", String(64), nullable=False, default=""),
    Column("venture_id", String(64), nullable=False, default=""),
    Column("lead_id", String(64), nullable=False, default=""),
    Column("template_id", String(36), nullable=False, default=""),
    Column("kind", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("message_id", String(300), nullable=False, default=""),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("status_code", String(16), nullable=False, default=""),
    Column("diagnostic", Text, nullable=False, default=""),
    Column("evidence_sha256", String(64), nullable=False, default=""),
    Column("feedback_type", String(64), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_delivery_events_campaign", "campaign_id", "recorded_at", "event_id"),
    Index("ix_delivery_events_send", "send_id", "recorded_at"),
    Index("ix_delivery_events_lead", "lead_id", "kind"),
)

# Sequence versions: a campaign has one sequence; every update adds a version (sequences).
sequences = Table(
    "sequences",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("venture_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    # The steps and the calendar (sequences.definition.Definition.as_dict).
    Column("definition", JSON, nullable=False),
    # Set on version 1: CreateSequence's idempotency key.
    Column("request_id", String(128), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_sequences_venture", "venture_id", "campaign_id"),
)

# Each lead's place in its campaign's sequence; (campaign, lead) once. A row is its own
# durable timer: WAITING and SETTLED rows are due at due_at (sequences.scheduler).
enrollments = Table(
    "enrollments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("campaign_id", String(64), nullable=False),
    Column("lead_id", String(64), nullable=False),
    Column("venture_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    # WAITING, SENDING, SETTLED (its step's send has an outcome to act on), FINISHED, STOPPED.
    Column("state", String(16), nullable=False),
    # The position (from 1) of the step waited for, being sent, or settled.
    Column("step", Integer, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=True),
    Column("stop_reason", String(32), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("send_id", String(36), nullable=True),
    Column("steps_sent", Integer, nullable=False, default=0),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("campaign_id", "lead_id", name="uq_enrollments_campaign_lead"),
    # The scheduler's walk: due rows of one state, earliest first.
    Index("ix_enrollments_due", "state", "due_at", "id"),
    Index("ix_enrollments_campaign", "campaign_id", "enrolled_at", "id"),
    Index("ix_enrollments_send", "send_id"),
)

audit_outbox = outbox_table(metadata)
# Feedback about people for leads (ApplyFeedback), delivered by the same relay as audit's.
feedback_outbox = event_outbox_table(metadata, "feedback_outbox")
