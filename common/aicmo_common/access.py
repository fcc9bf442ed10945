"""Who is calling, what their role lets them do, and which venture's things they may touch.

One ``Caller`` for every service. The venture-scope rule is written once here: a
venture-scoped token acts only on its own venture, taken from the token; a request that
names another venture is refused (PERMISSION_DENIED, reason VENTURE_SCOPE), and things of
other ventures are answered as if they did not exist (``may_see``).
"""

from __future__ import annotations

from dataclasses import dataclass

from aicmo_common import telemetry
from aicmo_common.actor import Actor
from aicmo_common.auth import MANAGERS, READERS, Principal, Role, current_principal
from aicmo_common.errors import PermissionDenied

#: Who may change things: people who manage and the services acting for them.
WRITERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.SERVICE})
#: Who may do what only an administrator may.
ADMINS = frozenset({Role.ADMIN})

__all__ = ["ADMINS", "MANAGERS", "READERS", "WRITERS", "Caller"]


@dataclass(frozen=True)
class Caller:
    """The verified caller of a request and the request id that crosses service calls."""

    principal: Principal
    request_id: str = ""

    @classmethod
    def current(cls, request_id: str | None = None) -> Caller:
        """The caller of the request being served (the request id from the call's metadata
        unless one is given)."""
        return cls(current_principal(),
                   telemetry.current_request_id() if request_id is None else request_id)

    @property
    def actor(self) -> Actor:
        """How histories and the audit trail name this caller."""
        return Actor(self.principal.subject, self.principal.role.value)

    @property
    def token_venture(self) -> str | None:
        """The venture the token is scoped to; None for a token without venture scope."""
        return self.principal.venture

    def require(self, roles: frozenset[Role], action: str) -> None:
        """Refuses (PERMISSION_DENIED) a caller whose role is not in ``roles``."""
        self.principal.require(roles, action)

    def require_unscoped(self, action: str) -> None:
        """For calls that act on everything (the global switch, the whole audit chain)."""
        if self.principal.venture is not None:
            raise PermissionDenied(f"a venture-scoped token may not perform {action}",
                                   reason="VENTURE_SCOPE",
                                   metadata={"action": action,
                                             "token_venture": self.principal.venture})

    def require_venture(self, venture_id: str) -> None:
        """Refuses a venture-scoped caller acting on another venture."""
        self.principal.require_venture(venture_id)

    def may_see(self, venture_id: str) -> bool:
        """Whether things of ``venture_id`` exist for this caller."""
        return self.principal.may_see(venture_id)

    def venture_for(self, requested: str) -> str:
        """The venture a request acts on: the token's for a scoped caller (a request naming
        another is refused), else the requested one ("" when none: every venture)."""
        scope = self.principal.venture
        if scope is None:
            return requested
        if requested and requested != scope:
            raise PermissionDenied("this token is scoped to another venture",
                                   reason="VENTURE_SCOPE", metadata={"token_venture": scope})
        return scope
