"""The capture path's statements, run straight on the driver connection of the session.

A capture is a dozen small statements; built, cache-keyed and executed through SQLAlchemy each
one costs ten times what SQLite needs to run it, and that overhead, not the database, bounded
capture throughput. Here every statement is plain SQL written once per dialect (SQLite and
PostgreSQL) with positional parameters, and values are converted exactly as the SQLAlchemy
column types of ``tables`` convert them, so rows written here and through ``LeadRepository``
are indistinguishable. Everything runs in the caller's transaction; the rest of the service
keeps using ``LeadRepository``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from sqlalchemy import JSON, Boolean, DateTime, Table
from sqlalchemy.orm import Session

from aicmo_common.outbox import AuditEvent
from aicmo_leads.adapters import tables as t
from aicmo_leads.domain.lead import SuppressionScope

# PostgreSQL's "deadlock detected" and "could not serialize": the loser may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_SESSION_KEY = "aicmo_leads.capture_store"

Convert = Callable[[object], object]


_last_time: tuple[dt.datetime | None, str | None] = (None, None)


def _sqlite_time(moment: dt.datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format (the fields as given, always with
    # microseconds), so both paths sort and parse alike. A capture stores one moment in many
    # columns: the last one formatted is remembered.
    global _last_time
    if moment is None:
        return None
    last, text = _last_time
    if moment is not last:
        text = moment.replace(tzinfo=None).isoformat(" ", "microseconds")
        _last_time = (moment, text)
    return text


def _sqlite_read_time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text is not None else None


def _sqlite_read_json(text: str | None) -> object:
    return json.loads(text) if text is not None else None


def _sqlite_read_bool(value: int | None) -> bool | None:
    return bool(value) if value is not None else None


class EncodedJson(str):
    """A JSON column value already encoded as text (so it is not encoded twice)."""


def _sqlite_json(value: object) -> str:
    # SQLAlchemy's JSON type stores None as the JSON text 'null' (none_as_null=False).
    if isinstance(value, str):
        return value if isinstance(value, EncodedJson) else json.dumps(value)
    if not value:
        # The frequent empty values, without a trip through the encoder.
        if value is None:
            return "null"
        if isinstance(value, dict):
            return "{}"
        if isinstance(value, list):
            return "[]"
    return json.dumps(value)


def _postgresql_json(value: object) -> object:
    from psycopg.types.json import Json

    return Json(json.loads(value) if isinstance(value, EncodedJson) else value)


class _TableCodec:
    """How one table's values go into and come out of the driver, per column type."""

    def __init__(self, table: Table, sqlite: bool) -> None:
        self.name = table.name
        self.columns = tuple(column.name for column in table.columns)
        self.select_list = ", ".join(self.columns)
        self.row_type = namedtuple(f"{table.name}_row", self.columns)  # noqa: PYI024
        self.writers: dict[str, Convert] = {}
        readers: list[Convert | None] = []
        for column in table.columns:
            writer = reader = None
            if isinstance(column.type, DateTime):
                if sqlite:
                    writer, reader = _sqlite_time, _sqlite_read_time
            elif isinstance(column.type, JSON):
                writer, reader = ((_sqlite_json, _sqlite_read_json) if sqlite
                                  else (_postgresql_json, None))
            elif isinstance(column.type, Boolean) and sqlite:
                reader = _sqlite_read_bool
            if writer is not None:
                self.writers[column.name] = writer
            readers.append(reader)
        self._readers = tuple(readers) if any(readers) else None

    def row(self, values: Sequence[object]):
        """A row as the driver returned it (every column, in table order), typed."""
        if self._readers is None:
            return self.row_type._make(values)
        return self.row_type._make([value if reader is None else reader(value)
                                    for reader, value in zip(self._readers, values,
                                                             strict=True)])

    def row_from_values(self, values: Mapping[str, object]):
        """A row as a read would return it, from the Python values just written."""
        return self.row_type._make(map(values.get, self.columns))


class _Statement:
    """One statement's text for the driver and the converters of its parameters."""

    __slots__ = ("sql", "_conversions")

    def __init__(self, sql: str, converters: tuple[Convert | None, ...]) -> None:
        self.sql = sql
        self._conversions = tuple((index, convert) for index, convert in enumerate(converters)
                                  if convert is not None)

    def parameters(self, values: Iterable[object]) -> list:
        parameters = list(values)
        for index, convert in self._conversions:
            parameters[index] = convert(parameters[index])
        return parameters


class _Flavour:
    """The codecs and statements of one dialect, built once per process."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.leads = _TableCodec(t.leads, sqlite)
        self.identifiers = _TableCodec(t.lead_identifiers, sqlite)
        self.touches = _TableCodec(t.touches, sqlite)
        self.suppressions = _TableCodec(t.suppression_entries, sqlite)
        self.requests = _TableCodec(t.capture_requests, sqlite)
        self.consent = _TableCodec(t.consent_records, sqlite)
        self.outbox = _TableCodec(t.audit_outbox, sqlite)
        # Statements by shape; only ever added to, and a race adds the same statement.
        self.statements: dict[object, _Statement] = {}

    def statement(self, key: object, sql: Callable[[], str],
                  converters: Callable[[], tuple[Convert | None, ...]]) -> _Statement:
        statement = self.statements.get(key)
        if statement is None:
            text = sql()
            if not self.sqlite:
                text = text.replace("?", "%s")
            statement = self.statements[key] = _Statement(text, converters())
        return statement


_FLAVOURS: dict[bool, _Flavour] = {}


def flavour(sqlite: bool) -> _Flavour:
    """The dialect's codecs and statement cache (shared with the contactability read)."""
    found = _FLAVOURS.get(sqlite)
    if found is None:
        found = _FLAVOURS.setdefault(sqlite, _Flavour(sqlite))
    return found


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class CaptureStore:
    """The capture path's queries, on the session's current transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        connection = session.connection()
        self.sqlite = connection.dialect.name == "sqlite"
        # Row locks exist only on PostgreSQL; SQLite's writer holds the whole database.
        self.locking = not self.sqlite
        self._cursor = connection.connection.driver_connection.cursor()
        self._depth = 0
        self._flavour = codecs = flavour(self.sqlite)
        self.leads, self.identifiers, self.touches = (codecs.leads, codecs.identifiers,
                                                      codecs.touches)
        self.suppressions, self.requests = codecs.suppressions, codecs.requests
        self.consent, self.outbox = codecs.consent, codecs.outbox

    @classmethod
    def of(cls, session: Session) -> CaptureStore:
        """The store of this session's transaction (it holds a driver cursor)."""
        store = session.info.get(_SESSION_KEY)
        if store is None or store.session is not session:
            store = session.info[_SESSION_KEY] = cls(session)
        return store

    # --- plumbing ------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint around the block: rolled back (and only it) if the block raises."""
        self._depth += 1
        name = f"capture_{self._depth}"
        cursor = self._cursor
        cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            cursor.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            cursor.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1

    @staticmethod
    def lost_race(error: BaseException) -> bool:
        """A driver error that a concurrent change caused: a unique or foreign key violation
        (another capture inserted or moved the row first), a deadlock, a serialisation
        failure."""
        if isinstance(error, sqlite3.IntegrityError):
            return True
        sqlstate = getattr(error, "sqlstate", None) or ""
        return sqlstate.startswith("23") or sqlstate in RETRYABLE_SQLSTATES

    @staticmethod
    def deadlock(error: BaseException) -> bool:
        return (getattr(error, "sqlstate", None) or "") in RETRYABLE_SQLSTATES

    def _execute(self, key: object, sql: Callable[[], str], values: Sequence[object],
                 converters: Callable[[], tuple[Convert | None, ...]] | None = None):
        statement = self._flavour.statement(
            key, sql, converters or (lambda: (None,) * len(values)))
        cursor = self._cursor
        cursor.execute(statement.sql, statement.parameters(values)
                       if converters is not None else values)
        return cursor

    def _insert(self, codec: _TableCodec, values: Mapping[str, object], *,
                returning: str = "") -> object:
        names = tuple(values)
        cursor = self._execute(
            ("insert", codec.name, names, returning),
            lambda: (f"INSERT INTO {codec.name} ({', '.join(names)}) VALUES "
                     f"({_marks(len(names))})"
                     + (f" RETURNING {returning}" if returning else "")),
            tuple(values.values()),
            lambda: tuple(codec.writers.get(name) for name in names))
        if returning:
            return cursor.fetchall()[0][0]
        return None

    # --- capture requests ----------------------------------------------------------------

    def capture_request(self, request_id: str):
        codec = self.requests
        row = self._execute("request", lambda: (
            f"SELECT {codec.select_list} FROM capture_requests WHERE request_id = ?"),
            (request_id,)).fetchone()
        return codec.row(row) if row is not None else None

    def insert_capture_request(self, values: Mapping[str, object]) -> None:
        self._insert(self.requests, values)

    # --- identifiers ---------------------------------------------------------------------

    def leads_by_identifier(self, venture_id: str,
                            keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Maps each (kind, hmac) known in the venture to its lead id."""
        if not keys:
            return {}
        count = len(keys)
        # One OR term per key: SQLite searches the primary key for each, where a row-value
        # IN list searches only by venture and scans every identifier of the venture.
        cursor = self._execute(("identifiers", count), lambda: (
            "SELECT kind, hmac, lead_id FROM lead_identifiers WHERE venture_id = ? AND ("
            + " OR ".join(["(kind = ? AND hmac = ?)"] * count) + ")"),
            (venture_id, *(part for key in keys for part in key)))
        return {(kind, hmac_value): lead_id for kind, hmac_value, lead_id in cursor.fetchall()}

    def identifier_rows(self, lead_id: str) -> list:
        """The lead's identifiers, oldest first (as ``LeadRepository.identifier_rows``)."""
        codec = self.identifiers
        cursor = self._execute("identifier_rows", lambda: (
            f"SELECT {codec.select_list} FROM lead_identifiers WHERE lead_id = ? "
            "ORDER BY created_at, kind, hmac"), (lead_id,))
        return [codec.row(row) for row in cursor.fetchall()]

    def add_identifiers(self, rows: Sequence[Mapping[str, object]]) -> None:
        if not rows:
            return
        names = tuple(rows[0])
        codec = self.identifiers
        statement = self._flavour.statement(
            ("insert_many", names),
            lambda: (f"INSERT INTO lead_identifiers ({', '.join(names)}) VALUES "
                     f"({_marks(len(names))})"),
            lambda: tuple(codec.writers.get(name) for name in names))
        self._cursor.executemany(statement.sql,
                                 [statement.parameters(row.values()) for row in rows])

    def identifier_row(self, values: Mapping[str, object]):
        return self.identifiers.row_from_values(values)

    # --- leads ---------------------------------------------------------------------------

    def lead_row(self, lead_id: str):
        codec = self.leads
        row = self._execute("lead", lambda: f"SELECT {codec.select_list} FROM leads WHERE id = ?",
                            (lead_id,)).fetchone()
        return codec.row(row) if row is not None else None

    def lock_leads(self, lead_ids: Iterable[str]) -> dict[str, object]:
        """Reads and (on PostgreSQL) locks leads in id order, so two captures that lock the
        same leads cannot deadlock on each other."""
        ids = tuple(sorted(set(lead_ids)))
        codec = self.leads
        cursor = self._execute(("lock_leads", len(ids)), lambda: (
            f"SELECT {codec.select_list} FROM leads WHERE id IN ({_marks(len(ids))}) "
            "ORDER BY id" + (" FOR UPDATE" if self.locking else "")), ids)
        return {row.id: row for row in map(codec.row, cursor.fetchall())}

    def insert_lead(self, values: Mapping[str, object]) -> None:
        self._insert(self.leads, values)

    def update_lead(self, lead_id: str, values: Mapping[str, object]) -> None:
        names = tuple(values)
        codec = self.leads
        self._execute(
            ("update_lead", names),
            lambda: ("UPDATE leads SET " + ", ".join(f"{name} = ?" for name in names)
                     + " WHERE id = ?"),
            (*values.values(), lead_id),
            lambda: (*(codec.writers.get(name) for name in names), None))

    def lead_row_from_values(self, values: Mapping[str, object]):
        return self.leads.row_from_values(values)

    # --- touches -------------------------------------------------------------------------

    def insert_touch(self, values: Mapping[str, object]) -> int:
        return int(self._insert(self.touches, values, returning="id"))

    def touch_row(self, touch_id: int):
        codec = self.touches
        row = self._execute("touch", lambda: (
            f"SELECT {codec.select_list} FROM touches WHERE id = ?"), (touch_id,)).fetchone()
        return codec.row(row) if row is not None else None

    # --- consent ledger and suppression --------------------------------------------------

    def insert_consent_record(self, values: Mapping[str, object]) -> int:
        return int(self._insert(self.consent, values, returning="id"))

    def active_suppressions(self, venture_id: str, hmacs: Iterable[str]) -> list:
        """Opt-out entries not lifted that apply in the venture (its own, or global) to any
        hash; a bounced address's delivery-only entry is not an opt-out."""
        wanted = tuple(sorted(set(hmacs)))
        if not wanted:
            return []
        codec = self.suppressions
        cursor = self._execute(("suppressions", len(wanted)), lambda: (
            f"SELECT {codec.select_list} FROM suppression_entries "
            f"WHERE hmac IN ({_marks(len(wanted))}) AND lifted_at IS NULL AND NOT delivery_only "
            "AND (scope = ? OR (scope = ? AND venture_id = ?)) ORDER BY created_at, id"),
            (*wanted, SuppressionScope.GLOBAL.value, SuppressionScope.VENTURE.value,
             venture_id))
        return [codec.row(row) for row in cursor.fetchall()]

    # --- audit ---------------------------------------------------------------------------

    def audit(self, service: str, *events: AuditEvent) -> None:
        """Adds ``events`` to the outbox: the rows ``aicmo_common.outbox.record`` writes,
        without building a statement per call."""
        for event in events:
            self._insert(self.outbox, {
                "id": event.id, "occurred_at": event.occurred_at, "service": service,
                "entity_type": event.entity_type, "entity_id": event.entity_id,
                "action": event.action, "actor": event.actor,
                "venture_id": event.venture_id or "", "request_id": event.request_id or "",
                # Through JSON text, as record() does, so only plain, serialisable values are
                # stored (and the text is encoded once).
                "context": EncodedJson(json.dumps(dict(event.context), default=str)),
                "attempts": 0, "delivered_at": None,
            })
