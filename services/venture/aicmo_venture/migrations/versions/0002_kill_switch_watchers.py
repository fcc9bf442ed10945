"""The kill switches' change counter and the replicas that watch them.

Revision ID: 0002_kill_switch_watchers
Revises: 0001_ventures_campaigns
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_kill_switch_watchers"
down_revision = "0001_ventures_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    epoch = op.create_table(
        "kill_switch_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kill_switch_epoch"),
    )
    op.bulk_insert(epoch, [{"id": 1, "epoch": 0}])
    op.create_table(
        "kill_switch_watchers",
        sa.Column("replica_id", sa.String(200), nullable=False),
        sa.Column("node", sa.String(200), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("replica_id", name="pk_kill_switch_watchers"),
    )


def downgrade() -> None:
    op.drop_table("kill_switch_watchers")
    op.drop_table("kill_switch_epoch")
