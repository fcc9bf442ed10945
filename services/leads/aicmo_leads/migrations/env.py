"""Alembic environment of the leads service (its own history, version table
``alembic_version_leads``)."""

from aicmo_common.db import run_alembic_env
from aicmo_leads.adapters.tables import metadata

run_alembic_env(metadata)
