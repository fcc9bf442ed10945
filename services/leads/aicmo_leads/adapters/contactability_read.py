"""The contactability check's one read: a lead, its first and last touches, its identifiers
and whether each identifier is on a suppression list that applies to the lead's venture.

Distribution asks this before every send. Read as five statements through SQLAlchemy (the
lead twice, its identifiers twice, its touches, its suppressions) it cost more than the rest
of the call; here it is one statement, written once per dialect, run on the driver cursor of
the session's connection, its values converted as ``capture_store`` converts them (exactly as
the SQLAlchemy column types of ``tables`` read them). One statement sees one snapshot on both
databases, so the lead and its suppressions cannot disagree.

Row shape: the lead's columns, the first touch's, the last touch's, then per identifier its
kind, its value, whether an opt-out entry suppresses it and whether a delivery-only entry (a
bounced address) does; one row per identifier, ordered as
``LeadRepository.identifier_rows`` orders them, and one row with NULL identifier columns for
a lead without identifiers (merged and erased leads have none). Several leads are read with
one statement (concurrent checks are read together), their rows grouped by lead id.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aicmo_leads.adapters.capture_store import flavour
from aicmo_leads.domain.lead import SuppressionScope

IdentifierValue = namedtuple("IdentifierValue", ("kind", "value"))  # noqa: PYI024


@dataclass(frozen=True, slots=True)
class ContactabilityRows:
    """What the check reads, as typed rows of ``tables``."""

    lead: object  # a leads row
    first_touch: object | None  # a touches row
    last_touch: object | None  # a touches row (the first one's object when they are one)
    identifiers: tuple[IdentifierValue, ...]  # oldest first
    suppressed: bool
    # The values of the identifiers that cannot receive (delivery-only entries).
    undeliverable: frozenset[str] = frozenset()


def _sql(lead_columns: tuple[str, ...], touch_columns: tuple[str, ...], count: int) -> str:
    # Scope values are constants of the schema, written into the text so the statement
    # takes only lead ids.
    applies = ("SELECT 1 FROM suppression_entries s"
               " WHERE s.hmac = i.hmac AND s.lifted_at IS NULL"
               f" AND (s.scope = '{SuppressionScope.GLOBAL.value}'"
               f" OR (s.scope = '{SuppressionScope.VENTURE.value}'"
               " AND s.venture_id = l.venture_id))")
    return (
        "SELECT " + ", ".join(
            [f"l.{name}" for name in lead_columns]
            + [f"ft.{name}" for name in touch_columns]
            + [f"lt.{name}" for name in touch_columns])
        + f", i.kind, i.value, EXISTS ({applies} AND NOT s.delivery_only),"
        f" EXISTS ({applies} AND s.delivery_only)"
        " FROM leads l"
        " LEFT JOIN touches ft ON ft.id = l.first_touch_id"
        " LEFT JOIN touches lt ON lt.id = l.last_touch_id"
        " LEFT JOIN lead_identifiers i ON i.lead_id = l.id"
        + (" WHERE l.id = ?" if count == 1 else f" WHERE l.id IN ({', '.join('?' * count)})")
        + " ORDER BY l.id, i.created_at, i.kind, i.hmac")


def read_contactability(session: Session, lead_ids: Sequence[str]
                        ) -> dict[str, ContactabilityRows]:
    """The leads' rows in the session's transaction, by lead id; a missing lead is left out."""
    connection = session.connection()
    return _read(connection.connection.driver_connection, connection.dialect.name == "sqlite",
                 lead_ids)


class PooledContactabilityRead:
    """The read on a connection of the engine's pool, in no transaction of its own.

    A Session's BEGIN and COMMIT (and SQLAlchemy's execution path for them) cost more than
    the statement; one statement is its own snapshot on both databases, so it needs none.
    On SQLite the driver runs it in autocommit (``aicmo_common.db`` leaves transactions to
    SQLAlchemy); on PostgreSQL the driver opens a transaction that the pool rolls back when
    the connection is returned."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    def __call__(self, lead_ids: Sequence[str]) -> dict[str, ContactabilityRows]:
        connection = self._engine.raw_connection()
        try:
            return _read(connection.driver_connection, self._sqlite, lead_ids)
        finally:
            connection.close()


def _read(driver_connection, sqlite: bool,
          lead_ids: Sequence[str]) -> dict[str, ContactabilityRows]:
    wanted = tuple(sorted(set(lead_ids)))
    if not wanted:
        return {}
    codecs = flavour(sqlite)
    leads, touches = codecs.leads, codecs.touches
    statement = codecs.statement(("contactability", len(wanted)),
                                 lambda: _sql(leads.columns, touches.columns, len(wanted)),
                                 lambda: (None,) * len(wanted))
    cursor = driver_connection.cursor()
    try:
        cursor.execute(statement.sql, wanted)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    found: dict[str, ContactabilityRows] = {}
    start = 0
    at = leads.columns.index("id")
    # Rows come grouped by lead id.
    for end in range(1, len(rows) + 1):
        if end == len(rows) or rows[end][at] != rows[start][at]:
            found[rows[start][at]] = _one_lead(rows[start:end], leads, touches)
            start = end
    return found


def _one_lead(rows: list, leads, touches) -> ContactabilityRows:
    first = rows[0]
    lead_end = len(leads.columns)
    touch_end = lead_end + len(touches.columns)
    first_touch = (touches.row(first[lead_end:touch_end])
                   if first[lead_end] is not None else None)
    if first[touch_end] is None:
        last_touch = None
    elif first[touch_end] == first[lead_end]:
        last_touch = first_touch
    else:
        last_touch = touches.row(first[touch_end:touch_end + len(touches.columns)])
    kind_at = touch_end + len(touches.columns)
    identifiers = tuple(IdentifierValue(row[kind_at], row[kind_at + 1]) for row in rows
                        if row[kind_at] is not None)
    return ContactabilityRows(
        lead=leads.row(first[:lead_end]), first_touch=first_touch, last_touch=last_touch,
        identifiers=identifiers, suppressed=any(row[kind_at + 2] for row in rows),
        undeliverable=frozenset(row[kind_at + 1] for row in rows if row[kind_at + 3]))
