"""Input rules for ventures and campaigns; every bad field is named, none is written.

The entrypoint hands over drafts with the raw request values (channel and weekday numbers as
received, so an unknown number is reported here rather than lost in a conversion), and gets
back typed values only when everything is valid.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aicmo_common import pages
from aicmo_venture.domain import send_window
from aicmo_venture.domain.errors import Violations
from aicmo_venture.domain.model import Channel, SenderIdentity, SendWindow, Weekday

MAX_NAME = 200
MAX_TEXT = 2000
MAX_CTA = 500
MAX_EMAIL = 254
MAX_POSTAL_ADDRESS = 500
MAX_REASON = 500
MAX_ID = 128
MAX_URL = 2000
# Unsubscribe links work for ever (0) or at least 60 days: a mailbox provider may offer its
# one-click button that long, and CAN-SPAM wants a working opt-out for 30 days at the least.
MIN_UNSUBSCRIBE_TTL_DAYS = 60
MAX_UNSUBSCRIBE_TTL_DAYS = 3650
# Checked values keyed by field path ("name", "sender.from_address", ...). Each has the type of
# the field it names, which only the model's constructor checks, so the values are Any here.
FieldValues = dict[str, Any]
MAX_DAILY_SEND_LIMIT = 10_000_000

SLUG = re.compile(r"[a-z][a-z0-9-]{1,62}")
# Deliberately plain: one @, no whitespace, a dotted domain. Deliverability is the mail
# system's business; this only catches what cannot be an address at all.
EMAIL = re.compile(r"[^@\s\x00-\x1f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")

VENTURE_MASK_PATHS = frozenset({
    "name", "offer_summary", "primary_cta", "default_channels", "timezone", "owner_contact",
    "sender", "sender.from_address", "sender.from_name", "sender.postal_address",
    "privacy_policy_url", "unsubscribe_links.ttl_days", "unsubscribe_links.revoke_now",
})
CAMPAIGN_MASK_PATHS = frozenset({
    "name", "objective", "allowed_channels", "daily_send_limit", "send_window",
    "consent_required",
})
# Fields that exist on the resource but change only through their own calls (or never).
VENTURE_READ_ONLY = frozenset({"id", "active", "kill_switch", "create_time", "update_time",
                               "unsubscribe_links.revoked_before"})
CAMPAIGN_READ_ONLY = frozenset({"id", "venture_id", "kill_switch", "status", "create_time",
                                "update_time"})


@dataclass(frozen=True)
class SenderDraft:
    from_address: str = ""
    from_name: str = ""
    postal_address: str = ""


@dataclass(frozen=True)
class UnsubscribeLinksDraft:
    ttl_days: int = 0
    revoke_now: bool = False


@dataclass(frozen=True)
class WindowDraft:
    days: tuple[int, ...]
    start_hour: int
    start_minute: int
    end_hour: int
    end_minute: int


@dataclass(frozen=True)
class VentureDraft:
    id: str = ""
    name: str = ""
    offer_summary: str = ""
    primary_cta: str = ""
    default_channels: tuple[int, ...] = ()
    timezone: str = ""
    owner_contact: str = ""
    sender: SenderDraft = SenderDraft()
    privacy_policy_url: str = ""
    unsubscribe_links: UnsubscribeLinksDraft = UnsubscribeLinksDraft()


@dataclass(frozen=True)
class CampaignDraft:
    venture_id: str = ""
    name: str = ""
    objective: str = ""
    allowed_channels: tuple[int, ...] = ()
    daily_send_limit: int = 0
    send_window: WindowDraft | None = None
    consent_required: bool = False


def check_text(errors: Violations, path: str, value: str, *, maximum: int,
               required: bool = False) -> str:
    if required and not value.strip():
        errors.add(path, "must not be empty")
    elif len(value) > maximum:
        errors.add(path, f"must be at most {maximum} characters (got {len(value)})")
    return value


def check_email(errors: Violations, path: str, value: str, *, required: bool) -> str:
    if not value:
        if required:
            errors.add(path, "must not be empty")
        return value
    if len(value) > MAX_EMAIL:
        errors.add(path, f"must be at most {MAX_EMAIL} characters (got {len(value)})")
    elif not EMAIL.fullmatch(value):
        errors.add(path, "must be an email address such as name@example.com")
    return value


def check_https_url(errors: Violations, path: str, value: str) -> str:
    """An absolute https URL with a host (empty is allowed: no link)."""
    if not value:
        return value
    if len(value) > MAX_URL:
        errors.add(path, f"must be at most {MAX_URL} characters (got {len(value)})")
        return value
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7f for c in value):
        errors.add(path, "must not contain spaces or control characters")
        return value
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() != "https" or not host:
        errors.add(path, "must be an https URL such as https://example.com/privacy")
    elif parts.username is not None or parts.password is not None:
        errors.add(path, "must not carry a user name or password")
    return value


def check_ttl_days(errors: Violations, path: str, value: int) -> int:
    if value != 0 and not MIN_UNSUBSCRIBE_TTL_DAYS <= value <= MAX_UNSUBSCRIBE_TTL_DAYS:
        errors.add(path, f"must be 0 (links never expire) or between "
                         f"{MIN_UNSUBSCRIBE_TTL_DAYS} and {MAX_UNSUBSCRIBE_TTL_DAYS} days "
                         f"(got {value})")
    return value


def check_channels(errors: Violations, path: str, values: Iterable[int]) -> tuple[Channel, ...]:
    channels: list[Channel] = []
    for index, value in enumerate(values):
        try:
            channel = Channel(value)
        except ValueError:
            errors.add(f"{path}[{index}]", f"{value} is not a known channel")
            continue
        if channel not in channels:
            channels.append(channel)
    return tuple(channels)


def check_timezone(errors: Violations, path: str, value: str) -> str:
    if not value:
        errors.add(path, "must not be empty (an IANA timezone such as Europe/Berlin)")
    elif len(value) > 64 or not send_window.is_known_timezone(value):
        errors.add(path, f"{value[:64]!r} is not an IANA timezone such as Europe/Berlin")
    return value


def check_sender(errors: Violations, path: str, draft: SenderDraft,
                 paths: frozenset[str]) -> SenderIdentity:
    if "from_address" in paths:
        check_email(errors, f"{path}.from_address", draft.from_address, required=False)
    if "from_name" in paths:
        check_text(errors, f"{path}.from_name", draft.from_name, maximum=MAX_NAME)
    if "postal_address" in paths:
        check_text(errors, f"{path}.postal_address", draft.postal_address,
                   maximum=MAX_POSTAL_ADDRESS)
    return SenderIdentity(draft.from_address, draft.from_name, draft.postal_address)


def check_window(errors: Violations, path: str, draft: WindowDraft) -> SendWindow:
    days: set[Weekday] = set()
    if not draft.days:
        errors.add(f"{path}.days", "must list at least one day")
    for index, value in enumerate(draft.days):
        try:
            day = Weekday(value)
        except ValueError:
            errors.add(f"{path}.days[{index}]", f"{value} is not a day of the week")
            continue
        if day in days:
            errors.add(f"{path}.days[{index}]", f"{day.name} is listed twice")
        days.add(day)
    ok = True
    for name, value, top in (("start_hour", draft.start_hour, 23),
                             ("start_minute", draft.start_minute, 59),
                             ("end_hour", draft.end_hour, 24),
                             ("end_minute", draft.end_minute, 59)):
        if not 0 <= value <= top:
            errors.add(f"{path}.{name}", f"must be between 0 and {top} (got {value})")
            ok = False
    start = draft.start_hour * 60 + draft.start_minute
    end = draft.end_hour * 60 + draft.end_minute
    if ok and draft.end_hour == 24 and draft.end_minute != 0:
        errors.add(f"{path}.end_minute", "must be 0 when end_hour is 24")
        ok = False
    if ok and end <= start:
        errors.add(f"{path}.end_hour", "the window must end after it starts (same day)")
    return SendWindow(frozenset(days), start, end)


def check_venture(draft: VentureDraft, errors: Violations, fields: Iterable[str],
                  prefix: str = "venture") -> FieldValues:
    """Checks the named fields of ``draft``; returns their typed values."""
    wanted = set(fields)
    values: FieldValues = {}
    if "id" in wanted:
        if not draft.id:
            errors.add(f"{prefix}.id", "must not be empty")
        elif not SLUG.fullmatch(draft.id):
            errors.add(f"{prefix}.id", "must be 2 to 63 lowercase letters, digits or hyphens, "
                                       "starting with a letter")
        values["id"] = draft.id
    if "name" in wanted:
        values["name"] = check_text(errors, f"{prefix}.name", draft.name, maximum=MAX_NAME,
                                    required=True)
    if "offer_summary" in wanted:
        values["offer_summary"] = check_text(errors, f"{prefix}.offer_summary",
                                             draft.offer_summary, maximum=MAX_TEXT)
    if "primary_cta" in wanted:
        values["primary_cta"] = check_text(errors, f"{prefix}.primary_cta", draft.primary_cta,
                                           maximum=MAX_CTA)
    if "default_channels" in wanted:
        values["default_channels"] = check_channels(errors, f"{prefix}.default_channels",
                                                    draft.default_channels)
    if "timezone" in wanted:
        values["timezone"] = check_timezone(errors, f"{prefix}.timezone", draft.timezone)
    if "owner_contact" in wanted:
        values["owner_contact"] = check_email(errors, f"{prefix}.owner_contact",
                                              draft.owner_contact, required=True)
    sender_fields = ("from_address", "from_name", "postal_address")
    if "sender" in wanted:
        values["sender"] = check_sender(errors, f"{prefix}.sender", draft.sender,
                                        frozenset(sender_fields))
    for name in sender_fields:
        # A sub-field path changes only that part of the stored sender.
        if f"sender.{name}" in wanted and "sender" not in wanted:
            check_sender(errors, f"{prefix}.sender", draft.sender, frozenset({name}))
            values[f"sender.{name}"] = getattr(draft.sender, name)
    if "privacy_policy_url" in wanted:
        values["privacy_policy_url"] = check_https_url(errors, f"{prefix}.privacy_policy_url",
                                                       draft.privacy_policy_url)
    if "unsubscribe_links.ttl_days" in wanted:
        values["unsubscribe_links.ttl_days"] = check_ttl_days(
            errors, f"{prefix}.unsubscribe_links.ttl_days", draft.unsubscribe_links.ttl_days)
    if "unsubscribe_links.revoke_now" in wanted:
        # Revocation cannot be undone, so naming the path without asking for it is a mistake.
        if not draft.unsubscribe_links.revoke_now:
            errors.add(f"{prefix}.unsubscribe_links.revoke_now",
                       "must be true when named in update_mask (a revocation cannot be undone)")
        values["unsubscribe_links.revoke_now"] = True
    return values


def check_campaign(draft: CampaignDraft, errors: Violations, fields: Iterable[str],
                   prefix: str = "campaign") -> FieldValues:
    """Checks the named fields of ``draft``; returns their typed values."""
    wanted = set(fields)
    values: FieldValues = {}
    if "venture_id" in wanted:
        check_text(errors, f"{prefix}.venture_id", draft.venture_id, maximum=MAX_ID,
                   required=True)
        values["venture_id"] = draft.venture_id
    if "name" in wanted:
        values["name"] = check_text(errors, f"{prefix}.name", draft.name, maximum=MAX_NAME,
                                    required=True)
    if "objective" in wanted:
        values["objective"] = check_text(errors, f"{prefix}.objective", draft.objective,
                                         maximum=MAX_TEXT)
    if "allowed_channels" in wanted:
        values["allowed_channels"] = check_channels(errors, f"{prefix}.allowed_channels",
                                                    draft.allowed_channels)
    if "daily_send_limit" in wanted:
        limit = draft.daily_send_limit
        if limit < 0:
            errors.add(f"{prefix}.daily_send_limit", f"must be zero or more (got {limit})")
        elif limit > MAX_DAILY_SEND_LIMIT:
            errors.add(f"{prefix}.daily_send_limit",
                       f"must be at most {MAX_DAILY_SEND_LIMIT} (got {limit})")
        values["daily_send_limit"] = limit
    if "send_window" in wanted:
        values["send_window"] = (None if draft.send_window is None else
                                 check_window(errors, f"{prefix}.send_window",
                                              draft.send_window))
    if "consent_required" in wanted:
        values["consent_required"] = bool(draft.consent_required)
    return values


def check_mask(errors: Violations, paths: Iterable[str], allowed: frozenset[str],
               read_only: frozenset[str]) -> list[str]:
    """The update mask's paths, each once; unknown or read-only paths are violations."""
    result: list[str] = []
    paths = list(paths)
    if not paths:
        errors.add("update_mask", "must name at least one field to change")
    for path in paths:
        if path in read_only:
            errors.add("update_mask", f"{path!r} cannot be changed by an update")
        elif path not in allowed:
            errors.add("update_mask", f"{path!r} is not a field that can be updated "
                                      f"(one of {', '.join(sorted(allowed))})")
        elif path not in result:
            result.append(path)
    return result


def check_reason(errors: Violations, value: str, *, required: bool,
                 path: str = "reason") -> str:
    return check_text(errors, path, value, maximum=MAX_REASON, required=required)


def check_id(errors: Violations, path: str, value: str, *, required: bool = True) -> str:
    return check_text(errors, path, value, maximum=MAX_ID, required=required)


def check_page_size(errors: Violations, value: int, path: str = "page_size") -> int:
    return pages.page_size(value, path, errors=errors)
