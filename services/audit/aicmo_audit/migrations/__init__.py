"""The audit service's Alembic history (version table ``alembic_version_audit``)."""
