"""The venture service's own Alembic history."""
