"""One unit of work for the same write of many sends (see ``WriteBatcher``)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

from aicmo_common.db import Database


class WriteBatcher:
    """One unit of work for the same write of every job that asks for it in one turn of the
    event loop.

    The jobs of a batch reach each step of the path together (their peer answers are already
    in hand), so their SENDING marks arrive within one turn; with ``linger_seconds`` the
    writes of that many more milliseconds join too (outcomes, which come back one by one). Each
    write as its own unit cost a savepoint, an UPDATE ... RETURNING and an INSERT through
    SQLAlchemy per job; together they are one executemany per statement. Each job still gets
    its own answer (its changed row, or None), as it would from a unit of its own. If the
    unit fails, every job of it hears the error (and leaves its claim to lapse).
    """

    def __init__(self, database: Database, write: Callable, *,
                 linger_seconds: float = 0.0) -> None:
        self._database = database
        self._write = write
        self._linger = linger_seconds
        self._pending: list[tuple[object, asyncio.Future]] = []

    async def write(self, item: object):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) == 1:
            if self._linger:
                loop.call_later(self._linger, self._flush)
            else:
                loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        pending = [(item, future) for item, future in self._pending if not future.cancelled()]
        self._pending = []
        if not pending:
            return
        task = asyncio.ensure_future(self._database.run(self._write,
                                                        [item for item, _ in pending]))
        task.add_done_callback(functools.partial(self._answer, pending))

    @staticmethod
    def _answer(pending: list[tuple[object, asyncio.Future]], task: asyncio.Future) -> None:
        error = (asyncio.CancelledError() if task.cancelled() else task.exception())
        for index, (_, future) in enumerate(pending):
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(task.result()[index])
