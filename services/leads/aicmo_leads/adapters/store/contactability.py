"""The contactability check's one read: a lead, its first and last touches, its identifiers
and whether each identifier is on a suppression list that applies to the lead's venture.

Distribution asks this before every send. Read as five statements (the lead twice, its
identifiers twice, its touches, its suppressions) it cost more than the rest of the call;
here it is one prepared statement (``statements.contactability``). One statement sees one
snapshot on both databases, so the lead and its suppressions cannot disagree. Several leads
are read with one statement (concurrent checks are read together), their rows grouped by
lead id.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aicmo_leads.adapters.store import statements
from aicmo_leads.adapters.store.rows import LEADS, TOUCHES

IdentifierValue = namedtuple("IdentifierValue", ("kind", "value"))  # noqa: PYI024


@dataclass(frozen=True, slots=True)
class ContactabilityRows:
    """What the check reads, as typed rows of ``tables``."""

    lead: Any  # a leads row
    first_touch: Any | None  # a touches row
    last_touch: Any | None  # a touches row (the first one's object when they are one)
    identifiers: tuple[IdentifierValue, ...]  # oldest first
    suppressed: bool
    # The values of the identifiers that cannot receive (delivery-only entries).
    undeliverable: frozenset[str] = frozenset()


def read_contactability(session: Session, lead_ids: Sequence[str]
                        ) -> dict[str, ContactabilityRows]:
    """The leads' rows in the session's transaction, by lead id; a missing lead is left out."""
    return _read(session.connection(), lead_ids)


class PooledContactabilityRead:
    """The read on a connection of the engine's pool, in no transaction of its own.

    A Session's BEGIN and COMMIT (and SQLAlchemy's execution path for them) cost more than
    the statement; one statement is its own snapshot on both databases, so it needs none.
    The prepared statement runs on the driver cursor, so no BEGIN is sent: on SQLite the
    driver runs it in autocommit (``aicmo_common.db`` leaves transactions to SQLAlchemy); on
    PostgreSQL the driver opens a transaction that the pool rolls back when the connection
    is returned."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __call__(self, lead_ids: Sequence[str]) -> dict[str, ContactabilityRows]:
        with self._engine.connect() as connection:
            return _read(connection, lead_ids)


def _read(connection: Connection, lead_ids: Sequence[str]) -> dict[str, ContactabilityRows]:
    wanted = sorted(set(lead_ids))
    if not wanted:
        return {}
    rows = statements.contactability(len(wanted)).rows(connection,
                                                       statements.params("l", wanted))
    found: dict[str, ContactabilityRows] = {}
    start = 0
    at = LEADS.columns.index("id")
    # Rows come grouped by lead id.
    for end in range(1, len(rows) + 1):
        if end == len(rows) or rows[end][at] != rows[start][at]:
            found[rows[start][at]] = _one_lead(rows[start:end])
            start = end
    return found


def _one_lead(rows: list[tuple[Any, ...]]) -> ContactabilityRows:
    first = rows[0]
    width = len(TOUCHES.columns)
    lead_end = len(LEADS.columns)
    touch_end = lead_end + width
    first_touch = (TOUCHES.make(first[lead_end:touch_end])
                   if first[lead_end] is not None else None)
    if first[touch_end] is None:
        last_touch = None
    elif first[touch_end] == first[lead_end]:
        last_touch = first_touch
    else:
        last_touch = TOUCHES.make(first[touch_end:touch_end + width])
    kind_at = touch_end + width
    identifiers = tuple(IdentifierValue(row[kind_at], row[kind_at + 1]) for row in rows
                        if row[kind_at] is not None)
    return ContactabilityRows(
        lead=LEADS.make(first[:lead_end]), first_touch=first_touch, last_touch=last_touch,
        identifiers=identifiers, suppressed=any(row[kind_at + 2] for row in rows),
        undeliverable=frozenset(row[kind_at + 1] for row in rows if row[kind_at + 3]))
