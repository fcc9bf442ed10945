"""Storage: one SQLAlchemy engine per service, SQLite (WAL) locally, PostgreSQL by URL.

Request handlers run on the asyncio loop; database work is plain synchronous SQLAlchemy run in
a bounded thread pool, one whole unit of work per hop, so the loop is never blocked and a use
case is an ordinary function over a session.

SQLite has one writer at a time, so its writing units of work queue for one thread, which runs
whatever has queued up as one transaction (group commit): each unit inside its own savepoint,
so a failing unit takes back only its own changes, and every caller learns its outcome only
once the shared COMMIT has succeeded. One BEGIN, one COMMIT and one hop back to the loop then
serve many units, instead of one each.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

log = logging.getLogger("aicmo.db")


def normalise_url(url: str) -> URL:
    """Accepts ``postgresql://`` and picks the psycopg 3 driver for it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


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
    """An engine, its sessions, and the threads that run units of work.

    ``group_commit`` (default: on for SQLite, off for PostgreSQL, which writes in parallel)
    sends writing units of work (``run``) to one thread that commits up to
    ``group_commit_limit`` queued units together; see ``GroupCommitWriter``. SQLite without
    it still writes on that one thread, one unit per transaction. PostgreSQL with it trades
    parallel transactions for shared commits: worth it where writes serialise on a hot row
    anyway (the venture service's quota rows).
    """

    def __init__(self, url: str, *, workers: int = 8, group_commit: bool | None = None,
                 group_commit_limit: int = 64) -> None:
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
        # hands the lock over without any sleep, and lets that thread commit them in groups.
        # PostgreSQL writes in parallel.
        self.group_commit = self.sqlite if group_commit is None else group_commit
        self._writer = (GroupCommitWriter(self.engine.execution_options(aicmo_write=True),
                                          limit=group_commit_limit if self.group_commit else 1)
                        if self.group_commit or self.sqlite else None)

    def transact(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Runs ``fn(session, ...)`` in one writing transaction, committed if it returns."""
        with self._write_sessions.begin() as session:
            return fn(session, *args, **kwargs)

    def read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Runs ``fn(session, ...)`` in one read-only transaction."""
        with self._read_sessions.begin() as session:
            return fn(session, *args, **kwargs)

    async def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """``transact`` off the event loop: ``fn(session, ...)``'s changes are committed if it
        returns (and before this returns), and none of them if it raises.

        With group commit the transaction may be shared with other units of work, each in
        its own savepoint, so ``fn`` must not commit or roll back the session itself.
        """
        if self._writer is not None:
            return await self._writer.submit(fn, *args, **kwargs)
        return await self._in_thread(functools.partial(self.transact, fn, *args, **kwargs))

    @property
    def queued_writes(self) -> int:
        """Writing units of work waiting for the group-commit thread (0 without it)."""
        return self._writer.queued if self._writer is not None else 0

    async def run_read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """``read`` off the event loop."""
        return await self._in_thread(functools.partial(self.read, fn, *args, **kwargs))

    async def offload(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Runs any blocking ``fn`` on the database threads (for streaming reads)."""
        return await self._in_thread(functools.partial(fn, *args, **kwargs))

    async def _in_thread(self, call: Callable[[], T]) -> T:
        # The caller's context (request id, principal) goes along, so logs and use cases on
        # the database thread see the same request as the handler that sent them there.
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, context.run, call)

    def migrate(self, migrations: Path, version_table: str) -> None:
        """Upgrades the schema to the newest revision of this service's own history."""
        migrate(self.engine, migrations, version_table)

    def close(self) -> None:
        """Finishes the units of work already queued, then releases threads and connections."""
        if self._writer is not None:
            self._writer.close()
        self._executor.shutdown(wait=True, cancel_futures=False)
        self.engine.dispose()


@dataclass(eq=False, slots=True)
class _QueuedUnit:
    """A writing unit of work waiting for the writer thread."""

    fn: Callable[..., Any]
    args: tuple
    kwargs: dict
    context: contextvars.Context
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    failed: bool = False
    outcome: Any = None


class _BatchBroken(Exception):
    """The shared transaction can no longer be trusted; every unit in it fails."""


class _SharedSession(Session):
    """The session of a group of units of work. While a unit runs, it may not end the
    transaction its neighbours share: that would commit or discard their work too."""

    unit_running = False

    def _refuse_while_unit_runs(self, action: str) -> None:
        if self.unit_running:
            raise RuntimeError(f"a unit of work run by Database.run may not {action} its "
                               "session; the database commits it")

    def commit(self) -> None:
        self._refuse_while_unit_runs("commit")
        super().commit()

    def rollback(self) -> None:
        self._refuse_while_unit_runs("roll back")
        super().rollback()

    def close(self) -> None:
        self._refuse_while_unit_runs("close")
        super().close()


_STOP = object()
_SAVEPOINT = "SAVEPOINT aicmo_unit"
_RELEASE = "RELEASE SAVEPOINT aicmo_unit"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT aicmo_unit"


class GroupCommitWriter:
    """One thread that runs writing units of work, many to a transaction.

    It takes every unit queued (up to ``limit``) and runs them in one transaction, each inside
    its own SAVEPOINT: a unit that raises is rolled back to its savepoint, so only its own
    changes go and its neighbours are unaffected, and the next unit sees exactly the
    committed-so-far state plus its predecessors' changes, as if they had committed one by
    one. Outcomes reach their callers only after the COMMIT succeeded; if the COMMIT (or the
    BEGIN, or a savepoint rollback) fails, every unit of the batch fails with that error and
    none of its changes stay. A lone unit costs what a transaction of its own would; under
    load the batches grow by themselves, with no waiting for company.

    The savepoints are plain SQL on the batch's connection: SQLAlchemy's nested transactions
    cost several times the statements they wrap, and a unit sees the same session either way.
    One savepoint stands before each unit: a failed unit rolls back to it and leaves it for
    the next; a successful one releases it and sets the next (one round trip on PostgreSQL);
    the COMMIT releases the last.
    """

    def __init__(self, engine: Engine, *, limit: int = 64) -> None:
        if limit < 1:
            raise ValueError("group_commit_limit must be at least 1")
        self._sessions = sessionmaker(engine, class_=_SharedSession, expire_on_commit=False)
        # PostgreSQL takes both statements in one round trip (no parameters: simple protocol);
        # sqlite3 runs one statement per call, in process.
        self._advance = ((f"{_RELEASE}; {_SAVEPOINT}",) if engine.dialect.name == "postgresql"
                         else (_RELEASE, _SAVEPOINT))
        self._limit = limit
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, fn: Callable[..., T], *args, **kwargs) -> asyncio.Future:
        """Queues ``fn(session, *args, **kwargs)``; the future completes after its batch
        committed. The caller's context (request id, principal) goes along."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        unit = _QueuedUnit(fn, args, kwargs, contextvars.copy_context(), loop, future)
        with self._lock:
            if self._closed:
                raise RuntimeError("the database is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="db-write",
                                                daemon=True)
                self._thread.start()
            self._queue.put(unit)
        return future

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def close(self) -> None:
        """Runs what is queued, then stops the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join()

    def _work(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            while len(batch) < self._limit:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            # A caller that gave up before its turn does not get its unit run.
            batch = [unit for unit in batch if not unit.future.cancelled()]
            if batch:
                self._run_batch(batch)
                self._deliver(batch)

    def _run_batch(self, batch: list[_QueuedUnit]) -> None:
        session = self._sessions()
        cursor = None
        try:
            transaction = session.begin()
            cursor = session.connection().connection.cursor()
            cursor.execute(_SAVEPOINT)
            for index, unit in enumerate(batch):
                self._run_unit(session, transaction, cursor, unit,
                               last=index == len(batch) - 1)
            transaction.commit()
        except BaseException as error:  # noqa: BLE001 - every unit must hear of it
            failure = error.__cause__ if isinstance(error, _BatchBroken) else error
            log.warning("a group of %d units of work was not committed: %r", len(batch),
                        failure)
            for unit in batch:
                # A unit that failed on its own keeps its own error.
                if not unit.failed:
                    unit.failed, unit.outcome = True, failure
            try:
                session.rollback()
            except Exception:  # noqa: BLE001 - the callers get the error above
                log.exception("rolling back a failed group of units of work failed")
        finally:
            if cursor is not None:
                try:
                    cursor.close()
                except Exception:  # noqa: BLE001 - a dead connection is discarded anyway
                    pass
            session.close()

    def _run_unit(self, session: _SharedSession, transaction, cursor, unit: _QueuedUnit, *,
                  last: bool) -> None:
        session.unit_running = True
        try:
            unit.outcome = unit.context.run(unit.fn, session, *unit.args, **unit.kwargs)
            session.flush()
        except BaseException as error:  # noqa: BLE001 - delivered to the unit's caller
            unit.failed, unit.outcome = True, error
        finally:
            session.unit_running = False
        if (session.get_transaction() is not transaction or not transaction.is_active
                or session.in_nested_transaction()):
            raise _BatchBroken() from RuntimeError(
                "a unit of work left the shared transaction in a state it cannot be "
                "committed from (a nested transaction open, or the transaction ended)")
        try:
            if unit.failed:
                cursor.execute(_ROLLBACK_TO)
                # Whatever the session remembers from the unit is gone from the database.
                session.expunge_all()
            elif not last:
                for statement in self._advance:
                    cursor.execute(statement)
        except Exception as error:  # noqa: BLE001 - the connection itself is in trouble
            raise _BatchBroken() from error

    @staticmethod
    def _deliver(batch: list[_QueuedUnit]) -> None:
        """Hands outcomes to their loops, one wake-up per loop for the whole batch."""
        by_loop: dict[asyncio.AbstractEventLoop, list[_QueuedUnit]] = {}
        for unit in batch:
            by_loop.setdefault(unit.loop, []).append(unit)
        for loop, units in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, units)
            except RuntimeError:  # the caller's loop is closed: nobody is waiting
                pass


def _settle(units: list[_QueuedUnit]) -> None:
    for unit in units:
        if unit.future.cancelled():
            continue
        if unit.failed:
            unit.future.set_exception(unit.outcome)
        else:
            unit.future.set_result(unit.outcome)


def alembic_config(migrations: Path, version_table: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations))
    config.attributes["version_table"] = version_table
    return config


def migrate_url(url: str, migrations: Path, version_table: str) -> None:
    """A service's ``migrate`` command: one connection, the upgrade, nothing else."""
    engine = create_db_engine(url, pool_size=1)
    try:
        migrate(engine, migrations, version_table)
    finally:
        engine.dispose()


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
