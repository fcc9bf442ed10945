"""Opaque page tokens: a keyset position plus a digest of the filters it was made under, so a
token reused with other filters is refused instead of silently skipping rows."""

from __future__ import annotations

import base64
import hashlib
import json

from aicmo_common.errors import FieldViolation, InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_size(value: int) -> int:
    if value < 0:
        raise InvalidArgument([FieldViolation("page_size", "must be zero or more")])
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _digest(filters: object) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]


def encode(position: list, filters: object) -> str:
    payload = json.dumps({"p": position, "f": _digest(filters)}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(token: str, filters: object) -> list | None:
    """The position in ``token`` (None for the first page)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        position, digest = data["p"], data["f"]
        if not isinstance(position, list):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise InvalidArgument([FieldViolation("page_token", "is not a token this service "
                                                            "issued")]) from None
    if digest != _digest(filters):
        raise InvalidArgument([FieldViolation("page_token", "was issued for other filters")])
    return position
