"""Runs a use case in one database transaction, off the event loop: the one unit of work of
every service.

A unique-key violation means a concurrent call with the same key (send id, request id,
venture id, event id) committed first; the use case's changes, reservations included, have
rolled back, so running it again is safe and finds the winner's outcome. The same holds for a
deadlock or serialisation failure on PostgreSQL (replicas committing groups of changes that
lock rows in different orders): the victim's changes are gone and it simply runs again.

After a writing transaction commits, ``after_commit`` runs (the services wake their outbox
relays there), so no use case has to remember to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from aicmo_common.db import Database

T = TypeVar("T")
R = TypeVar("R")
ATTEMPTS = 3
# PostgreSQL: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def lost_a_race(error: BaseException) -> bool:
    """Whether ``error`` means a concurrent transaction won: running again is safe."""
    if isinstance(error, IntegrityError):
        return True
    return (isinstance(error, DBAPIError)
            and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES)


def _session(session: Session) -> Session:
    return session


class UnitOfWork(Generic[R]):
    """The database, what a use case is handed (``repository(session)``; the session itself
    by default), and what to do after a writing transaction committed."""

    def __init__(self, database: Database, after_commit: Callable[[], None] | None = None,
                 repository: Callable[[Session], R] = _session) -> None:  # type: ignore[assignment]
        self.database = database
        self._after_commit = after_commit
        self._repository = repository

    def _in_session(self, session: Session, use_case: Callable[..., T], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> T:
        return use_case(self._repository(session), *args, **kwargs)

    async def write(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``use_case(repository, *args, **kwargs)`` in one writing transaction, committed if
        it returns; run again when it lost a race on a unique key."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result: T = await self.database.run(self._in_session, use_case, args, kwargs)
            except DBAPIError as error:
                if attempt == ATTEMPTS or not lost_a_race(error):
                    raise
                continue
            if self._after_commit is not None:
                self._after_commit()
            return result
        raise AssertionError("unreachable")

    async def read(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``use_case(repository, *args, **kwargs)`` in one read-only transaction."""
        result: T = await self.database.run_read(self._in_session, use_case, args, kwargs)
        return result
