"""Enrolments: each lead's place in its campaign's sequence, and its timer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrollments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("venture_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("send_id", sa.String(36), nullable=True),
        sa.Column("steps_sent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("campaign_id", "lead_id", name="uq_enrollments_campaign_lead"),
    )
    op.create_index("ix_enrollments_due", "enrollments", ["state", "due_at", "id"])
    op.create_index("ix_enrollments_campaign", "enrollments",
                    ["campaign_id", "enrolled_at", "id"])
    op.create_index("ix_enrollments_send", "enrollments", ["send_id"])


def downgrade() -> None:
    op.drop_table("enrollments")
