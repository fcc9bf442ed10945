"""A migrated leads database (SQLite, then PostgreSQL) and use-case settings with a clock that
ticks a millisecond per reading."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_leads.bootstrap import MIGRATIONS, VERSION_TABLE, open_database
from aicmo_leads.domain.identifiers import IdentityKeys
from aicmo_leads.service_layer.unit import Settings


class Ticking:
    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def database(database_url):
    database = open_database(database_url)
    database.migrate(MIGRATIONS, VERSION_TABLE)
    yield database
    database.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(keys=IdentityKeys("integration-key-" + "z" * 32), default_region="US",
                    clock=Ticking())
