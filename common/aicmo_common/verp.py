"""Signed per-send return paths (VERP): ``bounce+<send_id>.<sig>@<domain>``.

Written once for both sides: distribution puts the bounce address in MAIL FROM (and the reply
and unsubscribe addresses in Reply-To and a ``mailto:`` List-Unsubscribe); the edge's inbound
SMTP receiver accepts mail only for addresses that verify, so a bounce or a reply names its send
even when the mail that comes back has lost every other trace of it.

The signature is HMAC-SHA256 over the prefix and the send id, truncated to 13 base32 characters
(65 bits): a guessed address fails, and an address seen in one role (a bounce address in
someone's headers) cannot be turned into another (an unsubscribe). Some MTAs lower-case the
local part, so the signature is lower-case base32 computed over the lower-cased send id, and an
address verifies in any case. The key is derived from the secret with a purpose label, so the
same ``AICMO_TOKEN_SECRET`` may serve here without any token of one kind passing for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import NamedTuple

BOUNCE = "bounce"
REPLY = "reply"
UNSUBSCRIBE = "unsubscribe"
PREFIXES = (BOUNCE, REPLY, UNSUBSCRIBE)
SIGNATURE_LENGTH = 13
MAX_LOCAL_PART = 64  # RFC 5321 section 4.5.3.1.1
_PURPOSE = b"aicmo return path v1"
_SEND_ID = re.compile(r"[a-z0-9_-]{1,64}")
_LOCAL = re.compile(r"([a-z]+)\+([a-z0-9_-]{1,64})\.([a-z2-7]{" + str(SIGNATURE_LENGTH) + "})")


class InvalidReturnPath(ValueError):
    """The address is not one of ours: malformed, another domain, or an unknown prefix.
    ``reason`` is a stable word for metrics and logs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ForgedReturnPath(InvalidReturnPath):
    """The address has our shape but its signature does not match: forged or tampered with."""

    def __init__(self) -> None:
        super().__init__("forged_return_path", "the return path's signature does not match")


class ReturnPath(NamedTuple):
    """What a verified address says: its role (``bounce``, ``reply``, ``unsubscribe``) and the
    send it belongs to (lower case)."""

    prefix: str
    send_id: str


def _key(secret: str) -> bytes:
    if not secret:
        raise ValueError("the return path secret must not be empty")
    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _signature(key: bytes, prefix: str, send_id: str) -> str:
    mac = hmac.new(key, f"{prefix}:{send_id}".encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:SIGNATURE_LENGTH].lower()


def address(send_id: str, *, secret: str, domain: str, prefix: str = BOUNCE) -> str:
    """The signed address of ``prefix`` for ``send_id`` at ``domain``."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown return path prefix {prefix!r}")
    normalised = send_id.lower()
    if not _SEND_ID.fullmatch(normalised):
        raise ValueError("a send id in a return path is 1 to 64 of a-z, 0-9, '-' and '_'")
    domain = domain.strip().lower()
    if not domain or "@" in domain or any(c.isspace() for c in domain):
        raise ValueError("the return path domain must be a plain domain name")
    local = f"{prefix}+{normalised}.{_signature(_key(secret), prefix, normalised)}"
    if len(local) > MAX_LOCAL_PART:
        raise ValueError(f"the send id is too long for a return path ({len(local)} > "
                         f"{MAX_LOCAL_PART} characters in the local part)")
    return f"{local}@{domain}"


def return_path(send_id: str, *, secret: str, domain: str, prefix: str = BOUNCE) -> str:
    """The bounce address (MAIL FROM) of a send: ``bounce+<send_id>.<sig>@domain``."""
    return address(send_id, secret=secret, domain=domain, prefix=prefix)


def reply_address(send_id: str, *, secret: str, domain: str, prefix: str = REPLY) -> str:
    """The reply address (Reply-To) of a send: ``reply+<send_id>.<sig>@domain``."""
    return address(send_id, secret=secret, domain=domain, prefix=prefix)


def unsubscribe_address(send_id: str, *, secret: str, domain: str) -> str:
    """The ``mailto:`` List-Unsubscribe address of a send: ``unsubscribe+<send_id>.<sig>@...``."""
    return address(send_id, secret=secret, domain=domain, prefix=UNSUBSCRIBE)


def split_address(value: str) -> tuple[str, str]:
    """``(local, domain)`` of an address, angle brackets and surrounding space removed, both
    lower-cased; raises :class:`InvalidReturnPath` when it has no single ``@``."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "@" in local:
        raise InvalidReturnPath("malformed_address", "not an email address")
    return local.lower(), domain.lower()


def parse(value: str, *, secret: str, domain: str | None = None) -> ReturnPath:
    """The role and send id of a signed address. Raises :class:`ForgedReturnPath` when the
    signature does not match, :class:`InvalidReturnPath` when the address is not of our shape
    (or, with ``domain``, not at that domain)."""
    local, address_domain = split_address(value)
    if domain is not None and address_domain != domain.strip().lower():
        raise InvalidReturnPath("wrong_domain", "the address is not at the inbound domain")
    match = _LOCAL.fullmatch(local)
    if match is None:
        raise InvalidReturnPath("not_a_return_path", "the address is not a return path")
    prefix, send_id, signature = match.groups()
    if prefix not in PREFIXES:
        raise InvalidReturnPath("unknown_prefix", "the return path's prefix is unknown")
    expected = _signature(_key(secret), prefix, send_id)
    if not hmac.compare_digest(expected, signature):
        raise ForgedReturnPath()
    return ReturnPath(prefix, send_id)
