"""The venture service's tables (SQLAlchemy Core), in its own metadata and database."""

from __future__ import annotations

import datetime as dt

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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)

from aicmo_common.outbox import outbox_table

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite needs INTEGER (not BIGINT) for an auto-incrementing primary key.
SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC instants on both databases (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _kill_switch_columns() -> list[Column]:
    return [
        Column("kill_switch_engaged", Boolean, nullable=False, default=False),
        Column("kill_switch_reason", String(500), nullable=False, default=""),
        Column("kill_switch_actor_subject", String(256), nullable=True),
        Column("kill_switch_actor_role", String(16), nullable=True),
        Column("kill_switch_changed_at", UtcDateTime, nullable=True),
    ]


ventures = Table(
    "ventures",
    metadata,
    Column("id", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("offer_summary", Text, nullable=False, default=""),
    Column("primary_cta", String(500), nullable=False, default=""),
    Column("default_channels", JSON, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("owner_contact", String(254), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    *_kill_switch_columns(),
    Column("sender_from_address", String(254), nullable=False, default=""),
    Column("sender_from_name", String(200), nullable=False, default=""),
    Column("sender_postal_address", String(500), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("privacy_policy_url", String(2000), nullable=False, default=""),
    # Days an unsubscribe link works (0: for ever) and the time before which links are revoked.
    Column("unsubscribe_ttl_days", Integer, nullable=False, default=0),
    Column("unsubscribe_revoked_before", UtcDateTime, nullable=True),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("venture_id", String(63), ForeignKey("ventures.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("objective", Text, nullable=False, default=""),
    Column("allowed_channels", JSON, nullable=False),
    Column("daily_send_limit", Integer, nullable=False),
    # {"days": [1..7], "start": minute of day, "end": minute of day}, or NULL: any time.
    Column("send_window", JSON, nullable=True),
    Column("consent_required", Boolean, nullable=False, default=False),
    *_kill_switch_columns(),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_campaigns_venture_created", "venture_id", "created_at", "id"),
    Index("ix_campaigns_created", "created_at", "id"),
)

# One row per campaign and local day; ``used`` only ever grows, by a conditional update.
quota_days = Table(
    "quota_days",
    metadata,
    Column("campaign_id", String(36), ForeignKey("campaigns.id"), nullable=False),
    Column("day", String(10), nullable=False),
    Column("used", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("campaign_id", "day", name="pk_quota_days"),
)

# The verdict log: one row per send id, never changed once written.
verdicts = Table(
    "verdicts",
    metadata,
    Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
    Column("send_id", String(128), nullable=False, unique=True),
    Column("campaign_id", String(36), nullable=False),
    Column("venture_id", String(63), nullable=False),
    Column("channel", Integer, nullable=False),
    Column("decision", String(8), nullable=False),
    Column("deny_reasons", JSON, nullable=False),
    Column("remaining_quota_today", Integer, nullable=False),
    Column("quota_day", String(10), nullable=False),
    Column("consent_required", Boolean, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("sender", JSON, nullable=False),
    Column("next_window_open_at", UtcDateTime, nullable=True),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("requested_by_subject", String(256), nullable=False),
    Column("requested_by_role", String(16), nullable=False),
    Index("ix_verdicts_campaign_seq", "campaign_id", "seq"),
)

campaign_history = Table(
    "campaign_history",
    metadata,
    Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
    Column("campaign_id", String(36), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor_subject", String(256), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("reason", String(500), nullable=False, default=""),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("changed_fields", JSON, nullable=False),
    Index("ix_campaign_history_campaign_seq", "campaign_id", "seq"),
)

# A single row (id = 1), created by the first migration.
global_kill_switch = Table(
    "global_kill_switch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    *_kill_switch_columns(),
)

# The kill switches' change counter, a single row (id = 1): every set or clear of a switch at
# any level increments it in the same transaction, so a snapshot read with it is consistent.
kill_switch_epoch = Table(
    "kill_switch_epoch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", BigInteger, nullable=False, default=0),
)

# The delivering replicas watching the kill switches: the newest epoch each has confirmed, and
# when it last confirmed one (a replica silent for longer than its lease has stopped itself).
kill_switch_watchers = Table(
    "kill_switch_watchers",
    metadata,
    Column("replica_id", String(200), primary_key=True),
    Column("node", String(200), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=False),
)

# Client request ids already acted on: a retry returns the first outcome, does nothing twice.
request_ids = Table(
    "request_ids",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("method", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("resource_id", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

audit_outbox = outbox_table(metadata)
