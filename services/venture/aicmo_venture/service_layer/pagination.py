"""Opaque page tokens: where the previous page ended, bound to the filters that made it."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from aicmo_venture.domain.errors import InvalidFields, Violation

T = TypeVar("T")
BAD_TOKEN = "is not a token this list returned"


def _filters_digest(filters: object) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]


def encode(position: object, filters: object) -> str:
    payload = json.dumps({"p": position, "f": _filters_digest(filters)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(token: str, filters: object) -> object | None:
    """The position a token stands for (None for an empty token)."""
    if not token:
        return None
    position: object
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position, digest = payload["p"], payload["f"]
    except (ValueError, KeyError, TypeError):
        raise InvalidFields([Violation("page_token", BAD_TOKEN)]) from None
    if digest != _filters_digest(filters):
        raise InvalidFields([Violation("page_token",
                                       "was returned for different filters; ask again from "
                                       "the first page")])
    return position


def by_sequence(rows_after: Callable[[int, int], Sequence[tuple[int, T]]], token: str,
                size: int, filters: object) -> tuple[list[T], str]:
    """One page of a list ordered by a sequence number: ``rows_after(after, limit)`` gives
    (sequence, item) pairs; returns the items and the token of the next page ("" at the end)."""
    after = decode(token, filters)
    if after is not None and not isinstance(after, int):
        raise InvalidFields([Violation("page_token", BAD_TOKEN)])
    rows = rows_after(after or 0, size + 1)
    token = encode(rows[size - 1][0], filters) if len(rows) > size else ""
    return [item for _, item in rows[:size]], token
