"""The distribution schema on real databases: migrations build exactly the declared tables, and
an index an operator built beforehand (CONCURRENTLY, on a large table) does not stop them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from aicmo_common.db import Database, migrate
from aicmo_distribution.adapters import tables
from aicmo_distribution.bootstrap import MIGRATIONS, VERSION_TABLE


def test_migrations_build_exactly_the_declared_schema(database_url):
    database = Database(database_url)
    try:
        database.migrate(MIGRATIONS, VERSION_TABLE)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection,
                                                 opts={"version_table": VERSION_TABLE})
            assert compare_metadata(context, tables.metadata) == []
        database.migrate(MIGRATIONS, VERSION_TABLE)  # again: nothing to do
    finally:
        database.close()


def test_the_queue_index_built_beforehand_is_kept(database_url):
    database = Database(database_url)
    try:
        migrate(database.engine, MIGRATIONS, VERSION_TABLE, revision="0001")
        with database.engine.begin() as connection:
            connection.execute(text(
                "CREATE INDEX ix_send_jobs_queue ON send_jobs (state, created_at, id)"))
        database.migrate(MIGRATIONS, VERSION_TABLE)
        with database.engine.connect() as connection:
            names = {index["name"] for index in inspect(connection).get_indexes("send_jobs")}
        assert "ix_send_jobs_queue" in names
    finally:
        database.close()
