"""The privacy policy URL and the unsubscribe link policy on real SQLite and PostgreSQL: they
round-trip, and a venture stored before the migration reads as "no link, never expires"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from aicmo_common.db import Database, migrate
from aicmo_venture.adapters.repository import SqlVentureRepository
from aicmo_venture.bootstrap import MIGRATIONS, VERSION_TABLE
from aicmo_venture.domain.model import UnsubscribeLinkPolicy, Venture

NOW = dt.datetime(2026, 6, 2, 8, 0, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def database(database_url):
    database = Database(database_url, workers=2)
    yield database
    database.close()


def test_privacy_url_and_link_policy_round_trip(database):
    database.migrate(MIGRATIONS, VERSION_TABLE)
    venture = Venture(id="acme", name="Acme", timezone="UTC", owner_contact="o@acme.example",
                      privacy_policy_url="https://acme.example/privacy",
                      unsubscribe_links=UnsubscribeLinkPolicy(365, NOW),
                      created_at=NOW, updated_at=NOW)
    database.transact(lambda s: SqlVentureRepository(s).add_venture(venture))
    assert database.read(lambda s: SqlVentureRepository(s).get_venture("acme")) == venture
    changed = venture.with_changes(privacy_policy_url="",
                                   unsubscribe_links=UnsubscribeLinkPolicy(0, None))
    database.transact(lambda s: SqlVentureRepository(s).save_venture(changed))
    assert database.read(lambda s: SqlVentureRepository(s).get_venture("acme")) == changed


def test_a_venture_from_before_the_migration_has_no_link_and_links_never_expire(database):
    migrate(database.engine, MIGRATIONS, VERSION_TABLE, revision="0002_kill_switch_watchers")
    with database.engine.begin() as connection:
        connection.execute(text(
            "insert into ventures (id, name, offer_summary, primary_cta, default_channels, "
            "timezone, owner_contact, active, kill_switch_engaged, kill_switch_reason, "
            "sender_from_address, sender_from_name, sender_postal_address, created_at, "
            "updated_at) values ('old', 'Old', '', '', '[]', 'UTC', 'o@old.example', true, "
            "false, '', '', '', '', :now, :now)"), {"now": NOW})
    database.migrate(MIGRATIONS, VERSION_TABLE)
    old = database.read(lambda s: SqlVentureRepository(s).get_venture("old"))
    assert old.privacy_policy_url == ""
    assert old.unsubscribe_links == UnsubscribeLinkPolicy(0, None)
