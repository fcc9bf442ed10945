"""Queries over the log: filtered pages, checkpoint pages, and the streaming export."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session

from aicmo_audit.adapters.repository import LogRepository
from aicmo_audit.domain.model import Checkpoint, Entry, EntryFilter
from aicmo_common import pages
from aicmo_common.db import Database

EXPORT_CHUNK = 500


def _filters(query: str, where: EntryFilter | None) -> dict[str, object]:
    """What a token is bound to: its query and filters, so it is never applied to others."""
    return {"q": query, "w": {} if where is None else dataclasses.asdict(where)}


def encode_page_token(query: str, where: EntryFilter | None, position: int) -> str:
    """An opaque token: where the next page starts, bound to the query that made it."""
    return pages.encode(position, _filters(query, where))


def decode_page_token(token: str, query: str, where: EntryFilter | None) -> int | None:
    """The position a token names, None for no token; INVALID_ARGUMENT for a token that is
    malformed or was made for another query."""
    position = pages.decode(token, _filters(query, where))
    if position is not None and (not isinstance(position, int) or isinstance(position, bool)
                                 or position < 0):
        raise pages.bad_token()
    return position


def list_entries(session: Session, where: EntryFilter, *, page_size: int, page_token: str,
                 query: str = "entries") -> tuple[list[Entry], str]:
    """One page of entries matching ``where`` in sequence order, and the next page's token."""
    after = decode_page_token(page_token, query, where) or 0
    entries = LogRepository(session).find(where, after=after, limit=page_size + 1)
    if len(entries) <= page_size:
        return entries, ""
    entries = entries[:page_size]
    return entries, encode_page_token(query, where, entries[-1].sequence)


def list_checkpoints(session: Session, *, page_size: int,
                     page_token: str) -> tuple[list[Checkpoint], str]:
    """One page of checkpoints, newest first, and the next page's token."""
    before = decode_page_token(page_token, "checkpoints", None)
    found = LogRepository(session).checkpoints(before=before, limit=page_size + 1)
    if len(found) <= page_size:
        return found, ""
    found = found[:page_size]
    return found, encode_page_token("checkpoints", None, found[-1].sequence)


async def export_entries(database: Database, where: EntryFilter, *,
                         chunk_size: int = EXPORT_CHUNK) -> AsyncIterator[list[Entry]]:
    """Yields the matching entries in chunks, each read in its own short transaction, so the
    range is never held in memory. Without an end, the export stops at the head it started at.
    """
    if where.end_sequence is None:
        head = await database.run_read(lambda session: LogRepository(session).head_sequence())
        where = dataclasses.replace(where, end_sequence=head)
    after = 0
    while True:
        chunk = await database.run_read(
            lambda session, after=after: LogRepository(session).find(
                where, after=after, limit=chunk_size))
        if not chunk:
            return
        yield chunk
        if len(chunk) < chunk_size:
            return
        after = chunk[-1].sequence
