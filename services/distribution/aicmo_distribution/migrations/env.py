"""Alembic environment of the distribution service (run through ``migrate``)."""

from aicmo_common.db import run_alembic_env
from aicmo_distribution.adapters.tables import metadata

run_alembic_env(metadata)
