"""Opaque page tokens: where the previous page ended, bound to the filters that made it."""

from __future__ import annotations

import base64
import hashlib
import json

from aicmo_venture.domain.errors import InvalidFields, Violation


def _filters_digest(filters: object) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]


def encode(position: object, filters: object) -> str:
    payload = json.dumps({"p": position, "f": _filters_digest(filters)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(token: str, filters: object) -> object | None:
    """The position a token stands for (None for an empty token)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position, digest = payload["p"], payload["f"]
    except (ValueError, KeyError, TypeError):
        raise InvalidFields([Violation("page_token", "is not a token this list returned")]) \
            from None
    if digest != _filters_digest(filters):
        raise InvalidFields([Violation("page_token",
                                       "was returned for different filters; ask again from "
                                       "the first page")])
    return position
