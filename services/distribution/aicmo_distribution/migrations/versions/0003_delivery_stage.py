"""How far each send's latest delivery attempt got, so a crash strands only the sends whose
content may have left.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the stage is not known (sends from before this revision, channels that do not
    # report it); a send left SENDING with it is treated as possibly delivered.
    op.add_column("send_jobs", sa.Column("delivery_stage", sa.String(length=16),
                                         nullable=True))


def downgrade() -> None:
    op.drop_column("send_jobs", "delivery_stage")
