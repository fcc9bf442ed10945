"""Who made a change, as every service records it: the token subject and role."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who made a change: the token subject and role."""

    subject: str
    role: str

    @property
    def label(self) -> str:
        """How histories and the audit trail name this actor ("<role>:<subject>")."""
        return f"{self.role}:{self.subject}"
