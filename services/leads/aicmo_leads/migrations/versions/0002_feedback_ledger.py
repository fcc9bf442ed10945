"""The feedback ledger (feedback items and the request ids of manual feedback) and the
delivery-only flag of suppression entries (an address that bounced).

Revision ID: 0002_feedback_ledger
Revises: 0001_initial
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_feedback_ledger"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("suppression_entries") as batch:
        batch.add_column(sa.Column("delivery_only", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "feedback_items",
        sa.Column("seq", SERIAL, autoincrement=True, nullable=False),
        sa.Column("feedback_id", sa.String(length=200), nullable=False),
        sa.Column("lead_id", sa.String(length=36), nullable=False),
        sa.Column("venture_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("identifier_hmac", sa.String(length=64), nullable=False),
        sa.Column("send_id", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("occur_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("detail_code", sa.String(length=64), nullable=False),
        sa.Column("objection", sa.String(length=32), nullable=False),
        sa.Column("matched_terms", sa.JSON(), nullable=False),
        sa.Column("classifier", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("effects", sa.JSON(), nullable=False),
        sa.Column("unsubscribe_reason", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("feedback_id"),
    )
    op.create_index("ix_feedback_lead", "feedback_items", ["lead_id", "seq"])
    op.create_index("ix_feedback_venture", "feedback_items", ["venture_id", "seq"])
    op.create_index("ix_feedback_campaign", "feedback_items", ["campaign_id", "seq"])
    op.create_index("ix_feedback_bounces", "feedback_items",
                    ["venture_id", "identifier_hmac", "kind", "occur_time"])
    op.create_table(
        "feedback_requests",
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("feedback_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )


def downgrade() -> None:
    op.drop_table("feedback_requests")
    op.drop_index("ix_feedback_bounces", table_name="feedback_items")
    op.drop_index("ix_feedback_campaign", table_name="feedback_items")
    op.drop_index("ix_feedback_venture", table_name="feedback_items")
    op.drop_index("ix_feedback_lead", table_name="feedback_items")
    op.drop_table("feedback_items")
    with op.batch_alter_table("suppression_entries") as batch:
        batch.drop_column("delivery_only")
