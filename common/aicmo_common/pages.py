"""Pages of a List call, the same way in every service (AIP-158).

``page_size``: 0 means the default (50), more than the maximum (500) is cut to it, a negative
size is INVALID_ARGUMENT. A page token is opaque: where the previous page ended plus a digest
of the filters it was issued under, so a token reused with other filters is refused instead of
silently skipping or repeating rows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from aicmo_common.errors import FieldViolation, InvalidArgument

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class Collector(Protocol):
    """Collects field errors so that one answer names every bad field."""

    def add(self, field_path: str, description: str) -> None: ...


def page_size(value: int, field: str = "page_size", *, errors: Collector | None = None) -> int:
    """The page size to use for a requested ``value``. A negative one is INVALID_ARGUMENT
    naming ``field`` at once, or added to ``errors`` when given (the default is returned)."""
    if value < 0:
        if errors is None:
            raise InvalidArgument([FieldViolation(field, "must be zero or more")])
        errors.add(field, f"must be zero or more (got {value})")
        return DEFAULT_PAGE_SIZE
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.datetime) else str(value)


def _digest(filters: object) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(position: object, filters: object) -> str:
    """The token of the page after ``position`` (JSON-serialisable) under ``filters``."""
    payload = json.dumps({"p": position, "f": _digest(filters)}, separators=(",", ":"),
                         default=_plain)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(token: str, filters: object, *, field: str = "page_token") -> Any:
    """The position ``token`` stands for (None for an empty token). INVALID_ARGUMENT naming
    ``field`` for a token this code did not issue or one issued under other filters."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        position, digest = payload["p"], payload["f"]
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        raise bad_token(field) from None
    if digest != _digest(filters):
        raise InvalidArgument([FieldViolation(
            field, "was returned for different filters; ask again from the first page")])
    return position


def bad_token(field: str = "page_token") -> InvalidArgument:
    """The refusal of a token whose position is not of the shape its list writes."""
    return InvalidArgument([FieldViolation(field, "is not a token this list returned")])


def by_sequence(rows_after: Callable[[int, int], Sequence[tuple[int, T]]], token: str,
                size: int, filters: object) -> tuple[list[T], str]:
    """One page of a list ordered by a sequence number: ``rows_after(after, limit)`` gives
    (sequence, item) pairs; returns the items and the token of the next page ("" at the end)."""
    after = decode(token, filters)
    if after is not None and (not isinstance(after, int) or isinstance(after, bool)
                              or after < 0):
        raise bad_token()
    rows = rows_after(after or 0, size + 1)
    token = encode(rows[size - 1][0], filters) if len(rows) > size else ""
    return [item for _, item in rows[:size]], token


def moment_position(token: str, filters: object,
                    field: str = "page_token") -> tuple[dt.datetime, str] | None:
    """The (time, id) keyset a token names, for lists ordered by a timestamp and an id (the
    token of ``moment_token``); None on the first page."""
    position = decode(token, filters, field=field)
    if position is None:
        return None
    try:
        moment, last = position
        return dt.datetime.fromisoformat(moment), str(last)
    except (TypeError, ValueError):
        raise bad_token(field) from None


def moment_token(moment: dt.datetime, last: str, filters: object) -> str:
    """The token of the page after the row at (``moment``, ``last``)."""
    return encode([moment.isoformat(), last], filters)


def page_of(rows: Sequence[T], size: int, position_of: Callable[[T], object],
            filters: object) -> tuple[list[T], str]:
    """One page from ``rows`` read with ``size + 1``: at most ``size`` of them, and the token
    of the next page ("" on the last), made from ``position_of(last row)``."""
    if len(rows) <= size:
        return list(rows), ""
    page = list(rows[:size])
    return page, encode(position_of(page[-1]), filters)
