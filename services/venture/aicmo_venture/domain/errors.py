"""What the rules refuse. The entrypoint maps each to its status code and stable reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One bad field: its path in the request and what is wrong with it."""

    field: str
    description: str


class DomainError(Exception):
    """Base of the refusals the rules raise."""


class InvalidFields(DomainError):
    """One or more fields are invalid; lists every one of them."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = list(violations)


class Violations:
    """Collects violations so one answer names every bad field."""

    def __init__(self) -> None:
        self.items: list[Violation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(Violation(field, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidFields(self.items)


class InvalidTransition(DomainError):
    """A status change the campaign state machine does not allow."""

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"a {current} campaign cannot become {requested}")
        self.current = current
        self.requested = requested


class CampaignFinal(DomainError):
    """The campaign is STOPPED or COMPLETED and can no longer be changed."""

    def __init__(self, campaign_id: str, status: str) -> None:
        super().__init__(f"campaign {campaign_id} is {status} and can no longer be changed")
        self.campaign_id = campaign_id
        self.status = status
