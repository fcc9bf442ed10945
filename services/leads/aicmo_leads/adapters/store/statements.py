"""The hot statements of the leads tables (the capture path and the contactability read):
Core statements built once per shape and compiled once per dialect
(``aicmo_common.prepared``), run on the session's own connection with SQLAlchemy's own type
conversions.

A capture is a dozen small statements; built, cache-keyed and executed through SQLAlchemy's
execution path each would cost several times what SQLite needs to run it."""

from __future__ import annotations

import functools

from sqlalchemy import Select, and_, bindparam, insert, literal_column, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from aicmo_common.prepared import PreparedStatement, insert_values
from aicmo_leads.adapters import tables as t
from aicmo_leads.domain.lead import SuppressionScope

_ids = t.lead_identifiers.c
_leads = t.leads.c
_suppressions = t.suppression_entries.c
# One statement per shape: a capture names a few identifiers and leads, a batch of checks up
# to a few hundred leads.
_SHAPES = 1024


def _marks(name: str, count: int) -> list[ColumnElement]:
    return [bindparam(f"{name}{index}") for index in range(count)]


def params(name: str, values: tuple | list) -> dict[str, object]:
    """The parameters of ``_marks(name, len(values))``."""
    return {f"{name}{index}": value for index, value in enumerate(values)}


@functools.cache
def insert_row(table_name: str) -> PreparedStatement:
    """An insert of every column of the table (its serial key excepted)."""
    table = t.metadata.tables[table_name]
    return PreparedStatement(insert(table).values(insert_values(table)))


@functools.cache
def insert_returning_id(table_name: str) -> PreparedStatement:
    """An insert of every column but the serial key, which it returns."""
    table = t.metadata.tables[table_name]
    return PreparedStatement(insert(table).values(insert_values(table))
                             .returning(table.c.id))


CAPTURE_REQUEST = PreparedStatement(
    select(t.capture_requests).where(t.capture_requests.c.request_id == bindparam("id")))
LEAD = PreparedStatement(select(t.leads).where(_leads.id == bindparam("id")))
LEAD_FOR_UPDATE = PreparedStatement(
    select(t.leads).where(_leads.id == bindparam("id")).with_for_update())
TOUCH = PreparedStatement(select(t.touches).where(t.touches.c.id == bindparam("id")))
LEAD_IDENTIFIERS = PreparedStatement(
    select(t.lead_identifiers).where(_ids.lead_id == bindparam("id"))
    .order_by(_ids.created_at, _ids.kind, _ids.hmac))


def identifier_lookup(count: int) -> Select:
    """Parameters ``venture``, ``k0``, ``h0``, ...: one OR term per key, so SQLite searches
    the primary key for each, where a row-value IN list searches only by venture and scans
    every identifier of the venture."""
    return select(_ids.kind, _ids.hmac, _ids.lead_id).where(
        _ids.venture_id == bindparam("venture"),
        or_(*(and_(_ids.kind == bindparam(f"k{index}"), _ids.hmac == bindparam(f"h{index}"))
              for index in range(count))))


@functools.lru_cache(maxsize=_SHAPES)
def leads_by_identifier(count: int) -> PreparedStatement:
    """``identifier_lookup``, prepared."""
    return PreparedStatement(identifier_lookup(count))


@functools.lru_cache(maxsize=_SHAPES)
def lock_leads(count: int) -> PreparedStatement:
    """Parameters ``l0``, ...: the leads in id order, locked on PostgreSQL (SQLite's writer
    holds the whole database)."""
    return PreparedStatement(
        select(t.leads).where(_leads.id.in_(_marks("l", count))).order_by(_leads.id)
        .with_for_update())


@functools.lru_cache(maxsize=_SHAPES)
def update_lead(names: tuple[str, ...]) -> PreparedStatement:
    """Parameters ``id`` and ``v_<column>`` for each of ``names``."""
    return PreparedStatement(update(t.leads).where(_leads.id == bindparam("id"))
                             .values({name: bindparam(f"v_{name}") for name in names}))


@functools.lru_cache(maxsize=_SHAPES)
def active_suppressions(count: int) -> PreparedStatement:
    """Parameters ``s0``, ... and ``venture``: the opt-outs not lifted that apply in the
    venture (its own, or global); a bounced address's delivery-only entry is not one."""
    return PreparedStatement(
        select(t.suppression_entries)
        .where(_suppressions.hmac.in_(_marks("s", count)),
               _suppressions.lifted_at.is_(None), _suppressions.delivery_only.is_(False),
               or_(_suppressions.scope == bindparam("global_", SuppressionScope.GLOBAL.value),
                   and_(_suppressions.scope == bindparam("venture_",
                                                         SuppressionScope.VENTURE.value),
                        _suppressions.venture_id == bindparam("venture"))))
        .order_by(_suppressions.created_at, _suppressions.id))


@functools.lru_cache(maxsize=_SHAPES)
def contactability(count: int) -> PreparedStatement:
    """Parameters ``l0``, ...: per lead its columns, its first touch's, its last touch's,
    then per identifier its kind, its value, whether an opt-out entry suppresses it and
    whether a delivery-only entry (a bounced address) does; ordered by lead id, then as
    the lead's identifiers are ordered. A lead without identifiers has one row with NULL
    identifier columns."""
    lead, first, last = t.leads.alias("l"), t.touches.alias("ft"), t.touches.alias("lt")
    identifier, entry = t.lead_identifiers.alias("i"), t.suppression_entries.alias("s")
    # Scope values are constants of the schema, written into the text so the statement
    # takes only lead ids.
    applies = and_(
        entry.c.hmac == identifier.c.hmac, entry.c.lifted_at.is_(None),
        or_(entry.c.scope == literal_column(f"'{SuppressionScope.GLOBAL.value}'"),
            and_(entry.c.scope == literal_column(f"'{SuppressionScope.VENTURE.value}'"),
                 entry.c.venture_id == lead.c.venture_id)))
    opted_out = select(literal_column("1")).where(applies, entry.c.delivery_only.is_(False))
    bounced = select(literal_column("1")).where(applies, entry.c.delivery_only.is_(True))
    wanted = (lead.c.id == bindparam("l0") if count == 1
              else lead.c.id.in_(_marks("l", count)))
    return PreparedStatement(
        select(*lead.c, *first.c, *last.c, identifier.c.kind, identifier.c.value,
               opted_out.exists(), bounced.exists())
        .select_from(lead.outerjoin(first, first.c.id == lead.c.first_touch_id)
                     .outerjoin(last, last.c.id == lead.c.last_touch_id)
                     .outerjoin(identifier, identifier.c.lead_id == lead.c.id))
        .where(wanted)
        .order_by(lead.c.id, identifier.c.created_at, identifier.c.kind, identifier.c.hmac))
