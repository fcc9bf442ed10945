"""Turning command-line words into proto values, with errors that name the flag."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from aicmo.common.v1 import common_pb2
from aicmo_gateway.exit_codes import CliError

CHANNELS = {
    "email": common_pb2.CHANNEL_EMAIL,
    "linkedin": common_pb2.CHANNEL_LINKEDIN,
    "sms": common_pb2.CHANNEL_SMS,
    "webhook": common_pb2.CHANNEL_WEBHOOK,
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^\s*(?P<days>[a-z,\-]+)\s+(?P<sh>\d{1,2}):(?P<sm>\d{2})\s*-\s*"
                     r"(?P<eh>\d{1,2}):(?P<em>\d{2})\s*$")


def request_id(given: str | None = None) -> str:
    """The caller's request id (for a retry that must not act twice), or a fresh one."""
    if given:
        try:
            return str(uuid.UUID(given))
        except ValueError:
            raise CliError(f"--request-id {given!r} is not a UUID") from None
    return str(uuid.uuid4())


def channels(values: Iterable[str], flag: str = "--channel") -> list[int]:
    """``email``, ``sms,linkedin``... as Channel values (each once, in the given order)."""
    found: list[int] = []
    for value in values:
        for word in value.split(","):
            word = word.strip().lower()
            if not word:
                continue
            if word not in CHANNELS:
                raise CliError(f"{flag} {word!r} is not a channel; use one of "
                               f"{', '.join(CHANNELS)}")
            if CHANNELS[word] not in found:
                found.append(CHANNELS[word])
    return found


def channel(value: str, flag: str = "--channel") -> int:
    found = channels([value], flag)
    if len(found) != 1:
        raise CliError(f"{flag} takes exactly one channel")
    return found[0]


def enum_value(enum: EnumTypeWrapper, prefix: str, word: str, flag: str) -> int:
    """``running`` -> CAMPAIGN_STATUS_RUNNING, refusing anything not in the enum."""
    name = f"{prefix}{word.strip().upper().replace('-', '_')}"
    choices = [n.removeprefix(prefix).lower() for n in enum.keys()
               if not n.endswith("_UNSPECIFIED")]
    if word.strip().lower() not in choices:
        raise CliError(f"{flag} {word!r} is not one of {', '.join(choices)}")
    return enum.Value(name)


def enum_word(enum: EnumTypeWrapper, prefix: str, value: int) -> str:
    """CAMPAIGN_STATUS_RUNNING -> ``running``; an unknown number is shown as the number."""
    try:
        return enum.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return str(value)


def channel_words(values: Iterable[int]) -> list[str]:
    return [enum_word(common_pb2.Channel, "CHANNEL_", v) for v in values]


def send_window(text: str) -> tuple[list[int], int, int, int, int]:
    """``mon-fri 09:00-17:00`` or ``mon,wed,sat 10:00-24:00`` as (weekdays 1..7, start hour,
    start minute, end hour, end minute). The service checks the ranges."""
    match = _WINDOW.match(text.lower())
    if not match:
        raise CliError(f"--window {text!r} is not like 'mon-fri 09:00-17:00'")
    days: list[int] = []
    for part in match.group("days").split(","):
        first, _, last = part.partition("-")
        if first not in _WEEKDAYS or (last and last not in _WEEKDAYS):
            raise CliError(f"--window: {part!r} is not a day or range of days "
                           f"({', '.join(_WEEKDAYS)})")
        start = _WEEKDAYS.index(first)
        end = _WEEKDAYS.index(last) if last else start
        if end < start:
            raise CliError(f"--window: the range {part!r} runs backwards")
        days.extend(d + 1 for d in range(start, end + 1) if d + 1 not in days)
    return (days, int(match.group("sh")), int(match.group("sm")), int(match.group("eh")),
            int(match.group("em")))


def propagation_note(propagation) -> str:
    """What an engaged kill switch's answer says about the delivering replicas."""
    if propagation.in_force_everywhere:
        count = len(propagation.confirmed_replicas)
        return (f"in force on every delivering replica ({count} confirmed): "
                "no message's content starts from now on")
    return ("not confirmed by " + ", ".join(propagation.unconfirmed_replicas)
            + ": they stopped delivering when their lease ran out and stay stopped until "
            "they hear the switch")
