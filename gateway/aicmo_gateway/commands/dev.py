"""``aicmo dev``: the local stack."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from aicmo_gateway.cli_state import state_of
from aicmo_gateway.devstack import DevStackError, DevUpOptions, run_dev_up
from aicmo_gateway.exit_codes import CliError, ExitCode

app = typer.Typer(help="Run the whole stack on this machine.", no_args_is_help=True)


@app.command("up")
def up(
    ctx: typer.Context,
    ephemeral_ports: bool = typer.Option(
        False, "--ephemeral-ports",
        help="Pick free ports instead of the standard ones (50051-50054, 8080, 9101-9105)."),
    ready_timeout: float = typer.Option(
        60.0, "--ready-timeout", min=1.0, help="Seconds to wait for every health check."),
    only: str | None = typer.Option(
        None, "--only", help="Run just these parts, e.g. 'venture,leads,edge'."),
) -> None:
    """Start every installed service, the HTTP edge and a local SMTP server on SQLite under
    ./var; write var/dev.env; run until Ctrl-C."""
    output = state_of(ctx).output
    options = DevUpOptions(root=Path.cwd(), ephemeral_ports=ephemeral_ports,
                           ready_timeout_seconds=ready_timeout,
                           only=tuple(p.strip() for p in only.split(",") if p.strip())
                           if only else None)
    try:
        code = asyncio.run(run_dev_up(options, output.console))
    except DevStackError as error:
        raise CliError(f"aicmo dev up failed: {error}", ExitCode.UNEXPECTED) from None
    if code != 0:
        raise typer.Exit(code)
