"""A venture's privacy policy URL and its unsubscribe link policy (lifetime, revocation).

Revision ID: 0003_venture_privacy_links
Revises: 0002_kill_switch_watchers
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_venture_privacy_links"
down_revision = "0002_kill_switch_watchers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Server defaults fill the rows that exist: no link, links that never expire.
    with op.batch_alter_table("ventures") as batch:
        batch.add_column(sa.Column("privacy_policy_url", sa.String(2000), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("unsubscribe_ttl_days", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("unsubscribe_revoked_before", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ventures") as batch:
        batch.drop_column("unsubscribe_revoked_before")
        batch.drop_column("unsubscribe_ttl_days")
        batch.drop_column("privacy_policy_url")
