"""The distribution schema: templates, send jobs with claims, runs, the audit outbox.

Revision ID: 0001
Revises:
Create Date: 2025-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_outbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=256), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_outbox_pending', 'audit_outbox',
                    ['delivered_at', 'occurred_at'], unique=False)
    op.create_table('runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('halt_reason', sa.Text(), nullable=False),
    sa.Column('halt_block_reasons', sa.JSON(), nullable=False),
    sa.Column('auto_paused', sa.Boolean(), nullable=False),
    sa.Column('lead_count', sa.Integer(), nullable=False),
    sa.Column('skipped_existing', sa.Integer(), nullable=False),
    sa.Column('planning_done', sa.Boolean(), nullable=False),
    sa.Column('leads_page_token', sa.Text(), nullable=False),
    sa.Column('planned_pages', sa.Integer(), nullable=False),
    sa.Column('next_wake_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    op.create_index('ix_runs_campaign', 'runs', ['campaign_id', 'created_at'], unique=False)
    op.create_index('ix_runs_state', 'runs', ['state'], unique=False)
    op.create_table('send_jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=300), nullable=True),
    sa.Column('campaign_id', sa.String(length=64), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=36), nullable=True),
    sa.Column('inline_subject', sa.Text(), nullable=True),
    sa.Column('inline_body_text', sa.Text(), nullable=True),
    sa.Column('inline_body_html', sa.Text(), nullable=True),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('block_reasons', sa.String(length=600), nullable=False),
    sa.Column('transient', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('delivery_attempts', sa.Integer(), nullable=False),
    sa.Column('check_attempts', sa.Integer(), nullable=False),
    sa.Column('verdict_sequence', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('remaining_quota', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_day', sa.String(length=10), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key'),
    sa.UniqueConstraint('request_id')
    )
    op.create_index('ix_send_jobs_campaign', 'send_jobs',
                    ['campaign_id', 'updated_at'], unique=False)
    op.create_index('ix_send_jobs_created', 'send_jobs', ['created_at', 'id'], unique=False)
    op.create_index('ix_send_jobs_due', 'send_jobs', ['state', 'next_attempt_at'], unique=False)
    op.create_index('ix_send_jobs_lead', 'send_jobs', ['lead_id'], unique=False)
    op.create_index('ix_send_jobs_run', 'send_jobs', ['run_id', 'state'], unique=False)
    op.create_table('templates',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    op.create_index('ix_templates_venture', 'templates', ['venture_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_templates_venture', table_name='templates')
    op.drop_table('templates')
    op.drop_index('ix_send_jobs_run', table_name='send_jobs')
    op.drop_index('ix_send_jobs_lead', table_name='send_jobs')
    op.drop_index('ix_send_jobs_due', table_name='send_jobs')
    op.drop_index('ix_send_jobs_created', table_name='send_jobs')
    op.drop_index('ix_send_jobs_campaign', table_name='send_jobs')
    op.drop_table('send_jobs')
    op.drop_index('ix_runs_state', table_name='runs')
    op.drop_index('ix_runs_campaign', table_name='runs')
    op.drop_table('runs')
    op.drop_index('ix_audit_outbox_pending', table_name='audit_outbox')
    op.drop_table('audit_outbox')
