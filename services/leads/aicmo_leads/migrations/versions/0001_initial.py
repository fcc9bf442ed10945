"""The leads schema: leads, identifier hashes, consent ledger, suppression list, touches,
merges, capture request ids and the audit outbox.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

# Auto-incrementing on both databases (SQLite only auto-increments INTEGER keys).
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


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
    op.create_table('capture_requests',
    sa.Column('request_id', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('matched_on', sa.String(length=16), nullable=False),
    sa.Column('merged_lead_ids', sa.JSON(), nullable=False),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('touch_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_table('leads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('identity_hash', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('linkedin_url', sa.String(length=512), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('industry', sa.String(length=200), nullable=True),
    sa.Column('company_size', sa.String(length=200), nullable=True),
    sa.Column('consent_status', sa.String(length=16), nullable=False),
    sa.Column('consent_evidence', sa.JSON(), nullable=True),
    sa.Column('value_currency', sa.String(length=3), nullable=True),
    sa.Column('value_amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('qualification', sa.JSON(), nullable=False),
    sa.Column('first_source_channel', sa.String(length=64), nullable=False),
    sa.Column('first_touch_id', sa.BigInteger(), nullable=True),
    sa.Column('last_touch_id', sa.BigInteger(), nullable=True),
    sa.Column('touch_count', sa.Integer(), nullable=False),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_leads_created', 'leads', ['created_at', 'id'], unique=False)
    op.create_index('ix_leads_venture_created', 'leads',
                    ['venture_id', 'created_at', 'id'], unique=False)
    op.create_table('suppression_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('hmac', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=256), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_suppression_hmac', 'suppression_entries',
                    ['hmac', 'venture_id'], unique=False)
    op.create_table('consent_records',
    sa.Column('id', SERIAL, autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_subject', sa.String(length=256), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_consent_records_lead', 'consent_records', ['lead_id', 'id'], unique=False)
    op.create_table('lead_identifiers',
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('hmac', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('value', sa.String(length=512), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('venture_id', 'kind', 'hmac')
    )
    op.create_index('ix_lead_identifiers_lead', 'lead_identifiers', ['lead_id'], unique=False)
    op.create_table('lead_merges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('winner_lead_id', sa.String(length=36), nullable=False),
    sa.Column('loser_lead_id', sa.String(length=36), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=256), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['loser_lead_id'], ['leads.id'], ),
    sa.ForeignKeyConstraint(['winner_lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_lead_merges_winner', 'lead_merges', ['winner_lead_id'], unique=False)
    op.create_table('touches',
    sa.Column('id', SERIAL, autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('venture_id', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=False),
    sa.Column('source_channel', sa.String(length=64), nullable=False),
    sa.Column('source_reference', sa.String(length=256), nullable=False),
    sa.Column('utm_campaign', sa.String(length=256), nullable=False),
    sa.Column('utm_content', sa.String(length=256), nullable=False),
    sa.Column('utm_source', sa.String(length=256), nullable=False),
    sa.Column('utm_medium', sa.String(length=256), nullable=False),
    sa.Column('utm_term', sa.String(length=256), nullable=False),
    sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_touches_campaign', 'touches', ['campaign_id', 'lead_id'], unique=False)
    op.create_index('ix_touches_lead', 'touches', ['lead_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_touches_lead', table_name='touches')
    op.drop_index('ix_touches_campaign', table_name='touches')
    op.drop_table('touches')
    op.drop_index('ix_lead_merges_winner', table_name='lead_merges')
    op.drop_table('lead_merges')
    op.drop_index('ix_lead_identifiers_lead', table_name='lead_identifiers')
    op.drop_table('lead_identifiers')
    op.drop_index('ix_consent_records_lead', table_name='consent_records')
    op.drop_table('consent_records')
    op.drop_index('ix_suppression_hmac', table_name='suppression_entries')
    op.drop_table('suppression_entries')
    op.drop_index('ix_leads_venture_created', table_name='leads')
    op.drop_index('ix_leads_created', table_name='leads')
    op.drop_table('leads')
    op.drop_table('capture_requests')
    op.drop_index('ix_audit_outbox_pending', table_name='audit_outbox')
    op.drop_table('audit_outbox')
