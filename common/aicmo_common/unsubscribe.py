"""One-click unsubscribe tokens: an HMAC-signed statement "lead L, reached through campaign C,
issued at time T".

Written once for both sides: the distribution service puts ``<edge>/u/<token>`` in every
message (List-Unsubscribe header and body link); the edge verifies the token, applies the
venture's link policy (:func:`refusal`) and marks the lead DNC. The signing key is derived from
the shared ``AICMO_TOKEN_SECRET`` with a purpose label, so an unsubscribe token can never be
mistaken for (or turned into) a bearer token.

Lifetime. A token carries the time it was issued (version 2). A venture may let its links
expire (``ttl_days``) or revoke every link issued before a time; the page a person opens (GET)
obeys that. The one-click POST of RFC 8058, which a mailbox provider makes for the
List-Unsubscribe header, keeps working for :data:`ONE_CLICK_GRACE_SECONDS` (60 days) after
issue whatever the policy says, because providers may keep offering their button that long and
an opt-out must never silently fail there.

Version 1 tokens (issued before tokens carried their time) still verify; their issue time is
unknown (``issued_at`` is None). For the policy they count as issued at time 0, so any lifetime
or revocation refuses their page; their one-click POST is always accepted, since nothing proves
the message is older than the grace period.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

VERSION = 2
LEGACY_VERSION = 1
ONE_CLICK_GRACE_SECONDS = 60 * 86_400
_PURPOSE = b"aicmo unsubscribe token v1"
_MAX_TOKEN_LENGTH = 1024


class InvalidUnsubscribeToken(ValueError):
    """The token is malformed, or its signature does not match (it was tampered with)."""


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom a valid token unsubscribes, through which campaign they were reached, and when
    the token was issued (Unix time in milliseconds; None for a version 1 token)."""

    lead_id: str
    campaign_id: str
    issued_at_ms: int | None = None


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(lead_id: str, campaign_id: str, secret: str, *, issued_at: float | None = None) -> str:
    """A URL-safe token naming ``lead_id`` and ``campaign_id`` (campaign may be empty), issued
    at ``issued_at`` (Unix seconds; default now)."""
    if not lead_id:
        raise ValueError("lead_id is required")
    if len(secret) < 32:
        raise ValueError("the secret must be at least 32 characters")
    issued_ms = int((time.time() if issued_at is None else issued_at) * 1000)
    payload = _b64(json.dumps({"v": VERSION, "l": lead_id, "c": campaign_id or "",
                               "t": issued_ms},
                              separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signature = _b64(hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}"


class UnsubscribeSigner:
    """Builds the unsubscribe links a service puts in its messages (``<edge>/u/<token>``)."""

    def __init__(self, secret: str, base_url: str,
                 clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 32:
            raise ValueError("the secret must be at least 32 characters")
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def token(self, lead_id: str, campaign_id: str) -> str:
        return sign(lead_id, campaign_id, self._secret, issued_at=self._clock())

    def url(self, lead_id: str, campaign_id: str) -> str:
        return f"{self._base_url}/u/{self.token(lead_id, campaign_id)}"


def verify(token: str, secret: str) -> UnsubscribeTarget:
    """The target of a genuine token; :class:`InvalidUnsubscribeToken` for anything else."""
    if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidUnsubscribeToken("malformed unsubscribe token")
    payload, signature = token.split(".")
    expected = _b64(hmac.new(_key(secret), payload.encode("ascii", "replace"),
                             hashlib.sha256).digest())
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
        raise InvalidUnsubscribeToken("the unsubscribe token's signature does not match")
    try:
        claims = json.loads(_unb64(payload))
        lead_id, campaign_id = claims["l"], claims["c"]
        version = claims["v"]
        issued_ms = claims["t"] if version == VERSION else None
    except (ValueError, KeyError, TypeError):
        raise InvalidUnsubscribeToken("malformed unsubscribe token") from None
    if version not in (VERSION, LEGACY_VERSION) or not isinstance(lead_id, str) \
            or not lead_id or not isinstance(campaign_id, str):
        raise InvalidUnsubscribeToken("malformed unsubscribe token")
    if version == VERSION and (type(issued_ms) is not int or issued_ms < 0):
        raise InvalidUnsubscribeToken("malformed unsubscribe token")
    return UnsubscribeTarget(lead_id, campaign_id, issued_ms)


EXPIRED = "expired"
REVOKED = "revoked"


def in_one_click_grace(target: UnsubscribeTarget, now: float) -> bool:
    """Whether a one-click POST for ``target`` is accepted whatever the venture's policy."""
    if target.issued_at_ms is None:
        return True
    return now - target.issued_at_ms / 1000 < ONE_CLICK_GRACE_SECONDS


def refusal(target: UnsubscribeTarget, *, ttl_days: int, revoked_before: float | None,
            now: float, one_click: bool) -> str | None:
    """Why the venture's link policy refuses ``target`` now (:data:`EXPIRED` or
    :data:`REVOKED`), or None when it is accepted.

    ``ttl_days`` 0 means links never expire; ``revoked_before`` (Unix seconds) refuses every
    link issued before it. ``one_click`` is the RFC 8058 POST, accepted for
    :data:`ONE_CLICK_GRACE_SECONDS` after issue (always, for a version 1 token) whatever the
    policy says.
    """
    if one_click and in_one_click_grace(target, now):
        return None
    issued = 0.0 if target.issued_at_ms is None else target.issued_at_ms / 1000
    if revoked_before is not None and issued < revoked_before:
        return REVOKED
    if ttl_days and now - issued >= ttl_days * 86_400:
        return EXPIRED
    return None
