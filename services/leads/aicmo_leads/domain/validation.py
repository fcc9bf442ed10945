"""Field checks shared by every request: bounded lengths, no control characters, sane ids.

The domain collects its own violations (it does not import the gRPC error types); the
entrypoint turns them into one INVALID_ARGUMENT, or into the rejection of one import row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aicmo_leads.domain.identifiers import has_control_characters

SHORT_TEXT = 200
SOURCE_TEXT = 256
LONG_TEXT = 1000
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
REQUEST_ID_MAX = 128


@dataclass(frozen=True)
class Violation:
    """One bad field: its path and what is wrong (never echoing the bad value)."""

    field: str
    description: str


class Violations:
    """Collects every bad field of one request."""

    def __init__(self, prefix: str = "") -> None:
        self.items: list[Violation] = []
        self._prefix = prefix

    def add(self, field: str, description: str) -> None:
        self.items.append(Violation(self._prefix + field, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidFields(self.items)


class InvalidFields(ValueError):
    """A request with bad fields; ``violations`` names each of them."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = list(violations)


def check_text(problems: Violations, field: str, value: str, max_length: int, *,
               multiline: bool = False) -> str:
    """Checks a free-text field; returns it stripped of surrounding whitespace."""
    if not value:
        return ""
    if len(value) > max_length:
        problems.add(field, f"must be at most {max_length} characters")
        return ""
    if has_control_characters(value, allow_newlines=multiline):
        problems.add(field, "must not contain control characters")
        return ""
    return value.strip()


def check_id(problems: Violations, field: str, value: str, *, required: bool) -> str:
    """Checks an id such as a venture or campaign id."""
    if not value:
        if required:
            problems.add(field, "is required")
        return ""
    if not ID_PATTERN.match(value):
        problems.add(field, "must be 1-64 characters: letters, digits, '.', '_', ':' or '-', "
                            "starting with a letter or digit")
        return ""
    return value


def check_request_id(problems: Violations, field: str, value: str) -> str:
    """A client request id: optional, printable, bounded."""
    if len(value) > REQUEST_ID_MAX:
        problems.add(field, f"must be at most {REQUEST_ID_MAX} characters")
        return ""
    if not value.isprintable():
        problems.add(field, "must be printable")
        return ""
    return value
