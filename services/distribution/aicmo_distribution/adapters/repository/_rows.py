"""What every seam of the repository shares: rows as dicts keyed by column name, with times made
aware again (SQLite hands them back naive; every read goes through ``as_row``), and the inserts
that ignore a conflict."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

_TIME_COLUMNS = ("created_at", "updated_at", "next_attempt_at", "claim_expires_at", "sent_at",
                 "next_wake_at", "finished_at", "held_at", "hold_window_start", "due_at",
                 "enrolled_at")


def aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def as_row(mapping: Mapping | None) -> dict | None:
    if mapping is None:
        return None
    row = dict(mapping)
    for name in _TIME_COLUMNS:
        if name in row:
            row[name] = aware(row[name])
    return row


def day_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d")


def insert_ignoring_conflicts(session: Session, table, values: Mapping) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row went in."""
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING rather than rowcount: psycopg reports -1 for ON CONFLICT inserts.
    result = session.execute(builder(table).values(**values).on_conflict_do_nothing()
                             .returning(table.c.id))
    return result.first() is not None


def insert_returning_statement(table) -> TextClause:
    """INSERT of every column ... ON CONFLICT DO NOTHING RETURNING every column, as a typed
    text statement: SQLAlchemy cannot cache the dialects' ``on_conflict_do_nothing`` inserts,
    so those are compiled afresh on every call; this one is compiled once. The SQL is the same
    on SQLite (3.35+) and PostgreSQL; values still go through the columns' types."""
    names = [column.name for column in table.c]
    quoted = ", ".join(f'"{name}"' for name in names)
    sql = (f'INSERT INTO "{table.name}" ({quoted}) VALUES '
           f'({", ".join(":" + name for name in names)}) '
           f"ON CONFLICT DO NOTHING RETURNING {quoted}")
    return (text(sql).bindparams(*(bindparam(column.name, type_=column.type)
                                   for column in table.c))
            .columns(*table.c))


def insert_returning_row(session: Session, statement: TextClause, values: Mapping
                          ) -> dict | None:
    """Runs an ``_insert_returning_statement``: the row as stored (no read-back after the
    write), or None on a conflict."""
    return as_row(session.execute(statement, {**_defaults(statement), **values})
                .mappings().first())


@functools.cache
def _defaults(statement: TextClause) -> dict[str, object]:
    """The columns' own scalar defaults (None where there is none), for the columns a caller
    left out, as the Core insert would fill them."""
    defaults = {}
    for column in statement.selected_columns:
        default = column.default
        defaults[column.name] = (default.arg if default is not None and default.is_scalar
                                 else None)
    return defaults
