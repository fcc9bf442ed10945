"""Queries over the log: filtered pages, checkpoint pages, and the streaming export."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session

from aicmo_audit.adapters.repository import LogRepository
from aicmo_audit.domain.chain import canonical_json, format_time
from aicmo_audit.domain.model import Checkpoint, Entry, EntryFilter
from aicmo_common.db import Database
from aicmo_common.errors import FieldViolation, InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
EXPORT_CHUNK = 500


def page_size_of(requested: int) -> int:
    """The page size to use: the default for 0, at most MAX_PAGE_SIZE."""
    if requested < 0:
        raise InvalidArgument([FieldViolation("page_size", "must not be negative")])
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _fingerprint(query: str, where: EntryFilter | None) -> str:
    """Binds a token to its query, so a token is never applied to other filters."""
    values = {} if where is None else {
        key: format_time(value) if isinstance(value, dt.datetime) else value
        for key, value in dataclasses.asdict(where).items()}
    digest = hashlib.sha256(canonical_json({"q": query, "w": values}).encode()).hexdigest()
    return digest[:16]


def encode_page_token(query: str, where: EntryFilter | None, position: int) -> str:
    """An opaque token: where the next page starts, bound to the query that made it."""
    payload = json.dumps({"p": position, "f": _fingerprint(query, where)},
                         separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_page_token(token: str, query: str, where: EntryFilter | None) -> int | None:
    """The position a token names, None for no token; INVALID_ARGUMENT for a token that is
    malformed or was made for another query."""
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position = payload["p"]
        fingerprint = payload["f"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidArgument([FieldViolation("page_token", "is not a token this service "
                                                            "issued")]) from None
    if not isinstance(position, int) or position < 0 or \
            fingerprint != _fingerprint(query, where):
        raise InvalidArgument([FieldViolation(
            "page_token", "was issued for a different query; repeat the same filters")])
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
