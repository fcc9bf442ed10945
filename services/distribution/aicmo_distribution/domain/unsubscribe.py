"""One-click unsubscribe tokens, byte for byte the format the HTTP edge verifies.

The edge (``aicmo_gateway.unsubscribe``) verifies ``<edge>/u/<token>``; a service must not
import the gateway, so the signer lives here in the same format: base64url (unpadded) of the
compact, key-sorted JSON ``{"c": campaign, "l": lead, "v": 1}``, a dot, and base64url of
HMAC-SHA256 over that text under a key derived from AICMO_TOKEN_SECRET with a purpose label
(so an unsubscribe token can never pass as a bearer token). Tests check both agree.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

VERSION = 1
_PURPOSE = b"aicmo unsubscribe token v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class UnsubscribeSigner:
    """Signs unsubscribe tokens and builds the links that carry them."""

    def __init__(self, secret: str, base_url: str) -> None:
        if len(secret) < 32:
            raise ValueError("the secret must be at least 32 characters")
        self._key = hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()
        self._base_url = base_url.rstrip("/")

    def token(self, lead_id: str, campaign_id: str) -> str:
        if not lead_id:
            raise ValueError("lead_id is required")
        payload = _b64(json.dumps({"v": VERSION, "l": lead_id, "c": campaign_id or ""},
                                  separators=(",", ":"), sort_keys=True).encode("utf-8"))
        signature = _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())
        return f"{payload}.{signature}"

    def url(self, lead_id: str, campaign_id: str) -> str:
        return f"{self._base_url}/u/{self.token(lead_id, campaign_id)}"
