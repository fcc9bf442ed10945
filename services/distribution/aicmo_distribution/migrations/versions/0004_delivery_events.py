"""Delivery events (bounces, complaints, replies, unsubscribes) recorded on their sends, the
outbox that carries their effect on people to leads, and templates held back for their
complaint or unsubscribe rate.

On a large PostgreSQL send_jobs, writes wait while a plain CREATE INDEX builds. Create the
template index beforehand without blocking, and this migration finds it there:
    CREATE INDEX CONCURRENTLY ix_send_jobs_template_sent ON send_jobs (template_id, sent_at);

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("templates", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("templates", sa.Column("hold_reason", sa.Text(), nullable=False,
                                         server_default=""))
    op.add_column("templates", sa.Column("hold_window_start", sa.DateTime(timezone=True),
                                         nullable=True))
    op.create_index("ix_send_jobs_template_sent", "send_jobs", ["template_id", "sent_at"],
                    if_not_exists=True)
    op.create_table(
        "delivery_events",
        sa.Column("event_id", sa.String(length=200), primary_key=True),
        sa.Column("send_id", sa.String(length=36), nullable=True),
        sa.Column("campaign_id", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("venture_id", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("lead_id", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("template_id", sa.String(length=36), nullable=False, server_default=""),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("diagnostic", sa.Text(), nullable=False, server_default=""),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("feedback_type", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_delivery_events_campaign", "delivery_events",
                    ["campaign_id", "recorded_at", "event_id"])
    op.create_index("ix_delivery_events_send", "delivery_events", ["send_id", "recorded_at"])
    op.create_index("ix_delivery_events_lead", "delivery_events", ["lead_id", "kind"])
    op.create_table(
        "feedback_outbox",
        sa.Column("id", sa.String(length=200), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_feedback_outbox_pending", "feedback_outbox",
                    ["delivered_at", "occurred_at"])


def downgrade() -> None:
    op.drop_table("feedback_outbox")
    op.drop_table("delivery_events")
    op.drop_index("ix_send_jobs_template_sent", table_name="send_jobs")
    op.drop_column("templates", "hold_window_start")
    op.drop_column("templates", "hold_reason")
    op.drop_column("templates", "held_at")
