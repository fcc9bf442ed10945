"""Alembic environment of the audit service: the shared online runner over its metadata."""

from aicmo_audit.adapters.tables import metadata
from aicmo_common.db import run_alembic_env

run_alembic_env(metadata)
