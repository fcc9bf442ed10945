"""Distribution's database, migrated, on the ``database_url`` of the test (SQLite, then
PostgreSQL)."""

from __future__ import annotations

import pytest

from aicmo_common.db import Database
from aicmo_distribution.bootstrap import MIGRATIONS, VERSION_TABLE


@pytest.fixture
def database(database_url):
    db = Database(database_url)
    db.migrate(MIGRATIONS, VERSION_TABLE)
    yield db
    db.close()
