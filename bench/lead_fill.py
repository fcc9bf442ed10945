"""Fills a leads database (SQLite) with many leads quickly, for the scale figure.

A million leads through ImportLeads would take longer than the whole bench may, so the rows are
written in bulk instead, and they are exactly the rows the service itself writes: one lead is
captured through the real API first, and its rows in the leads service's own tables
(``aicmo_leads.adapters.tables``: the lead, its identifiers, its touches and its consent ledger)
are cloned as stored, with a new id, a new email address, the email's keyed hash computed with
the service's own ``IdentityKeys`` and its ``identity_hash``. So every filled lead is found,
resolved and checked exactly like a captured one. No audit events are written for them.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aicmo_leads.adapters import tables
from aicmo_leads.domain.identifiers import (
    Identifier,
    IdentifierKind,
    IdentityKeys,
    identity_hash,
)

CHUNK = 20_000


@dataclass(frozen=True)
class FillResult:
    added: int
    seconds: float
    sample: list[str]  # ids of filled leads, spread over the whole table

    @property
    def rate(self) -> float:
        return self.added / self.seconds if self.seconds else 0.0


def _rows(connection: sqlite3.Connection, table: str, column: str, value: str
          ) -> tuple[list[str], list[tuple]]:
    cursor = connection.execute(f'SELECT * FROM "{table}" WHERE "{column}" = ?', (value,))
    return [d[0] for d in cursor.description], cursor.fetchall()


def _insert(connection: sqlite3.Connection, table: str, columns: list[str],
            rows: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def fill_leads(database: Path, identity_key: str, template_lead_id: str, count: int, *,
               sample_size: int, tag: str | None = None) -> FillResult:
    """Adds ``count`` clones of the lead ``template_lead_id`` (which has exactly one
    identifier, its email) and returns ``sample_size`` of their ids, chosen at random."""
    keys = IdentityKeys(identity_key)
    tag = tag or uuid.uuid4().hex[:8]
    started = time.perf_counter()
    connection = sqlite3.connect(database, timeout=120, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=120000")
        # Scratch data: a larger page cache for the random-key index inserts, and no fsync
        # per chunk (this connection only; the service's own connections are unchanged).
        connection.execute("PRAGMA cache_size=-262144")
        connection.execute("PRAGMA synchronous=OFF")
        lead_columns, lead_rows = _rows(connection, tables.leads.name, "id", template_lead_id)
        id_columns, id_rows = _rows(connection, tables.lead_identifiers.name, "lead_id",
                                    template_lead_id)
        touch_columns, touch_rows = _rows(connection, tables.touches.name, "lead_id",
                                          template_lead_id)
        consent_columns, consent_rows = _rows(connection, tables.consent_records.name,
                                              "lead_id", template_lead_id)
        if len(lead_rows) != 1 or len(id_rows) != 1 or len(touch_rows) != 1:
            raise RuntimeError("the template lead must have one identifier and one touch")
        lead, identifier, touch = lead_rows[0], id_rows[0], touch_rows[0]
        lead_at = {name: index for index, name in enumerate(lead_columns)}
        id_at = {name: index for index, name in enumerate(id_columns)}
        touch_at = {name: index for index, name in enumerate(touch_columns)}
        if identifier[id_at["kind"]] != IdentifierKind.EMAIL.value:
            raise RuntimeError("the template lead's identifier must be its email")
        # Ledger ids are assigned by the database.
        consent_keep = [i for i, name in enumerate(consent_columns) if name != "id"]
        consent_names = [consent_columns[i] for i in consent_keep]
        consent_lead = consent_columns.index("lead_id")
        next_touch = connection.execute(
            f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{tables.touches.name}"').fetchone()[0]

        wanted = set(random.sample(range(count), min(sample_size, count)))
        sample: list[str] = []
        for first in range(0, count, CHUNK):
            leads, identifiers, touches, ledger = [], [], [], []
            for index in range(first, min(first + CHUNK, count)):
                lead_id = str(uuid.uuid4())
                email = f"fill{index}.{tag}@bench.example"
                touch_id = next_touch + index
                row = list(lead)
                row[lead_at["id"]] = lead_id
                row[lead_at["email"]] = email
                row[lead_at["identity_hash"]] = identity_hash(email, None, None)
                row[lead_at["first_touch_id"]] = touch_id
                row[lead_at["last_touch_id"]] = touch_id
                leads.append(tuple(row))
                row = list(identifier)
                row[id_at["lead_id"]] = lead_id
                row[id_at["value"]] = email
                row[id_at["hmac"]] = keys.identifier_hmac(
                    Identifier(IdentifierKind.EMAIL, email))
                identifiers.append(tuple(row))
                row = list(touch)
                row[touch_at["id"]] = touch_id
                row[touch_at["lead_id"]] = lead_id
                touches.append(tuple(row))
                for record in consent_rows:
                    row = list(record)
                    row[consent_lead] = lead_id
                    ledger.append(tuple(row[i] for i in consent_keep))
                if index in wanted:
                    sample.append(lead_id)
            connection.execute("BEGIN IMMEDIATE")
            _insert(connection, tables.leads.name, lead_columns, leads)
            _insert(connection, tables.lead_identifiers.name, id_columns, identifiers)
            _insert(connection, tables.touches.name, touch_columns, touches)
            if ledger:
                _insert(connection, tables.consent_records.name, consent_names, ledger)
            connection.execute("COMMIT")
        # Fold the write-ahead log into the database, as SQLite does by itself in a steady
        # state, so the figure measures the table and not a log of two gigabytes.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    random.shuffle(sample)
    return FillResult(count, time.perf_counter() - started, sample)
