"""One-click unsubscribe tokens: an HMAC-signed statement "lead L, reached through campaign C".

Written once for both sides: the distribution service puts ``<edge>/u/<token>`` in every
message (List-Unsubscribe header and body link); the edge verifies the token and marks the lead
DNC. Tokens do not expire: an unsubscribe link must keep working for as long as the message may
be read. The signing key is derived from the shared ``AICMO_TOKEN_SECRET`` with a purpose label,
so an unsubscribe token can never be mistaken for (or turned into) a bearer token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

VERSION = 1
_PURPOSE = b"aicmo unsubscribe token v1"
_MAX_TOKEN_LENGTH = 1024


class InvalidUnsubscribeToken(ValueError):
    """The token is malformed, or its signature does not match (it was tampered with)."""


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom a valid token unsubscribes, and through which campaign they were reached."""

    lead_id: str
    campaign_id: str


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(lead_id: str, campaign_id: str, secret: str) -> str:
    """A URL-safe token naming ``lead_id`` and ``campaign_id`` (campaign may be empty)."""
    if not lead_id:
        raise ValueError("lead_id is required")
    if len(secret) < 32:
        raise ValueError("the secret must be at least 32 characters")
    payload = _b64(json.dumps({"v": VERSION, "l": lead_id, "c": campaign_id or ""},
                              separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signature = _b64(hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}"


class UnsubscribeSigner:
    """Builds the unsubscribe links a service puts in its messages (``<edge>/u/<token>``)."""

    def __init__(self, secret: str, base_url: str) -> None:
        if len(secret) < 32:
            raise ValueError("the secret must be at least 32 characters")
        self._secret = secret
        self._base_url = base_url.rstrip("/")

    def token(self, lead_id: str, campaign_id: str) -> str:
        return sign(lead_id, campaign_id, self._secret)

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
    except (ValueError, KeyError, TypeError):
        raise InvalidUnsubscribeToken("malformed unsubscribe token") from None
    if version != VERSION or not isinstance(lead_id, str) or not lead_id \
            or not isinstance(campaign_id, str):
        raise InvalidUnsubscribeToken("malformed unsubscribe token")
    return UnsubscribeTarget(lead_id, campaign_id)
