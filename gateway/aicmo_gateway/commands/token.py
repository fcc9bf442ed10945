"""``aicmo token``: bearer tokens signed with the shared secret."""

from __future__ import annotations

import enum
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from aicmo_common.auth import Role, TokenSigner
from aicmo_gateway import devfiles
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.exit_codes import CliError, ExitCode

app = typer.Typer(help="Issue bearer tokens.", no_args_is_help=True)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")


class RoleChoice(enum.StrEnum):
    ADMIN = Role.ADMIN.value
    OPERATOR = Role.OPERATOR.value
    VIEWER = Role.VIEWER.value
    SERVICE = Role.SERVICE.value


def parse_duration(text: str) -> int:
    """``3600``, ``90s``, ``15m``, ``12h`` or ``30d`` as seconds (at least one second)."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) <= 0:
        raise CliError(f"--ttl {text!r} is not a duration such as 3600, 15m, 12h or 30d")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def signing_secret(cwd: Path | None = None) -> str:
    """``AICMO_TOKEN_SECRET``, else the local stack's ``var/dev-secrets.json``."""
    secret = os.environ.get("AICMO_TOKEN_SECRET", "").strip()
    if secret:
        if len(secret) < 32:
            raise CliError("AICMO_TOKEN_SECRET must be at least 32 characters long")
        return secret
    path = (cwd or Path.cwd()) / "var" / devfiles.SECRETS_FILE
    if not path.exists():
        raise CliError("no signing secret: set AICMO_TOKEN_SECRET, or run `aicmo dev up` in "
                       "this folder once to create var/dev-secrets.json")
    try:
        return devfiles.read_secrets(path).token_secret
    except ValueError as error:
        raise CliError(str(error), ExitCode.UNEXPECTED) from None


@app.command("issue")
def issue(
    ctx: typer.Context,
    role: RoleChoice = typer.Option(..., "--role", help="admin, operator, viewer or service."),
    venture: str | None = typer.Option(None, "--venture",
                                       help="Scope the token to this one venture."),
    ttl: str = typer.Option("1h", "--ttl", help="Lifetime: seconds, or 15m, 12h, 30d."),
    subject: str = typer.Option("cli", "--subject", help="Who the token names."),
) -> None:
    """Print a signed bearer token (plain on stdout, so `$(aicmo token issue ...)` works)."""
    output = state_of(ctx).output
    seconds = parse_duration(ttl)
    if not subject.strip():
        raise CliError("--subject must not be empty")
    now = time.time()
    token = TokenSigner(signing_secret()).issue(subject.strip(), Role(role.value),
                                                venture=venture or None, ttl_seconds=seconds,
                                                now=now)
    if output.json:
        output.emit_json({
            "token": token, "subject": subject.strip(), "role": role.value,
            "venture": venture or None,
            "expires_at": datetime.fromtimestamp(int(now) + seconds, UTC).isoformat(),
        })
    else:
        typer.echo(token)
