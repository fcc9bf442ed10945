"""Alembic environment of the venture service (its own history, ``alembic_version_venture``)."""

from aicmo_common.db import run_alembic_env
from aicmo_venture.adapters.tables import metadata

run_alembic_env(metadata)
