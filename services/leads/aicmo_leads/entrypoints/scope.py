"""Which venture a call acts on: a venture-scoped caller's comes from its token."""

from __future__ import annotations

from aicmo_common.auth import Principal
from aicmo_common.errors import PermissionDenied


def venture_for(principal: Principal, requested: str) -> str:
    """A venture-scoped caller's venture comes from its token; naming another is refused."""
    if principal.venture is None:
        return requested
    if requested and requested != principal.venture:
        raise PermissionDenied("this token is scoped to another venture",
                               reason="VENTURE_SCOPE",
                               metadata={"token_venture": principal.venture})
    return principal.venture
