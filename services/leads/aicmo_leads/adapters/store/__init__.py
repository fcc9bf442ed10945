"""The one store of the leads tables, inside the caller's session and transaction.

Plain SQLAlchemy Core: captures run inside savepoints that may be rolled back and retried,
and Core statements carry no ORM identity map that could go stale across a rollback. The
capture path's statements are prepared (``statements``); merges, erasure and the other use
cases build theirs per call, in the same transaction. Audit events go through
``aicmo_common.outbox.record``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from aicmo_common.outbox import AuditEvent, record
from aicmo_common.prepared import PreparedStatement
from aicmo_leads.adapters import tables as t
from aicmo_leads.adapters.store import statements
from aicmo_leads.adapters.store.rows import (
    IDENTIFIERS,
    LEADS,
    PROFILE_COLUMNS,
    REQUESTS,
    SUPPRESSIONS,
    TOUCHES,
    as_utc,
    consent_view,
    lead_record,
    suppression_record,
    touch_record,
)
from aicmo_leads.domain.lead import (
    ConsentRecordView,
    LeadRecord,
    SuppressionRecord,
    SuppressionScope,
    TouchRecord,
)

__all__ = ["PROFILE_COLUMNS", "LeadRepository", "as_utc", "consent_view", "lead_record",
           "suppression_record", "touch_record"]


@functools.cache
def _savepoint(verb: str, depth: int) -> PreparedStatement:
    return PreparedStatement(text(f"{verb} capture_{depth}"))


class LeadRepository:
    """The leads tables as seen from one session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._connection = session.connection()
        # Row locks exist only on PostgreSQL; SQLite's writer holds the whole database.
        self.locking = self._connection.dialect.name != "sqlite"
        self._depth = 0

    # --- plumbing ------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint around the block: rolled back (and only it) if the block raises."""
        self._depth += 1
        depth, connection = self._depth, self._connection
        _savepoint("SAVEPOINT", depth).run(connection, {})
        try:
            yield
        except BaseException:
            _savepoint("ROLLBACK TO SAVEPOINT", depth).run(connection, {})
            _savepoint("RELEASE SAVEPOINT", depth).run(connection, {})
            raise
        else:
            _savepoint("RELEASE SAVEPOINT", depth).run(connection, {})
        finally:
            self._depth -= 1

    def _one(self, statement: PreparedStatement, row_type: Any,
             params: Mapping[str, object]) -> Any | None:
        rows = statement.rows(self._connection, params)
        return row_type.make(rows[0]) if rows else None

    # --- capture requests ----------------------------------------------------------------

    def capture_request(self, request_id: str) -> Any | None:
        return self._one(statements.CAPTURE_REQUEST, REQUESTS, {"id": request_id})

    def insert_capture_request(self, values: Mapping[str, object]) -> None:
        statements.insert_row("capture_requests").run(self._connection, values)

    # --- identifiers ---------------------------------------------------------------------

    def leads_by_identifier(self, venture_id: str,
                            keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Maps each (kind, hmac) known in the venture to its lead id."""
        if not keys:
            return {}
        params: dict[str, object] = {"venture": venture_id}
        for index, (kind, hmac_value) in enumerate(keys):
            params[f"k{index}"] = kind
            params[f"h{index}"] = hmac_value
        rows = statements.leads_by_identifier(len(keys)).rows(self._connection, params)
        return {(kind, hmac_value): lead_id for kind, hmac_value, lead_id in rows}

    def lead_identifiers(self, lead_id: str) -> list[Any]:
        """One lead's identifier rows, oldest first."""
        make = IDENTIFIERS.make
        return [make(row) for row in
                statements.LEAD_IDENTIFIERS.rows(self._connection, {"id": lead_id})]

    def identifier_rows(self, lead_ids: Iterable[str]) -> dict[str, list[Any]]:
        """Several leads' identifier rows, oldest first, by lead id."""
        ids = list(lead_ids)
        if len(ids) == 1:
            return {ids[0]: self.lead_identifiers(ids[0])}
        found: dict[str, list[Any]] = {lead_id: [] for lead_id in ids}
        if not ids:
            return found
        rows = self.session.execute(
            select(t.lead_identifiers).where(t.lead_identifiers.c.lead_id.in_(ids))
            .order_by(t.lead_identifiers.c.created_at, t.lead_identifiers.c.kind,
                      t.lead_identifiers.c.hmac))
        for row in rows:
            found[row.lead_id].append(row)
        return found

    def add_identifiers(self, rows: Sequence[Mapping[str, object]]) -> None:
        statement = statements.insert_row("lead_identifiers")
        for row in rows:
            statement.run(self._connection, row)

    @staticmethod
    def identifier_row(values: Mapping[str, object]) -> Any:
        return IDENTIFIERS.from_values(values)

    def move_identifiers(self, from_lead: str, to_lead: str) -> None:
        self.session.execute(update(t.lead_identifiers)
                             .where(t.lead_identifiers.c.lead_id == from_lead)
                             .values(lead_id=to_lead))

    def delete_identifiers(self, lead_id: str) -> None:
        self.session.execute(delete(t.lead_identifiers)
                             .where(t.lead_identifiers.c.lead_id == lead_id))

    def leads_with_hmac(self, hmac_value: str, venture_id: str | None) -> list[str]:
        """Leads carrying an identifier hash, in one venture or (None) in every venture."""
        query = select(t.lead_identifiers.c.lead_id).where(
            t.lead_identifiers.c.hmac == hmac_value)
        if venture_id is not None:
            query = query.where(t.lead_identifiers.c.venture_id == venture_id)
        return sorted(set(self.session.scalars(query)))

    # --- leads ---------------------------------------------------------------------------

    def lead_row(self, lead_id: str, *, lock: bool = False) -> Any | None:
        """The lead's row; ``lock``: locked (on PostgreSQL) until the transaction ends."""
        statement = statements.LEAD_FOR_UPDATE if lock else statements.LEAD
        return self._one(statement, LEADS, {"id": lead_id})

    def lock_leads(self, lead_ids: Iterable[str]) -> dict[str, Any]:
        """Reads and (on PostgreSQL) locks leads in id order, so two captures that lock the
        same leads cannot deadlock on each other."""
        ids = sorted(set(lead_ids))
        rows = statements.lock_leads(len(ids)).rows(self._connection,
                                                    statements.params("l", ids))
        return {row.id: row for row in map(LEADS.make, rows)}

    def insert_lead(self, values: Mapping[str, object]) -> None:
        statements.insert_row("leads").run(self._connection, values)

    def update_lead(self, lead_id: str, values: Mapping[str, object]) -> None:
        params = {f"v_{name}": value for name, value in values.items()}
        params["id"] = lead_id
        statements.update_lead(tuple(values)).run(self._connection, params)

    @staticmethod
    def lead_row_from_values(values: Mapping[str, object]) -> Any:
        return LEADS.from_values(values)

    def repoint_merged(self, from_lead: str, to_lead: str) -> None:
        """Leads merged into ``from_lead`` earlier now point straight at ``to_lead``."""
        self.session.execute(update(t.leads).where(t.leads.c.merged_into == from_lead)
                             .values(merged_into=to_lead))

    def insert_merge(self, values: dict[str, object]) -> None:
        self.session.execute(insert(t.lead_merges).values(**values))

    # --- touches -------------------------------------------------------------------------

    def insert_touch(self, values: Mapping[str, object]) -> int:
        rows = statements.insert_returning_id("touches").rows(self._connection, values)
        return int(rows[0][0])

    def touch_row(self, touch_id: int) -> Any | None:
        return self._one(statements.TOUCH, TOUCHES, {"id": touch_id})

    @staticmethod
    def touch_row_from_values(values: Mapping[str, object]) -> Any:
        return TOUCHES.from_values(values)

    def move_touches(self, from_lead: str, to_lead: str) -> None:
        self.session.execute(update(t.touches).where(t.touches.c.lead_id == from_lead)
                             .values(lead_id=to_lead))

    def scrub_touches(self, lead_id: str) -> None:
        self.session.execute(update(t.touches).where(t.touches.c.lead_id == lead_id).values(
            source_reference="", utm_campaign="", utm_content="", utm_source="",
            utm_medium="", utm_term=""))

    def touches_by_id(self, ids: Iterable[int | None]) -> dict[int, TouchRecord]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        rows = self.session.execute(select(t.touches).where(t.touches.c.id.in_(wanted)))
        return {row.id: touch_record(row) for row in rows}

    def touch_page(self, lead_id: str, after_id: int, limit: int) -> list[TouchRecord]:
        rows = self.session.execute(
            select(t.touches).where(t.touches.c.lead_id == lead_id, t.touches.c.id > after_id)
            .order_by(t.touches.c.id).limit(limit))
        return [touch_record(row) for row in rows]

    # --- consent ledger ------------------------------------------------------------------

    def insert_consent_record(self, values: Mapping[str, object]) -> int:
        rows = statements.insert_returning_id("consent_records").rows(self._connection,
                                                                      values)
        return int(rows[0][0])

    def consent_record(self, record_id: int) -> ConsentRecordView:
        row = self.session.execute(select(t.consent_records)
                                   .where(t.consent_records.c.id == record_id)).one()
        return consent_view(row)

    def consent_page(self, lead_id: str, after_id: int, limit: int) -> list[ConsentRecordView]:
        rows = self.session.execute(
            select(t.consent_records)
            .where(t.consent_records.c.lead_id == lead_id, t.consent_records.c.id > after_id)
            .order_by(t.consent_records.c.id).limit(limit))
        return [consent_view(row) for row in rows]

    def scrub_consent_records(self, lead_id: str) -> None:
        self.session.execute(update(t.consent_records)
                             .where(t.consent_records.c.lead_id == lead_id)
                             .values(evidence=None, reason=""))

    # --- suppression ---------------------------------------------------------------------

    def active_suppressions(self, venture_id: str,
                            hmacs: Iterable[str]) -> list[SuppressionRecord]:
        """Opt-out entries not lifted that apply in the venture (its own, or global) to any
        hash (not the delivery-only entries of bounced addresses)."""
        wanted = sorted(set(hmacs))
        if not wanted:
            return []
        params = statements.params("s", wanted)
        params["venture"] = venture_id
        rows = statements.active_suppressions(len(wanted)).rows(self._connection, params)
        return [suppression_record(SUPPRESSIONS.make(row)) for row in rows]

    def find_suppression(self, kind: str, hmac_value: str, scope: SuppressionScope,
                         venture_id: str, *,
                         delivery_only: bool = False) -> SuppressionRecord | None:
        """The entry not lifted for an identifier: an opt-out, or (``delivery_only``) the
        entry of an address that cannot receive."""
        row = self.session.execute(
            select(t.suppression_entries).where(
                t.suppression_entries.c.kind == kind,
                t.suppression_entries.c.hmac == hmac_value,
                t.suppression_entries.c.scope == scope.value,
                t.suppression_entries.c.venture_id == venture_id,
                t.suppression_entries.c.delivery_only.is_(delivery_only),
                t.suppression_entries.c.lifted_at.is_(None))).first()
        return suppression_record(row) if row else None

    def insert_suppression(self, values: dict[str, object]) -> None:
        self.session.execute(insert(t.suppression_entries).values(**values))

    def lift_suppressions(self, entry_ids: Iterable[str], *, at: dt.datetime,
                          by: str) -> None:
        ids = list(entry_ids)
        if ids:
            self.session.execute(update(t.suppression_entries)
                                 .where(t.suppression_entries.c.id.in_(ids))
                                 .values(lifted_at=at, lifted_by=by))

    # --- audit ---------------------------------------------------------------------------

    def audit(self, service: str, *events: AuditEvent) -> None:
        record(self.session, t.audit_outbox, service, *events)

    # --- read models ---------------------------------------------------------------------

    def lead_records(self, rows: Sequence[Any]) -> list[LeadRecord]:
        """Builds full records for lead rows with two more queries, whatever their number."""
        identifiers = self.identifier_rows(row.id for row in rows)
        touch_ids = [row.first_touch_id for row in rows] + [row.last_touch_id for row in rows]
        touches = self.touches_by_id(touch_ids)
        return [lead_record(row, identifiers.get(row.id, []), touches) for row in rows]

    def lead_record(self, lead_id: str) -> LeadRecord | None:
        row = self.lead_row(lead_id)
        return self.lead_records([row])[0] if row is not None else None
