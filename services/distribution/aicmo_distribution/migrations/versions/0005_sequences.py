"""Sequence versions: a campaign's ordered steps, one row per version.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sequences",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("venture_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sequences_venture", "sequences", ["venture_id", "campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_sequences_venture", table_name="sequences")
    op.drop_table("sequences")
