"""Bearer tokens: issued with a shared signing key, verified locally by every service.

A token names a subject, a role and optionally the one venture it may act on. A venture-scoped
caller's venture always comes from the token, never from the request body.
"""

from __future__ import annotations

import contextvars
import enum
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from aicmo_common.actor import Actor
from aicmo_common.errors import PermissionDenied, Unauthenticated

ISSUER = "aicmo"
ALGORITHM = "HS256"


class Role(enum.StrEnum):
    """What a caller may do. Service is for the services' calls to one another."""

    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"
    SERVICE = "service"


READERS = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.OPERATOR})


@dataclass(frozen=True)
class Principal:
    """The verified caller of the current request."""

    subject: str
    role: Role
    venture: str | None = None

    @property
    def actor(self) -> str:
        """How audit records name this caller."""
        return Actor(self.subject, self.role.value).label

    def require(self, roles: Iterable[Role], action: str = "this call") -> None:
        if self.role not in set(roles):
            raise PermissionDenied(f"role {self.role.value} may not perform {action}",
                                   reason="ROLE_NOT_ALLOWED",
                                   metadata={"role": self.role.value, "action": action})

    def require_venture(self, venture_id: str) -> None:
        """Refuses a venture-scoped caller acting on another venture."""
        if self.venture is not None and self.venture != venture_id:
            raise PermissionDenied("this token is scoped to another venture",
                                   reason="VENTURE_SCOPE",
                                   metadata={"token_venture": self.venture})

    def may_see(self, venture_id: str) -> bool:
        return self.venture is None or self.venture == venture_id


class TokenSigner:
    """Issues and verifies bearer tokens with one shared key.

    Verified tokens are remembered until they expire: a service token is presented on every
    call between services, and checking its signature once instead of on every call keeps
    authentication off the hot path. Expiry is still checked on every use.
    """

    CACHE_SIZE = 4096

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the token signing secret must be at least 32 characters")
        self._secret = secret
        self._verified: dict[str, tuple[Principal, float]] = {}

    def issue(self, subject: str, role: Role | str, *, venture: str | None = None,
              ttl_seconds: int = 3600, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "role": Role(role).value,
            "iat": issued,
            "exp": issued + int(ttl_seconds),
            "jti": uuid.uuid4().hex,
        }
        if venture:
            claims["venture"] = venture
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires:
                return principal
            del self._verified[token]
        principal, expires = self._verify_signature(token)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _verify_signature(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                                options={"require": ["exp", "sub", "iss"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired", reason="TOKEN_EXPIRED") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the bearer token is invalid: {exc}",
                                  reason="TOKEN_INVALID") from None
        try:
            role = Role(claims.get("role"))
        except ValueError:
            raise Unauthenticated("the bearer token names no known role",
                                  reason="TOKEN_INVALID") from None
        if float(claims["exp"]) <= time.time():
            raise Unauthenticated("the bearer token has expired", reason="TOKEN_EXPIRED")
        venture = claims.get("venture") or None
        return (Principal(subject=str(claims["sub"]), role=role, venture=venture),
                float(claims["exp"]))

    def service_token(self, service: str, ttl_seconds: int = 24 * 3600) -> str:
        return self.issue(f"svc-{service}", Role.SERVICE, ttl_seconds=ttl_seconds)

    def service_token_source(self, service: str, ttl_seconds: int = 3600):
        """A callable for outbound clients that returns a valid service token, issuing a
        fresh one when the current one is within a tenth of its life of expiring."""
        state = {"token": "", "renew_at": 0.0}

        def current() -> str:
            now = time.time()
            if now >= state["renew_at"]:
                state["token"] = self.issue(f"svc-{service}", Role.SERVICE,
                                            ttl_seconds=ttl_seconds, now=now)
                state["renew_at"] = now + ttl_seconds * 0.9
            return state["token"]

        return current


def bearer_from_metadata(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = text.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization metadata must be 'Bearer <token>'",
                                      reason="TOKEN_MISSING")
            return token.strip()
    raise Unauthenticated("this call needs a bearer token in the authorization metadata",
                          reason="TOKEN_MISSING")


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "aicmo_principal", default=None)


def current_principal() -> Principal:
    """The caller of the request being served (set by the auth interceptor)."""
    principal = _current.get()
    if principal is None:
        raise Unauthenticated("no authenticated caller", reason="TOKEN_MISSING")
    return principal


def set_principal(principal: Principal | None) -> contextvars.Token:
    return _current.set(principal)


def reset_principal(token: contextvars.Token) -> None:
    _current.reset(token)
