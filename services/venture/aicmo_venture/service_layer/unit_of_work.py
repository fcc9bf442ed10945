"""Runs a use case in one database transaction, off the event loop.

A unique-key violation means a concurrent call with the same key (send id, request id,
venture id) committed first; the use case's changes, reservations included, have rolled back,
so running it again is safe and finds the winner's outcome. The same holds for a deadlock or
serialisation failure on PostgreSQL (replicas committing groups of verdicts that lock quota
rows in different orders): the victim's changes are gone and it simply runs again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from aicmo_common.db import Database
from aicmo_venture.adapters.repository import SqlVentureRepository

T = TypeVar("T")
ATTEMPTS = 3
# PostgreSQL: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def _lost_a_race(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    return (isinstance(error, DBAPIError)
            and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES)


def _in_session(session: Session, use_case: Callable[..., T], args: tuple[object, ...]) -> T:
    return use_case(SqlVentureRepository(session), *args)


class UnitOfWork:
    """The database plus what to do after a writing transaction committed."""

    def __init__(self, database: Database,
                 after_commit: Callable[[], None] | None = None) -> None:
        self.database = database
        self._after_commit = after_commit

    async def write(self, use_case: Callable[..., T], *args: object) -> T:
        """``use_case(repository, *args)`` in one writing transaction, committed if it
        returns; retried when it lost a race on a unique key."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result: T = await self.database.run(_in_session, use_case, args)
            except DBAPIError as error:
                if attempt == ATTEMPTS or not _lost_a_race(error):
                    raise
                continue
            if self._after_commit is not None:
                self._after_commit()
            return result
        raise AssertionError("unreachable")

    async def read(self, use_case: Callable[..., T], *args: object) -> T:
        """``use_case(repository, *args)`` in one read-only transaction."""
        return await self.database.run_read(_in_session, use_case, args)
