"""Core statements compiled once and run on the driver's cursor, for the hot paths.

SQLAlchemy's execution path (execution context, events, cache lookup, result wrapper) costs
more per statement than SQLite takes to run small statements, and the hot paths (venture's
verdicts, leads' captures, every audit event) run several per call at thousands of calls a
second. So this compiles Core statements once per
dialect and runs them on the DBAPI cursor of the session's own connection, in the same
transaction, passing values through the column types' own bind and result processors: they
are stored and read exactly as SQLAlchemy would store and read them. Driver errors are
wrapped as SQLAlchemy's (``IntegrityError``, ...), so callers see the usual exceptions.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

_REQUIRED = object()


def insert_values(table: Table, prefix: str = "") -> dict[str, Any]:
    """Every column of ``table`` but an auto-incremented key, each a bound parameter named
    ``prefix`` + its key: the values of an ``insert(table)`` to prepare."""
    return {column.key: bindparam(prefix + column.key) for column in table.c
            if not (column.primary_key and column.autoincrement is True)}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool
    # (name, bind processor or None, the value the bind carries itself or _REQUIRED), in
    # placeholder order for positional drivers (sqlite3).
    binds: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]
    # (column index, result processor) for the columns that have one.
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class PreparedStatement:
    """One Core statement whose parameters are named ``bindparam``s (or carry a value)."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        # Keyed by the engine's dialect object: its processors carry its settings (such as
        # the JSON serialiser), and a dropped engine takes its entry with it.
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = \
            weakref.WeakKeyDictionary()

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect)
        if compiled is not None:
            return compiled
        done = self._statement.compile(dialect=dialect)
        assert isinstance(done, SQLCompiler)  # a Core statement compiles to SQL
        names = (done.positiontup or []) if dialect.positional else list(done.binds)
        binds = tuple(
            (name, bind.type.dialect_impl(dialect).bind_processor(dialect),
             _REQUIRED if bind.required else bind.effective_value)
            for name, bind in ((name, done.binds[name]) for name in names))
        columns = getattr(self._statement, "selected_columns", ())
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in columns]
        compiled = _Compiled(
            sql=done.string,
            positional=dialect.positional,
            binds=binds,
            results=tuple((index, processor) for index, processor in enumerate(processors)
                          if processor is not None))
        self._compiled[dialect] = compiled
        return compiled

    def _execute(self, connection: Connection,
                 params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        dialect = connection.dialect
        compiled = self._compile(dialect)
        # One pass over the binds: the value (the caller's, or the one the bind carries),
        # through its type's processor when it has one.
        values = [(params[name] if own is _REQUIRED else own) if processor is None
                  else processor(params[name] if own is _REQUIRED else own)
                  for name, processor, own in compiled.binds]
        arguments = (tuple(values) if compiled.positional else
                     {name: value for (name, _, _), value in zip(compiled.binds, values,
                                                                 strict=True)})
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise exc.DBAPIError.instance(compiled.sql, arguments, error,
                                          dialect.loaded_dbapi.Error,
                                          dialect=dialect) from error
        return cursor, compiled

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Executes a statement without results; returns the affected row count."""
        cursor, _ = self._execute(connection, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def rows(self, connection: Connection,
             params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Executes a query; returns its rows as tuples of values read as SQLAlchemy
        reads them."""
        cursor, compiled = self._execute(connection, params)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        processors = compiled.results
        if not processors:
            return [tuple(row) for row in fetched]
        rows = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for index, processor in processors:
                if row[index] is not None:
                    row[index] = processor(row[index])
            rows.append(tuple(row))
        return rows
