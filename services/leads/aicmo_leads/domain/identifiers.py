"""Identifiers of a person and their normal forms, keyed hashes and the identity hash.

Identity resolution matches on the normal form, so every accepted spelling of one address
must normalise to the same string: emails are lower-cased whole (the same person types
``John.Doe@X.com`` and ``john.doe@x.com``), phones become E.164, LinkedIn URLs become
``https://www.linkedin.com/in/<slug>``.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import email_validator
import phonenumbers

EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 32
LINKEDIN_MAX_LENGTH = 512
# LinkedIn's own rule for custom profile URLs is 3-100 characters.
LINKEDIN_SLUG_MIN, LINKEDIN_SLUG_MAX = 3, 100
IDENTITY_KEY_MIN_LENGTH = 32


class IdentifierKind(enum.StrEnum):
    """The kinds of identifier identity resolution matches on, in match-priority order."""

    EMAIL = "email"
    PHONE = "phone"
    LINKEDIN = "linkedin"


class IdentifierError(ValueError):
    """An identifier that cannot be normalised; the message says why, without echoing it."""


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier."""

    kind: IdentifierKind
    value: str


# Unicode's Cc category is exactly U+0000-U+001F and U+007F-U+009F, Cs is U+D800-U+DFFF; one
# regex search is far cheaper than a category lookup per character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_NEWLINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str, *, allow_newlines: bool = False) -> bool:
    """True when ``text`` holds a control character (or an unpaired surrogate); with
    ``allow_newlines``, tab, line feed and carriage return are allowed."""
    pattern = _CONTROL_BUT_NEWLINES if allow_newlines else _CONTROL
    return pattern.search(text) is not None


class NormalisationMemory:
    """A bounded memory of a pure normalisation, refusals included: a person captured again
    (the common case for identity resolution) is not parsed again. Only this process holds
    it, and erasure empties it (see ``forget_normalisations``)."""

    def __init__(self, normalise: Callable[..., str], size: int) -> None:
        self._normalise = normalise
        self._size = size
        self._entries: OrderedDict[tuple, tuple[bool, str]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, *key: str) -> str:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            try:
                entry = (True, self._normalise(*key))
            except IdentifierError as error:
                entry = (False, str(error))
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        accepted, text = entry
        if accepted:
            return text
        raise IdentifierError(text)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _parse_email(raw: str) -> str:
    if len(raw) > EMAIL_MAX_LENGTH:
        raise IdentifierError(f"must be at most {EMAIL_MAX_LENGTH} characters")
    if has_control_characters(raw):
        raise IdentifierError("must not contain control characters")
    try:
        result = email_validator.validate_email(raw.strip(), check_deliverability=False,
                                                strict=True)
    except email_validator.EmailNotValidError as error:
        raise IdentifierError(str(error)) from None
    return result.normalized.lower()


def _parse_phone(raw: str, default_region: str) -> str:
    if len(raw) > PHONE_MAX_LENGTH:
        raise IdentifierError(f"must be at most {PHONE_MAX_LENGTH} characters")
    if has_control_characters(raw):
        raise IdentifierError("must not contain control characters")
    if any(char.isalpha() for char in raw):
        # Vanity letters ("1-800-FLOWERS") and extensions cannot be part of an E.164 address
        # to deliver to; refuse rather than guess.
        raise IdentifierError("must contain digits only (with +, spaces, dashes, dots, "
                              "brackets)")
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise IdentifierError(f"is not a phone number ({error._msg})") from None
    if not phonenumbers.is_valid_number(number):
        raise IdentifierError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


NORMALISATIONS_REMEMBERED = 4096
_emails = NormalisationMemory(_parse_email, NORMALISATIONS_REMEMBERED)
_phones = NormalisationMemory(_parse_phone, NORMALISATIONS_REMEMBERED)


def normalise_email(raw: str) -> str:
    """Validates syntax with strict RFC lengths (no DNS) and returns the lower-cased form."""
    return _emails(raw)


def normalise_phone(raw: str, default_region: str) -> str:
    """Parses a phone number (international, or national in ``default_region``) to E.164."""
    return _phones(raw, default_region)


def forget_normalisations() -> None:
    """Empties the remembered normalisations (after an erasure, so no address of the erased
    person stays even in this process's memory)."""
    _emails.clear()
    _phones.clear()


_LINKEDIN_PATH = re.compile(r"^/(?:mwlite/)?in/([^/]+)(?:/.*)?$")
_SLUG_CHARACTER = re.compile(r"^[\w-]+$")


def normalise_linkedin_url(raw: str) -> str:
    """Canonicalises a LinkedIn profile URL to ``https://www.linkedin.com/in/<slug>``.

    Accepts http/https or no scheme, any ``*.linkedin.com`` host (country subdomains, ``m.``),
    trailing slashes, language suffixes, query strings and fragments; the slug is
    percent-decoded and lower-cased (LinkedIn slugs are case-insensitive), then re-encoded.
    """
    if len(raw) > LINKEDIN_MAX_LENGTH:
        raise IdentifierError(f"must be at most {LINKEDIN_MAX_LENGTH} characters")
    if has_control_characters(raw):
        raise IdentifierError("must not contain control characters")
    text = raw.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise IdentifierError("is not a URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise IdentifierError("must be an http or https URL")
    if parts.username or parts.password or (parts.port not in (None, 80, 443)):
        raise IdentifierError("must be a plain linkedin.com profile URL")
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        raise IdentifierError("must be a linkedin.com URL")
    match = _LINKEDIN_PATH.match(parts.path)
    if match is None:
        raise IdentifierError("must be a profile URL of the form linkedin.com/in/<name>")
    slug = unquote(match.group(1), errors="strict").lower()
    if not (LINKEDIN_SLUG_MIN <= len(slug) <= LINKEDIN_SLUG_MAX):
        raise IdentifierError(f"profile name must be {LINKEDIN_SLUG_MIN}-{LINKEDIN_SLUG_MAX} "
                              "characters")
    if not _SLUG_CHARACTER.match(slug):
        raise IdentifierError("profile name may hold only letters, digits, '-' and '_'")
    return "https://www.linkedin.com/in/" + quote(slug, safe="-_")


def normalise(kind: IdentifierKind, raw: str, *, default_region: str) -> Identifier:
    """Normalises one identifier of ``kind``."""
    if kind is IdentifierKind.EMAIL:
        return Identifier(kind, normalise_email(raw))
    if kind is IdentifierKind.PHONE:
        return Identifier(kind, normalise_phone(raw, default_region))
    return Identifier(kind, normalise_linkedin_url(raw))


def identity_hash(email: str | None, phone: str | None, linkedin_url: str | None) -> str:
    """The original system's identity hash: SHA-256 (hex) of ``email|phone|linkedin``, each
    normalised, missing ones empty."""
    joined = "|".join(value or "" for value in (email, phone, linkedin_url))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


class IdentityKeys:
    """Keyed hashes (HMAC-SHA256) of identifiers: what the unique index and the suppression
    list store, so a database dump alone cannot be reversed by guessing addresses."""

    def __init__(self, secret: str) -> None:
        if len(secret) < IDENTITY_KEY_MIN_LENGTH:
            raise ValueError(f"the identity hash key must be at least "
                             f"{IDENTITY_KEY_MIN_LENGTH} characters")
        self._key = secret.encode("utf-8")

    def identifier_hmac(self, identifier: Identifier) -> str:
        message = f"{identifier.kind.value}:{identifier.value}".encode()
        return hmac.digest(self._key, message, "sha256").hex()

    def fingerprint(self, payload: bytes) -> str:
        """A keyed digest of a request, to recognise a retried request id without storing
        the personal data it carries."""
        return hmac.digest(self._key, b"request:" + payload, "sha256").hex()
