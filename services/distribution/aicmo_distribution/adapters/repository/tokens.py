"""Page tokens: opaque to callers, a small JSON object to us."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping


def encode_token(values: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()
                                    ).decode().rstrip("=")


def decode_token(token: str) -> dict | None:
    """The token's values, or None when it is not one of ours."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    return decoded if isinstance(decoded, dict) else None
