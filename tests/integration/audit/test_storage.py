"""The audit database itself, on SQLite and PostgreSQL: the migration, the append-only
triggers, and the use cases over a real session (dedup, periodic checkpoints, chunked verify)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from aicmo_audit.bootstrap import MIGRATIONS, VERSION_TABLE, migrate
from aicmo_audit.domain.model import ChainFault, Event
from aicmo_audit.service_layer import append, verify
from aicmo_common.db import Database
from aicmo_common.errors import FailedPrecondition
from tests.conftest import _fresh_postgres_database
from tests.e2e.audit.running_audit import audit_config

NOW = dt.datetime(2025, 5, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def database(database_url):
    database = Database(database_url, workers=2)
    database.migrate(MIGRATIONS, VERSION_TABLE)
    yield database
    database.close()


def _events(count: int, **fields) -> list[Event]:
    values = dict(occurred_at=NOW, service="leads", entity_type="lead", entity_id="l-1",
                  action="lead.captured", actor="service:svc-leads", venture_id="v-1",
                  request_id="", context={})
    values.update(fields)
    return [Event(id=str(uuid.uuid4()), **values) for _ in range(count)]


def _append(database: Database, events: list[Event], every: int = 1000):
    return database.transact(append.append_events, events, recorded_at=NOW,
                             checkpoint_every=every)


def test_migration_creates_the_schema_under_its_own_version_table(database_url):
    migrate(audit_config(database_url))
    migrate(audit_config(database_url))  # a second run is a no-op
    database = Database(database_url, workers=1)
    try:
        names = set(inspect(database.engine).get_table_names())
        assert {"audit_log", "audit_checkpoint", VERSION_TABLE} <= names
        assert "alembic_version" not in names
        with database.engine.connect() as connection:
            assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")
                                      ).scalar_one() == "0001_audit_log"
    finally:
        database.close()


def test_the_migrate_command_runs_on_its_own(database_url, tmp_path):
    environ = {**os.environ, "AICMO_DATABASE_URL": database_url,
               "AICMO_TOKEN_SECRET": "s" * 40}
    done = subprocess.run([sys.executable, "-m", "aicmo_audit", "migrate"], env=environ,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "newest revision" in done.stderr
    database = Database(database_url, workers=1)
    try:
        assert "audit_log" in inspect(database.engine).get_table_names()
    finally:
        database.close()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'admin:mallory'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE sequence = 2",
    "UPDATE audit_checkpoint SET hash = 'x'",
    "DELETE FROM audit_checkpoint",
])
def test_the_database_refuses_update_and_delete(database, statement):
    _append(database, _events(3), every=2)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(statement))
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 3
        assert connection.execute(text("SELECT count(*) FROM audit_checkpoint")
                                  ).scalar_one() == 1
        assert connection.execute(text(
            "SELECT count(*) FROM audit_log WHERE actor = 'service:svc-leads'")).scalar_one() == 3


@pytest.fixture
def postgres_database():
    """A migrated PostgreSQL database (TRUNCATE exists only there)."""
    for url in _fresh_postgres_database():
        database = Database(url, workers=2)
        database.migrate(MIGRATIONS, VERSION_TABLE)
        yield database
        database.close()


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["audit_log", "audit_checkpoint"])
def test_postgres_refuses_truncate_and_even_an_update_that_matches_nothing(
        postgres_database, table):
    database = postgres_database
    _append(database, _events(2), every=1)
    for statement in (f"TRUNCATE {table}", f"UPDATE {table} SET hash = 'x' WHERE sequence < 0"):
        with pytest.raises(DBAPIError, match="append-only"), \
                database.engine.begin() as connection:
            connection.execute(text(statement))
    with database.engine.connect() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 2


def test_an_event_id_is_stored_once_even_within_one_batch(database):
    [first, second] = _events(2)
    result = _append(database, [first, second, first])
    assert result.appended == 2
    assert [e.sequence for e in result.entries] == [1, 2, 1]
    again = _append(database, [second, *_events(1)])
    assert again.appended == 1
    assert [e.sequence for e in again.entries] == [2, 3]
    assert again.entries[0] == result.entries[1]


def test_periodic_checkpoints_are_written_at_every_multiple(database):
    from aicmo_audit.adapters.repository import LogRepository

    _append(database, _events(4), every=3)
    _append(database, _events(4), every=3)
    checkpoints = database.read(lambda s: LogRepository(s).checkpoints(before=None, limit=10))
    assert [c.sequence for c in checkpoints] == [6, 3]
    hashes = database.read(lambda s: [LogRepository(s).hash_at(n) for n in (6, 3)])
    assert [c.hash for c in checkpoints] == hashes
    assert {c.created_by for c in checkpoints} == {"system"}


def test_a_checkpoint_on_request_is_idempotent_while_the_head_stands(database):
    with pytest.raises(FailedPrecondition):
        database.transact(append.create_checkpoint, now=NOW, actor="admin:a")
    _append(database, _events(2))
    first = database.transact(append.create_checkpoint, now=NOW, actor="admin:a")
    again = database.transact(append.create_checkpoint, now=NOW + dt.timedelta(hours=1),
                              actor="admin:b")
    assert first == again and first.sequence == 2 and first.created_by == "admin:a"


async def test_verify_streams_in_chunks_and_catches_an_edit(database):
    _append(database, _events(10, context={"n": 1}), every=4)
    report = await verify.verify_chain(database, chunk_size=3)
    assert report.valid and report.entries_checked == 10 and report.checkpoints_checked == 2
    partial = await verify.verify_chain(database, start=4, end=7, chunk_size=3)
    assert partial.valid and (partial.start_sequence, partial.end_sequence) == (4, 7)
    assert partial.entries_checked == 4 and partial.checkpoints_checked == 1
    _drop_triggers(database)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET context = :context WHERE sequence = 8"),
                           {"context": '{"n":2}'})
    report = await verify.verify_chain(database, chunk_size=3)
    assert not report.valid
    assert (report.fault.sequence, report.fault.kind) == (8, ChainFault.CONTENT_ALTERED)
    assert report.entries_checked == 7


def _drop_triggers(database: Database) -> None:
    with database.engine.begin() as connection:
        if database.sqlite:
            for table in ("audit_log", "audit_checkpoint"):
                for operation in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER {table}_refuse_{operation}"))
        else:
            for table in ("audit_log", "audit_checkpoint"):
                connection.execute(text(f"DROP TRIGGER {table}_refuse_change ON {table}"))
