"""``aicmo dev up``: the whole stack on one machine, on SQLite, with a local SMTP server.

Every service that is installed runs as its own child process (``python -m aicmo_<name>
serve``), configured only through environment variables, exactly as in production. The dev-up
process itself hosts the SMTP server that stores mail under ``var/mail/``, waits until every
health check says SERVING, writes ``var/dev.env`` for the CLI, and on SIGINT or SIGTERM stops
the children gracefully (SIGTERM, then SIGKILL after a bound) and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib.util
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from rich.table import Table

from aicmo_common import topology
from aicmo_common.auth import Role, TokenSigner
from aicmo_gateway import devfiles
from aicmo_gateway.edge.config import DEFAULT_INBOUND_SMTP_PORT
from aicmo_gateway.mailbox import EmlMailbox, start_smtp_server

HOST = "127.0.0.1"
ADMIN_TOKEN_TTL_SECONDS = 30 * 24 * 3600
STATE_FILE = "dev-stack.json"
# The domain of the return paths in a local stack: mail to bounce+...@localhost reaches the
# edge's inbound SMTP receiver at the address dev up prints.
INBOUND_DOMAIN = "localhost"
LOG_TAIL_LINES = 30


class DevStackError(Exception):
    """The stack could not start; the message says which part and why."""


@dataclass(frozen=True)
class DevUpOptions:
    """How ``aicmo dev up`` runs: where, on which ports, and how long it waits."""

    root: Path
    ephemeral_ports: bool = False
    ready_timeout_seconds: float = 60.0
    stop_timeout_seconds: float = 15.0
    child_grace_seconds: float = 5.0
    only: tuple[str, ...] | None = None  # run just these components (None: all installed)


@dataclass
class Child:
    """One component of the stack running as a child process."""

    name: str
    kind: str  # "grpc" or "http"
    port: int
    metrics_port: int
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    ready: bool = False

    @property
    def address(self) -> str:
        if self.kind == "http":
            return f"http://{HOST}:{self.port}"
        return f"{HOST}:{self.port}"


@dataclass
class StackPlan:
    """Which components run, on which ports, and the environment every child gets."""

    children: list[Child]
    missing: list[str]
    addresses: dict[str, str] = field(default_factory=dict)
    # The edge's inbound SMTP receiver (bounces, replies); None when it does not run.
    inbound_smtp_port: int | None = None


def module_exists(module: str) -> bool:
    """True when ``module`` can be imported (its package is installed and has the file)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def installed_services() -> list[str]:
    return [c.name for c in topology.SERVICES if module_exists(f"aicmo_{c.name}.__main__")]


def edge_installed() -> bool:
    return module_exists("aicmo_gateway.edge.__main__")


def free_port(host: str = HOST) -> int:
    """A port the OS says is free right now (bind to 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def ensure_port_free(port: int, owner: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise DevStackError(
                f"port {port} for {owner} is already in use (is another `aicmo dev up` "
                f"running?); stop it or run `aicmo dev up --ephemeral-ports`") from None


def plan_stack(options: DevUpOptions, services: list[str], with_edge: bool) -> StackPlan:
    """Chooses ports: the topology defaults, or free ones with ``--ephemeral-ports``."""
    logs = options.root / "var" / "log"
    children: list[Child] = []
    wanted = [topology.by_name(name) for name in services]
    if with_edge:
        wanted.append(topology.EDGE)
    for component in wanted:
        kind = "http" if component.grpc_port is None else "grpc"
        if options.ephemeral_ports:
            port, metrics = free_port(), free_port()
        else:
            port = component.http_port if kind == "http" else component.grpc_port
            metrics = component.metrics_port
            ensure_port_free(port, component.name)
            ensure_port_free(metrics, f"{component.name} metrics")
        children.append(Child(component.name, kind, port, metrics,
                              logs / f"{component.name}.log"))
    missing = [c.name for c in topology.SERVICES if c.name not in services]
    plan = StackPlan(children, missing)
    plan.addresses = {child.name: child.address for child in children}
    if with_edge and "distribution" in services:  # the receiver hands events to distribution
        if options.ephemeral_ports:
            plan.inbound_smtp_port = free_port()
        else:
            plan.inbound_smtp_port = DEFAULT_INBOUND_SMTP_PORT
            ensure_port_free(DEFAULT_INBOUND_SMTP_PORT, "the inbound SMTP receiver")
    return plan


def child_environment(child: Child, plan: StackPlan, options: DevUpOptions,
                      secrets: devfiles.DevSecrets, smtp_port: int,
                      base: dict[str, str] | None = None) -> dict[str, str]:
    """Everything a child needs, from the environment only (as in production)."""
    env = dict(os.environ if base is None else base)
    var = (options.root / "var").resolve()
    env.update({
        "PYTHONUNBUFFERED": "1",
        "AICMO_TOKEN_SECRET": secrets.token_secret,
        "AICMO_METRICS_PORT": str(child.metrics_port),
        "AICMO_SHUTDOWN_GRACE_SECONDS": str(options.child_grace_seconds),
    })
    for service in topology.SERVICES:
        variable = f"AICMO_{service.name.upper()}_ADDR"
        if service.name in plan.addresses:
            env[variable] = plan.addresses[service.name]
        elif service.name == "audit":
            env[variable] = "off"  # no audit service: events wait in each outbox
        else:
            env.pop(variable, None)
    if child.kind == "http":
        env.update({"AICMO_HTTP_HOST": HOST, "AICMO_HTTP_PORT": str(child.port)})
        if plan.inbound_smtp_port is not None:
            env.update({"AICMO_INBOUND_SMTP_HOST": HOST,
                        "AICMO_INBOUND_SMTP_PORT": str(plan.inbound_smtp_port),
                        "AICMO_INBOUND_DOMAIN": INBOUND_DOMAIN,
                        "AICMO_INBOUND_QUARANTINE_DIR": str(var / "inbound-quarantine")})
        return env
    env.update({
        "AICMO_GRPC_HOST": HOST,
        "AICMO_GRPC_PORT": str(child.port),
        "AICMO_DATABASE_URL": f"sqlite:///{var / (child.name + '.db')}",
    })
    if child.name == "leads":
        env["AICMO_IDENTITY_HASH_KEY"] = secrets.identity_hash_key
    if child.name == "distribution":
        env.update({
            "AICMO_SMTP_HOST": HOST,
            "AICMO_SMTP_PORT": str(smtp_port),
            "AICMO_SMTP_TLS": "none",
            "AICMO_UNSUBSCRIBE_BASE_URL": plan.addresses.get(
                "edge", f"http://{HOST}:{topology.EDGE.http_port}"),
        })
        if plan.inbound_smtp_port is not None:
            # Bounces and replies to the local receiver: signed return paths and Reply-To.
            env["AICMO_INBOUND_DOMAIN"] = INBOUND_DOMAIN
    return env


def _parent_death_signal():
    """A function for the child to call between fork and exec so that, if dev up is killed
    outright (SIGKILL), its children get SIGTERM instead of living on. Resolved here, in the
    parent, so the forked child only makes one plain C call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigterm = 1, int(signal.SIGTERM)

    def set_death_signal() -> None:
        prctl(pr_set_pdeathsig, sigterm)

    return set_death_signal


async def start_child(child: Child, env: dict[str, str]) -> None:
    module = "aicmo_gateway.edge" if child.kind == "http" else f"aicmo_{child.name}"
    arguments = [sys.executable, "-m", module]
    if child.kind == "grpc":
        arguments.append("serve")
    child.log_path.parent.mkdir(parents=True, exist_ok=True)
    log = child.log_path.open("wb")  # a fresh log per run, so its tail is about this run
    try:
        # Its own process group: a Ctrl-C in the terminal reaches only dev up, which then
        # stops the children in order instead of all of them racing each other.
        child.process = await asyncio.create_subprocess_exec(
            *arguments, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            process_group=0, preexec_fn=_parent_death_signal())
    finally:
        log.close()  # the child holds its own copy of the descriptor


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else "(the log is empty)"


async def grpc_serving(address: str, call_seconds: float = 1.0) -> bool:
    """One standard health check of the whole server ("" service)."""
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            response = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=call_seconds)
        except grpc.RpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING


async def http_ready(url: str, call_seconds: float = 1.0) -> bool:
    try:
        async with httpx.AsyncClient(timeout=call_seconds) as client:
            response = await client.get(f"{url}/healthz")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def wait_ready(child: Child, deadline: float) -> None:
    """Polls the child's health until it is ready, it exits, or the deadline passes."""
    check = http_ready if child.kind == "http" else grpc_serving
    while True:
        assert child.process is not None
        if child.process.returncode is not None:
            raise DevStackError(
                f"{child.name} exited with code {child.process.returncode} while starting; "
                f"the end of {child.log_path}:\n{log_tail(child.log_path)}")
        if await check(child.address):
            child.ready = True
            return
        if time.monotonic() > deadline:
            raise DevStackError(
                f"{child.name} did not report SERVING at {child.address} in time; "
                f"the end of {child.log_path}:\n{log_tail(child.log_path)}")
        await asyncio.sleep(0.1)


async def stop_children(children: list[Child], bound_seconds: float) -> None:
    """SIGTERM to every child (the front first), then SIGKILL to any still alive at the
    bound; returns once every child has been reaped."""
    running = [c for c in reversed(children)
               if c.process is not None and c.process.returncode is None]
    for child in running:
        with contextlib.suppress(ProcessLookupError):
            child.process.send_signal(signal.SIGTERM)
    waits = [asyncio.ensure_future(c.process.wait()) for c in running]
    if not waits:
        return
    _, pending = await asyncio.wait(waits, timeout=bound_seconds)
    if pending:
        for child in running:
            if child.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()
        await asyncio.gather(*pending)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def print_table(console: Console, plan: StackPlan, smtp_port: int, root: Path) -> None:
    table = Table(title="aicmo dev stack")
    for heading in ("component", "address", "metrics", "log / data"):
        table.add_column(heading, overflow="fold")
    for child in plan.children:
        table.add_row(child.name, child.address, f"{HOST}:{child.metrics_port}",
                      _shown(child.log_path, root))
    table.add_row("smtp", f"{HOST}:{smtp_port}", "-", _shown(root / "var" / "mail", root))
    if plan.inbound_smtp_port is not None:
        table.add_row("inbound smtp", f"{HOST}:{plan.inbound_smtp_port}", "-",
                      f"bounce+...@{INBOUND_DOMAIN}")
    for name in plan.missing:
        table.add_row(name, "[yellow]not running[/yellow]", "-", "-")
    console.print(table)


def dev_env_values(plan: StackPlan, smtp_port: int, admin_token: str) -> dict[str, str]:
    values = {f"AICMO_{name.upper()}_ADDR": address for name, address in plan.addresses.items()
              if name != "edge"}
    if "edge" in plan.addresses:
        values["AICMO_EDGE_URL"] = plan.addresses["edge"]
    values["AICMO_SMTP_ADDR"] = f"{HOST}:{smtp_port}"
    if plan.inbound_smtp_port is not None:
        values["AICMO_INBOUND_SMTP_ADDR"] = f"{HOST}:{plan.inbound_smtp_port}"
    values["AICMO_TOKEN"] = admin_token
    return values


async def run_dev_up(options: DevUpOptions, console: Console,
                     on_ready: Callable[[StackPlan], None] | None = None) -> int:
    """Runs the stack until SIGINT/SIGTERM. Returns the process exit code."""
    var = options.root / "var"
    var.mkdir(parents=True, exist_ok=True)
    env_file, state_file = var / devfiles.ENV_FILE, var / STATE_FILE
    # A dev.env left by an earlier run would point the CLI at ports nobody serves.
    env_file.unlink(missing_ok=True)
    state_file.unlink(missing_ok=True)
    secrets = devfiles.load_or_create_secrets(var)
    services, with_edge = installed_services(), edge_installed()
    if options.only is not None:
        unknown = sorted(set(options.only) - {c.name for c in topology.COMPONENTS})
        if unknown:
            raise DevStackError(f"--only names unknown parts: {', '.join(unknown)}")
        services = [name for name in services if name in options.only]
        with_edge = with_edge and "edge" in options.only
    plan = plan_stack(options, services, with_edge)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    smtp, smtp_port = await start_smtp_server(EmlMailbox(var / "mail"), HOST, 0)
    exit_code = 0
    try:
        for child in plan.children:
            await start_child(child, child_environment(child, plan, options, secrets,
                                                       smtp_port))
        deadline = time.monotonic() + options.ready_timeout_seconds
        readiness = asyncio.ensure_future(
            asyncio.gather(*(wait_ready(child, deadline) for child in plan.children)))
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({readiness, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not readiness.done():
            readiness.cancel()
            with contextlib.suppress(asyncio.CancelledError, DevStackError):
                await readiness
            console.print("[yellow]interrupted while starting; stopping[/yellow]")
            return 0
        stopped.cancel()
        readiness.result()  # raises DevStackError naming the part that failed

        admin = TokenSigner(secrets.token_secret).issue(
            "dev-admin", Role.ADMIN, ttl_seconds=ADMIN_TOKEN_TTL_SECONDS)
        print_table(console, plan, smtp_port, options.root)
        state_file.write_text(json.dumps({
            "pid": os.getpid(),
            "children": {c.name: {"pid": c.process.pid, "address": c.address,
                                  "metrics_port": c.metrics_port, "log": str(c.log_path)}
                         for c in plan.children},
            "smtp": f"{HOST}:{smtp_port}",
            "inbound_smtp": (f"{HOST}:{plan.inbound_smtp_port}"
                             if plan.inbound_smtp_port is not None else None),
            "missing": plan.missing,
        }, indent=2) + "\n", encoding="utf-8")
        # dev.env last: it is what tells a waiting script that everything is ready.
        devfiles.write_env_file(env_file, dev_env_values(plan, smtp_port, admin))
        console.print(f"ready: the CLI reads {env_file}; mail lands in {var / 'mail'}. "
                      "Ctrl-C stops everything.")
        if on_ready is not None:
            on_ready(plan)

        exits = {asyncio.ensure_future(c.process.wait()): c for c in plan.children}
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({stopped, *exits}, return_when=asyncio.FIRST_COMPLETED)
        if stopped not in done:
            for task in done:
                child = exits[task]
                console.print(f"[red]{child.name} exited unexpectedly with code "
                              f"{child.process.returncode}[/red]; the end of "
                              f"{child.log_path}:\n{log_tail(child.log_path)}")
            exit_code = 1
        stopped.cancel()
        for task in exits:
            task.cancel()
        console.print("stopping the stack...")
    except DevStackError as error:
        console.print(f"[red]aicmo dev up failed:[/red] {error}")
        exit_code = 1
    finally:
        await stop_children(plan.children, options.stop_timeout_seconds)
        smtp.close()
        await smtp.wait_closed()
        env_file.unlink(missing_ok=True)
        state_file.unlink(missing_ok=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    if exit_code == 0:
        console.print("stopped.")
    return exit_code
