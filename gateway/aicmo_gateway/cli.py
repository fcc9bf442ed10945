"""The ``aicmo`` command line: one Typer app, global options, exit codes scripts can trust.

Expected failures (bad flags, a refusal by a service, a service that cannot be reached) print
the reason and every bad field in plain words and exit with their code; only a bug shows a
traceback.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import typer
from rich.console import Console

from aicmo_gateway.cli_state import CliState
from aicmo_gateway.commands import dev, feedback, token
from aicmo_gateway.exit_codes import CliError, ExitCode
from aicmo_gateway.output import Output, OutputFormat

app = typer.Typer(
    name="aicmo", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    help="Run and prove outreach campaigns: ventures, campaigns, leads, sends, audit, reports.")


@app.callback()
def root(
    ctx: typer.Context,
    output: OutputFormat = typer.Option(
        OutputFormat.TABLE, "--output", "-o", help="table for people, json for scripts."),
    venture_addr: str | None = typer.Option(None, "--venture-addr",
                                            help="host:port (else AICMO_VENTURE_ADDR)."),
    leads_addr: str | None = typer.Option(None, "--leads-addr",
                                          help="host:port (else AICMO_LEADS_ADDR)."),
    distribution_addr: str | None = typer.Option(
        None, "--distribution-addr", help="host:port (else AICMO_DISTRIBUTION_ADDR)."),
    audit_addr: str | None = typer.Option(None, "--audit-addr",
                                          help="host:port (else AICMO_AUDIT_ADDR)."),
    edge_url: str | None = typer.Option(None, "--edge-url",
                                        help="The HTTP edge (else AICMO_EDGE_URL)."),
    token_value: str | None = typer.Option(None, "--token", help="Bearer token (else "
                                           "AICMO_TOKEN, else var/dev.env)."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1,
                                  help="Deadline of each call, in seconds."),
    tls_ca: str | None = typer.Option(
        None, "--tls-ca", help="TLS to the services, trusting this CA file (else "
                               "AICMO_TLS_CA_FILE; the system's roots with --tls-cert alone)."),
    tls_cert: str | None = typer.Option(
        None, "--tls-cert", help="Client certificate for mutual TLS (else AICMO_TLS_CERT_FILE)."),
    tls_key: str | None = typer.Option(
        None, "--tls-key", help="Its private key (else AICMO_TLS_KEY_FILE)."),
    tls_server_name: str | None = typer.Option(
        None, "--tls-server-name", help="The name the servers' certificates must carry, when "
                                        "the address does not (else AICMO_TLS_SERVER_NAME)."),
) -> None:
    """Addresses and token come from these flags, then the environment, then ./var/dev.env."""
    state = CliState(
        Output(output),
        address_flags={"venture": venture_addr, "leads": leads_addr,
                       "distribution": distribution_addr, "audit": audit_addr,
                       "edge": edge_url},
        token_flag=token_value, timeout_seconds=timeout,
        tls_flags={"ca": tls_ca, "cert": tls_cert, "key": tls_key,
                   "server_name": tls_server_name})
    ctx.obj = state
    ctx.call_on_close(state.close)


app.add_typer(dev.app, name="dev")
app.add_typer(token.app, name="token")
app.add_typer(feedback.app, name="feedback")
app.add_typer(feedback.objections_app, name="objections")


def _register_optional_groups() -> None:
    """Command groups whose generated protos exist; a group missing its contract is left out
    rather than offered and broken."""
    from aicmo_gateway.commands import available_groups, demo_command, send_command

    for name, group in available_groups():
        app.add_typer(group, name=name)
    for name, command in (("send", send_command()), ("demo", demo_command())):
        if command is not None:
            app.command(name)(command)


_GLOBAL_VALUED = ("--output", "-o")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Lets ``--output json`` appear anywhere (``aicmo venture list --output json``) by
    moving it in front of the subcommand, where Click expects global options."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(argv):
        item = argv[index]
        if item == "--":
            rest.extend(argv[index:])
            break
        if item in _GLOBAL_VALUED and index + 1 < len(argv):
            hoisted.extend(argv[index:index + 2])
            index += 2
            continue
        if item.startswith("--output="):
            hoisted.append(item)
        else:
            rest.append(item)
        index += 1
    return hoisted + rest


def run(argv: Sequence[str] | None = None) -> int:
    """Runs one command and returns its exit code (``main`` exits with it)."""
    arguments = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    command = typer.main.get_command(app)
    errors = Console(stderr=True, soft_wrap=True)
    try:
        result = command.main(args=arguments, prog_name="aicmo", standalone_mode=False)
    except CliError as error:
        errors.print(f"error: {error.message}", markup=False, highlight=False)
        for line in error.details:
            errors.print(f"  - {line}", markup=False, highlight=False)
        return int(error.exit_code)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        errors.print("aborted", markup=False)
        return int(ExitCode.UNEXPECTED)
    except typer.TyperException as error:
        # Typer's own usage errors (unknown option, bad choice, missing argument): exit 2.
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            errors.print(f"error: {error.message}", markup=False, highlight=False)
        return int(getattr(error, "exit_code", ExitCode.BAD_USAGE))
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - a bug: show everything
        errors.print("unexpected error (a bug in aicmo):", markup=False)
        traceback.print_exc()
        return int(ExitCode.UNEXPECTED)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def main() -> None:
    sys.exit(run())


_register_optional_groups()
