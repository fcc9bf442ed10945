"""The audit log and its checkpoints, append-only in the database itself.

Triggers refuse every UPDATE and DELETE on both tables (SQLite and PostgreSQL) and TRUNCATE
(PostgreSQL; SQLite has none), so not even the service's own database user can rewrite history
without first dropping them, and the hash chain catches what happens after that.

Revision ID: 0001_audit_log
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_audit_log"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_log", "audit_checkpoint")

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("sequence", SEQUENCE, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("venture_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_audit_log_event_id"),
    )
    op.create_index("ix_audit_log_venture", "audit_log", ["venture_id", "sequence"])
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id", "sequence"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "sequence"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "sequence"])
    op.create_index("ix_audit_log_occurred", "audit_log", ["occurred_at"])
    op.create_table(
        "audit_checkpoint",
        sa.Column("sequence", SEQUENCE, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_refuse_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} is refused'); "
                "END")


def _postgres_triggers() -> None:
    op.execute(
        "CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'insufficient_privilege'; END $$")
    for table in APPEND_ONLY:
        # Statement-level, so even a statement that matches no row is refused.
        op.execute(
            f"CREATE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()")


def downgrade() -> None:
    # Downgrading removes the whole log: refuse on purpose rather than drop a compliance record.
    raise RuntimeError("the audit log cannot be downgraded: it would destroy the trail")
