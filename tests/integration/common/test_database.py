"""``Database`` on real SQLite and PostgreSQL: group commit runs queued writing units of work
in one transaction, each in its own savepoint, so a failing unit leaves its neighbours alone,
and every caller hears its outcome only after the shared COMMIT; a failed COMMIT fails them
all. PostgreSQL keeps parallel transactions by default, so the group tests force it on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicmo_common.db import Database
from tests.support.waiting import wait_for

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
items = Table(
    "items", metadata,
    Column("name", String(32), primary_key=True),
    # Checked at COMMIT, not at the INSERT: the way to make a shared COMMIT fail.
    Column("parent_id", Integer,
           ForeignKey("parents.id", deferrable=True, initially="DEFERRED"), nullable=True),
)
DEADLINE = 10.0


@pytest.fixture
def database(database_url):
    database = Database(database_url, workers=4, group_commit=True)
    metadata.create_all(database.engine)
    yield database
    database.close()


def _add(session: Session, name: str, parent_id: int | None = None) -> str:
    session.execute(insert(items).values(name=name, parent_id=parent_id))
    return name


def _names(database: Database) -> set[str]:
    return set(database.read(lambda session: session.execute(select(items.c.name)).scalars()))


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Waits for ``condition`` with a deadline, yielding to the loop between looks."""
    await wait_for(condition, within=DEADLINE, what=what, every=0.001)


class Gate:
    """A unit of work that holds the writer thread until the test opens the gate, so that
    the units submitted meanwhile queue up and run together as the next group."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.open = threading.Event()

    def unit(self, session: Session) -> str:
        self.entered.set()
        if not self.open.wait(DEADLINE):
            raise AssertionError("the gate was never opened")
        return _add(session, "gate")

    async def hold(self, database: Database) -> asyncio.Task:
        task = asyncio.ensure_future(database.run(self.unit))
        await asyncio.to_thread(self.entered.wait, DEADLINE)
        assert self.entered.is_set()
        return task


async def _queue_behind(database: Database, gate: Gate, *units) -> list[asyncio.Task]:
    """Submits ``units`` while the gate holds the writer; returns once all are queued."""
    held = await gate.hold(database)
    tasks = [asyncio.ensure_future(database.run(*unit)) for unit in units]
    await _until(lambda: database.queued_writes == len(units), "the units to queue")
    gate.open.set()
    assert await held == "gate"
    return tasks


async def test_a_failing_unit_leaves_its_group_neighbours_committed(database):
    sessions: list[Session] = []
    seen_by_last: list[set[str]] = []

    def first(session: Session) -> str:
        sessions.append(session)
        return _add(session, "first")

    def fails_after_writing(session: Session) -> None:
        sessions.append(session)
        _add(session, "doomed-1")
        _add(session, "doomed-2")
        raise ValueError("the unit changed its mind")

    def duplicate(session: Session) -> str:
        sessions.append(session)
        return _add(session, "first")  # the key the first unit just took

    def last(session: Session) -> str:
        sessions.append(session)
        seen_by_last.append(set(session.execute(select(items.c.name)).scalars()))
        return _add(session, "last")

    tasks = await _queue_behind(database, Gate(), (first,), (fails_after_writing,),
                                (duplicate,), (last,))
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert outcomes[0] == "first" and outcomes[3] == "last"
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[2], IntegrityError)
    # One group: the four units shared one session, hence one transaction.
    assert len(sessions) == 4 and all(s is sessions[0] for s in sessions)
    # The last unit saw its predecessors' surviving changes and nothing of the failed ones.
    assert seen_by_last == [{"gate", "first"}]
    assert _names(database) == {"gate", "first", "last"}


async def test_outcomes_arrive_only_after_the_shared_commit(database):
    finished_first = threading.Event()
    second_entered = threading.Event()
    release_second = threading.Event()

    def first(session: Session) -> str:
        _add(session, "first")
        finished_first.set()
        return "first"

    def second(session: Session) -> str:
        second_entered.set()
        if not release_second.wait(DEADLINE):
            raise AssertionError("never released")
        return _add(session, "second")

    gate = Gate()
    held = await gate.hold(database)
    first_task = asyncio.ensure_future(database.run(first))
    second_task = asyncio.ensure_future(database.run(second))
    await _until(lambda: database.queued_writes == 2, "both units to queue")
    gate.open.set()
    await asyncio.to_thread(second_entered.wait, DEADLINE)
    assert finished_first.is_set() and second_entered.is_set()
    # The first unit is done, but its group has not committed: its caller must not know yet,
    # and nobody else can see its row.
    assert not first_task.done()
    assert "first" not in _names(database)
    release_second.set()
    assert await first_task == "first"
    # By the time the caller hears of it, the row is committed and visible to any reader.
    assert "first" in _names(database)
    assert await second_task == "second"
    assert await held == "gate"


async def test_a_failed_commit_fails_every_unit_of_the_group_and_keeps_nothing(database):
    tasks = await _queue_behind(
        database, Gate(), (_add, "innocent-1"),
        # Inserts fine but breaks the deferred foreign key, so the COMMIT itself fails.
        (_add, "orphan", 404),
        (_add, "innocent-2"))
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(outcome, IntegrityError) for outcome in outcomes), outcomes
    assert _names(database) == {"gate"}
    # The writer carries on with the next group.
    assert await database.run(_add, "after") == "after"
    assert _names(database) == {"gate", "after"}


async def test_a_unit_may_not_end_the_shared_transaction(database):
    def commits_itself(session: Session) -> None:
        _add(session, "sneaky")
        session.commit()

    tasks = await _queue_behind(database, Gate(), (_add, "neighbour"), (commits_itself,))
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert outcomes[0] == "neighbour"
    assert isinstance(outcomes[1], RuntimeError) and "may not commit" in str(outcomes[1])
    assert _names(database) == {"gate", "neighbour"}


async def test_a_unit_cancelled_while_queued_never_runs(database):
    ran: list[str] = []

    def unit(session: Session) -> str:
        ran.append("cancelled")
        return _add(session, "cancelled")

    gate = Gate()
    held = await gate.hold(database)
    doomed = asyncio.ensure_future(database.run(unit))
    kept = asyncio.ensure_future(database.run(_add, "kept"))
    await _until(lambda: database.queued_writes == 2, "both units to queue")
    doomed.cancel()
    gate.open.set()
    assert await held == "gate" and await kept == "kept"
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert ran == [] and _names(database) == {"gate", "kept"}


async def test_many_concurrent_units_each_commit_exactly_once(database):
    counter = Table("counter", MetaData(), Column("id", Integer, primary_key=True),
                    Column("value", Integer, nullable=False))
    counter.create(database.engine)
    database.transact(lambda session: session.execute(insert(counter).values(id=1, value=0)))

    def bump(session: Session, index: int) -> int:
        value = session.execute(select(counter.c.value).where(counter.c.id == 1)).scalar_one()
        session.execute(counter.update().values(value=value + 1))
        if index % 7 == 0:
            raise LookupError(index)  # its bump must vanish, its neighbours' must not
        return value + 1

    outcomes = await asyncio.gather(*(database.run(bump, index) for index in range(200)),
                                    return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, LookupError)]
    succeeded = sorted(o for o in outcomes if isinstance(o, int))
    assert len(failed) == len(range(0, 200, 7))
    # Serialised read-modify-writes: every successful unit saw exactly the previous ones.
    assert succeeded == list(range(1, 200 - len(failed) + 1))
    assert database.read(lambda session: session.execute(
        select(func.max(counter.c.value))).scalar_one()) == len(succeeded)


async def test_close_finishes_the_queued_units(database_url):
    database = Database(database_url, workers=2, group_commit=True)
    metadata.create_all(database.engine)
    try:
        gate = Gate()
        held = await gate.hold(database)
        queued = [asyncio.ensure_future(database.run(_add, f"q{i}")) for i in range(3)]
        await _until(lambda: database.queued_writes == 3, "the units to queue")
        gate.open.set()
        await asyncio.to_thread(database.close)
        assert await held == "gate"
        assert [await task for task in queued] == ["q0", "q1", "q2"]
        with pytest.raises(RuntimeError, match="closed"):
            await database.run(_add, "late")
    finally:
        database.close()
    reopened = Database(database_url, workers=1)
    try:
        assert _names(reopened) == {"gate", "q0", "q1", "q2"}
    finally:
        reopened.close()


def test_group_commit_is_on_for_sqlite_and_off_for_postgresql_unless_asked(database_url):
    database = Database(database_url, workers=1)
    try:
        assert database.group_commit is database.sqlite
    finally:
        database.close()


async def test_without_group_commit_sqlite_still_writes_one_unit_per_transaction(sqlite_url):
    database = Database(sqlite_url, workers=2, group_commit=False)
    metadata.create_all(database.engine)
    sessions: list[Session] = []

    def unit(session: Session, name: str) -> str:
        sessions.append(session)
        return _add(session, name)

    try:
        tasks = await _queue_behind(database, Gate(), *((unit, f"u{i}") for i in range(3)))
        assert await asyncio.gather(*tasks) == ["u0", "u1", "u2"]
        assert len({id(session) for session in sessions}) == 3
    finally:
        database.close()


def test_migrate_url_brings_a_service_database_to_head_once(database_url):
    """The ``migrate`` command of every service: run twice, it is at head and changes nothing."""
    from sqlalchemy import create_engine, inspect, text

    from aicmo_common.db import migrate_url, normalise_url
    from aicmo_venture.bootstrap import MIGRATIONS, VERSION_TABLE

    migrate_url(database_url, MIGRATIONS, VERSION_TABLE)
    migrate_url(database_url, MIGRATIONS, VERSION_TABLE)
    engine = create_engine(normalise_url(database_url))
    try:
        assert "campaigns" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        assert len(versions) == 1
    finally:
        engine.dispose()
