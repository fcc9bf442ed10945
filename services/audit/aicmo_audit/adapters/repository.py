"""The repository: the audit log's queries over one SQLAlchemy session."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import String, any_, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from aicmo_audit.adapters.tables import audit_checkpoint, audit_log
from aicmo_audit.domain.chain import canonical_json, utc
from aicmo_audit.domain.model import GENESIS_HASH, Checkpoint, Entry, EntryFilter, Event

# Any constant will do: it names "the chain" among PostgreSQL advisory locks ("audit" in ASCII).
CHAIN_LOCK_KEY = 0x6175646974

_ENTRY_COLUMNS = (
    audit_log.c.sequence, audit_log.c.event_id, audit_log.c.occurred_at,
    audit_log.c.recorded_at, audit_log.c.service, audit_log.c.entity_type,
    audit_log.c.entity_id, audit_log.c.action, audit_log.c.actor, audit_log.c.venture_id,
    audit_log.c.request_id, audit_log.c.context, audit_log.c.previous_hash, audit_log.c.hash,
)


def _entry(row: Sequence) -> Entry:
    (sequence, event_id, occurred_at, recorded_at, service, entity_type, entity_id, action,
     actor, venture_id, request_id, context, previous_hash, hash_) = row
    event = Event(event_id, utc(occurred_at), service, entity_type, entity_id, action, actor,
                  venture_id, request_id, json.loads(context))
    return Entry(sequence, event, utc(recorded_at), previous_hash, hash_)


def _checkpoint(row: Sequence) -> Checkpoint:
    sequence, hash_, created_at, created_by = row
    return Checkpoint(sequence, hash_, utc(created_at), created_by)


class LogRepository:
    """Reads and appends log entries and checkpoints within the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def lock_chain(self) -> None:
        """Serialises appenders until the transaction ends, so the chain stays linear.

        On SQLite the writing transaction began with BEGIN IMMEDIATE, which already admits one
        writer at a time; on PostgreSQL a transaction-scoped advisory lock does the same.
        """
        if self._postgres:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                 {"key": CHAIN_LOCK_KEY})

    def head(self) -> tuple[int, str]:
        """The last entry's sequence and hash; (0, GENESIS_HASH) for an empty log."""
        row = self.session.execute(
            select(audit_log.c.sequence, audit_log.c.hash)
            .order_by(audit_log.c.sequence.desc()).limit(1)).first()
        return (0, GENESIS_HASH) if row is None else (row[0], row[1])

    def head_sequence(self) -> int:
        return self.session.execute(select(func.max(audit_log.c.sequence))).scalar() or 0

    def entries_by_event_ids(self, event_ids: Iterable[str]) -> dict[str, Entry]:
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, Entry] = {}
        if self._postgres:
            # One array parameter, not an IN list of hundreds: psycopg prepares repeated
            # statements, and a generic plan for a long IN list of parameters can degrade to a
            # sequential scan that compares every row with every id; "= ANY(array)" probes
            # the unique index once per id.
            batches = [any_(bindparam("event_ids", ids, type_=ARRAY(String)))] if ids else []
        else:
            # Chunked, so a large batch stays well under SQLite's parameter limit.
            batches = [ids[start:start + 500] for start in range(0, len(ids), 500)]
        for batch in batches:
            condition = (audit_log.c.event_id == batch if self._postgres
                         else audit_log.c.event_id.in_(batch))
            for row in self.session.execute(select(*_ENTRY_COLUMNS).where(condition)):
                entry = _entry(row)
                found[entry.event.id] = entry
        return found

    def add_entries(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        self.session.execute(insert(audit_log), [
            {
                "sequence": entry.sequence,
                "event_id": entry.event.id,
                "occurred_at": entry.event.occurred_at,
                "recorded_at": entry.recorded_at,
                "service": entry.event.service,
                "entity_type": entry.event.entity_type,
                "entity_id": entry.event.entity_id,
                "action": entry.event.action,
                "actor": entry.event.actor,
                "venture_id": entry.event.venture_id,
                "request_id": entry.event.request_id,
                "context": canonical_json(entry.event.context),
                "previous_hash": entry.previous_hash,
                "hash": entry.hash,
            }
            for entry in entries
        ])

    def entry_at(self, sequence: int) -> Entry | None:
        row = self.session.execute(select(*_ENTRY_COLUMNS).where(
            audit_log.c.sequence == sequence)).first()
        return None if row is None else _entry(row)

    def hash_at(self, sequence: int) -> str | None:
        return self.session.execute(select(audit_log.c.hash).where(
            audit_log.c.sequence == sequence)).scalar()

    def find(self, where: EntryFilter, *, after: int, limit: int) -> list[Entry]:
        """Up to ``limit`` matching entries with sequence > ``after``, in sequence order."""
        query = select(*_ENTRY_COLUMNS).where(audit_log.c.sequence > after)
        for column, value in (
            (audit_log.c.venture_id, where.venture_id),
            (audit_log.c.actor, where.actor),
            (audit_log.c.action, where.action),
            (audit_log.c.entity_type, where.entity_type),
            (audit_log.c.entity_id, where.entity_id),
            (audit_log.c.service, where.service),
        ):
            if value is not None:
                query = query.where(column == value)
        if where.start_time is not None:
            query = query.where(audit_log.c.occurred_at >= utc(where.start_time))
        if where.end_time is not None:
            query = query.where(audit_log.c.occurred_at < utc(where.end_time))
        if where.start_sequence is not None:
            query = query.where(audit_log.c.sequence >= where.start_sequence)
        if where.end_sequence is not None:
            query = query.where(audit_log.c.sequence <= where.end_sequence)
        rows = self.session.execute(query.order_by(audit_log.c.sequence).limit(limit))
        return [_entry(row) for row in rows]

    def chunk(self, *, after: int, end: int, limit: int) -> list[Entry]:
        """Entries after ``after`` up to ``end`` inclusive, in sequence order (for scans)."""
        rows = self.session.execute(
            select(*_ENTRY_COLUMNS)
            .where(audit_log.c.sequence > after, audit_log.c.sequence <= end)
            .order_by(audit_log.c.sequence).limit(limit))
        return [_entry(row) for row in rows]

    # --- checkpoints -----------------------------------------------------------------------

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.session.execute(insert(audit_checkpoint).values(
            sequence=checkpoint.sequence, hash=checkpoint.hash,
            created_at=checkpoint.created_at, created_by=checkpoint.created_by))

    def checkpoint_at(self, sequence: int) -> Checkpoint | None:
        row = self.session.execute(select(
            audit_checkpoint.c.sequence, audit_checkpoint.c.hash,
            audit_checkpoint.c.created_at, audit_checkpoint.c.created_by,
        ).where(audit_checkpoint.c.sequence == sequence)).first()
        return None if row is None else _checkpoint(row)

    def checkpoints(self, *, before: int | None, limit: int) -> list[Checkpoint]:
        """Up to ``limit`` checkpoints with sequence < ``before``, newest first."""
        query = select(audit_checkpoint.c.sequence, audit_checkpoint.c.hash,
                       audit_checkpoint.c.created_at, audit_checkpoint.c.created_by)
        if before is not None:
            query = query.where(audit_checkpoint.c.sequence < before)
        rows = self.session.execute(
            query.order_by(audit_checkpoint.c.sequence.desc()).limit(limit))
        return [_checkpoint(row) for row in rows]

    def checkpoint_hashes_from(self, start: int) -> dict[int, str]:
        """Sequence -> hash of every stored checkpoint at or after ``start``."""
        rows = self.session.execute(
            select(audit_checkpoint.c.sequence, audit_checkpoint.c.hash)
            .where(audit_checkpoint.c.sequence >= start))
        return {sequence: hash_ for sequence, hash_ in rows}
