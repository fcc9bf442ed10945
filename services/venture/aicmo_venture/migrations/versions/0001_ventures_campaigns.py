"""Ventures, campaigns, kill switches, daily quotas, the verdict log, histories, request ids
and the audit outbox.

Revision ID: 0001_ventures_campaigns
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_ventures_campaigns"
down_revision = None
branch_labels = None
depends_on = None

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _kill_switch_columns() -> list[sa.Column]:
    return [
        sa.Column("kill_switch_engaged", sa.Boolean(), nullable=False),
        sa.Column("kill_switch_reason", sa.String(500), nullable=False),
        sa.Column("kill_switch_actor_subject", sa.String(256), nullable=True),
        sa.Column("kill_switch_actor_role", sa.String(16), nullable=True),
        sa.Column("kill_switch_changed_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "ventures",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("offer_summary", sa.Text(), nullable=False),
        sa.Column("primary_cta", sa.String(500), nullable=False),
        sa.Column("default_channels", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("owner_contact", sa.String(254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_kill_switch_columns(),
        sa.Column("sender_from_address", sa.String(254), nullable=False),
        sa.Column("sender_from_name", sa.String(200), nullable=False),
        sa.Column("sender_postal_address", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ventures"),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("venture_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("allowed_channels", sa.JSON(), nullable=False),
        sa.Column("daily_send_limit", sa.Integer(), nullable=False),
        sa.Column("send_window", sa.JSON(), nullable=True),
        sa.Column("consent_required", sa.Boolean(), nullable=False),
        *_kill_switch_columns(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.ForeignKeyConstraint(["venture_id"], ["ventures.id"],
                                name="fk_campaigns_venture_id_ventures"),
    )
    op.create_index("ix_campaigns_venture_created", "campaigns",
                    ["venture_id", "created_at", "id"])
    op.create_index("ix_campaigns_created", "campaigns", ["created_at", "id"])
    op.create_table(
        "quota_days",
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "day", name="pk_quota_days"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name="fk_quota_days_campaign_id_campaigns"),
    )
    op.create_table(
        "verdicts",
        sa.Column("seq", SEQUENCE, nullable=False, autoincrement=True),
        sa.Column("send_id", sa.String(128), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("venture_id", sa.String(63), nullable=False),
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("deny_reasons", sa.JSON(), nullable=False),
        sa.Column("remaining_quota_today", sa.Integer(), nullable=False),
        sa.Column("quota_day", sa.String(10), nullable=False),
        sa.Column("consent_required", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("next_window_open_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by_subject", sa.String(256), nullable=False),
        sa.Column("requested_by_role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_verdicts"),
        sa.UniqueConstraint("send_id", name="uq_verdicts_send_id"),
    )
    op.create_index("ix_verdicts_campaign_seq", "verdicts", ["campaign_id", "seq"])
    op.create_table(
        "campaign_history",
        sa.Column("seq", SEQUENCE, nullable=False, autoincrement=True),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_subject", sa.String(256), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_campaign_history"),
    )
    op.create_index("ix_campaign_history_campaign_seq", "campaign_history",
                    ["campaign_id", "seq"])
    global_switch = op.create_table(
        "global_kill_switch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        *_kill_switch_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_global_kill_switch"),
    )
    op.bulk_insert(global_switch, [{"id": 1, "kill_switch_engaged": False,
                                    "kill_switch_reason": ""}])
    op.create_table(
        "request_ids",
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_request_ids"),
    )
    op.create_table(
        "audit_outbox",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("venture_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_outbox"),
    )
    op.create_index("ix_audit_outbox_pending", "audit_outbox", ["delivered_at", "occurred_at"])


def downgrade() -> None:
    for index, table in (("ix_audit_outbox_pending", "audit_outbox"),
                         ("ix_campaign_history_campaign_seq", "campaign_history"),
                         ("ix_verdicts_campaign_seq", "verdicts"),
                         ("ix_campaigns_created", "campaigns"),
                         ("ix_campaigns_venture_created", "campaigns")):
        op.drop_index(index, table_name=table)
    for table in ("audit_outbox", "request_ids", "global_kill_switch", "campaign_history",
                  "verdicts", "quota_days", "campaigns", "ventures"):
        op.drop_table(table)
