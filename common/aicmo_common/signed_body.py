"""The product's one HMAC body signature, for webhooks both ways: the ones distribution sends
to providers, and the generic format the edge accepts.

``X-Aicmo-Signature: v1=<hex HMAC-SHA256 of "<X-Aicmo-Timestamp>.<body>">``, the timestamp in
unix seconds; a receiver accepts it only while the timestamp is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Aicmo-Timestamp"
SIGNATURE_HEADER = "X-Aicmo-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"v1={digest}"


def matches(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Whether one of the comma-separated signatures of ``header`` signs ``body`` (several
    allow a key rotation), compared in constant time."""
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


def verify_signature(secret: str, timestamp: str, body: bytes, header: str, *,
                     now: float | None = None, tolerance_seconds: float = 300) -> bool:
    """What a receiver does: a matching signature on a fresh timestamp."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > tolerance_seconds:
        return False
    return matches(secret, timestamp, body, header)
