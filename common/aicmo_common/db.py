"""Storage: one SQLAlchemy engine per service, SQLite (WAL) locally, PostgreSQL by URL.

Request handlers run on the asyncio loop; database work is plain synchronous SQLAlchemy run in
a bounded thread pool, one whole unit of work per hop, so the loop is never blocked and a use
case is an ordinary function over a session.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def normalise_url(url: str) -> URL:
    """Accepts ``postgresql://`` and picks the psycopg 3 driver for it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(url: str | URL) -> bool:
    return make_url(str(url) if isinstance(url, URL) else url).get_backend_name() == "sqlite"


def create_db_engine(url: str, *, pool_size: int = 8) -> Engine:
    """Builds the engine; on SQLite turns on WAL, foreign keys and a busy timeout."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=pool_size)
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A writing unit of work takes the write lock up front (BEGIN IMMEDIATE): a deferred
        # transaction that reads and then writes can fail with SQLITE_BUSY at once, without
        # waiting, when another writer got in between.
        if connection.get_execution_options().get("aicmo_write", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class Database:
    """An engine, its sessions, and the thread pool that runs units of work."""

    def __init__(self, url: str, *, workers: int = 8) -> None:
        self.url = url
        self.engine = create_db_engine(url, pool_size=workers)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._write_sessions = sessionmaker(self.engine.execution_options(aicmo_write=True),
                                            expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(aicmo_write=False),
                                           expire_on_commit=False)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")
        # SQLite has one writer at a time. Writers that contend for its lock wait in its busy
        # handler, which sleeps in steps of up to 100 ms; queueing them on one thread instead
        # hands the lock over without any sleep. PostgreSQL writes in parallel.
        self._write_executor = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-write")
                                if self.sqlite else self._executor)

    def write_session(self) -> Session:
        return self._write_sessions()

    def read_session(self) -> Session:
        return self._read_sessions()

    def transact(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Runs ``fn(session, ...)`` in one writing transaction, committed if it returns."""
        with self._write_sessions.begin() as session:
            return fn(session, *args, **kwargs)

    def read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Runs ``fn(session, ...)`` in one read-only transaction."""
        with self._read_sessions.begin() as session:
            return fn(session, *args, **kwargs)

    async def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """``transact`` off the event loop."""
        return await self._in_thread(functools.partial(self.transact, fn, *args, **kwargs),
                                     self._write_executor)

    async def run_read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """``read`` off the event loop."""
        return await self._in_thread(functools.partial(self.read, fn, *args, **kwargs))

    async def offload(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Runs any blocking ``fn`` on the database threads (for streaming reads)."""
        return await self._in_thread(functools.partial(fn, *args, **kwargs))

    async def _in_thread(self, call: Callable[[], T],
                         executor: ThreadPoolExecutor | None = None) -> T:
        # The caller's context (request id, principal) goes along, so logs and use cases on
        # the database thread see the same request as the handler that sent them there.
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor or self._executor, context.run, call)

    def migrate(self, migrations: Path, version_table: str) -> None:
        """Upgrades the schema to the newest revision of this service's own history."""
        migrate(self.engine, migrations, version_table)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)
        self._write_executor.shutdown(wait=True, cancel_futures=False)
        self.engine.dispose()


def alembic_config(migrations: Path, version_table: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations))
    config.attributes["version_table"] = version_table
    return config


def migrate(engine: Engine, migrations: Path, version_table: str,
            revision: str = "head") -> None:
    config = alembic_config(migrations, version_table)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time instead of racing.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                       (version_table,))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def run_alembic_env(target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py`` (online mode, given connection)."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through the service's migrate command, which "
                           "passes the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=config.attributes["version_table"],
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
