"""An index for the run worker's claim: queued sends oldest first.

On a large PostgreSQL send_jobs, writes wait while a plain CREATE INDEX builds. Create it
beforehand without blocking, and this migration finds it there:
    CREATE INDEX CONCURRENTLY ix_send_jobs_queue ON send_jobs (state, created_at, id);

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_send_jobs_queue", "send_jobs", ["state", "created_at", "id"],
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_send_jobs_queue", table_name="send_jobs")
