"""A real stack for the gateway's end-to-end tests: `aicmo dev up --ephemeral-ports` in a
temporary folder, once per session, with every service that can start (port 0 everywhere);
the CLI beside it, the edge's secret and stubs on the services.

A module marks the services its CLI tests need with ``pytestmark = pytest.mark.needs(...)``;
the ``aicmo`` fixture skips the test when one of them is not built."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.clients import open_channel
from aicmo_gateway import devfiles, devstack
from tests.e2e.gateway.cli_runner import Aicmo, unique
from tests.support.waiting import process_exited, wait_for_sync

STACK_START_SECONDS = 90


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "needs(*services): the stack services the module's CLI "
                                       "tests need (the test is skipped when one is not built)")


def startable_services() -> list[str]:
    """Services whose server can be built (a half-written service is left out)."""
    return [name for name in devstack.installed_services()
            if devstack.module_exists(f"aicmo_{name}.bootstrap")]


@dataclass
class RunningStack:
    """A dev stack in ``root``: its dev.env values and the parts that run."""

    root: Path
    values: dict[str, str]
    services: list[str]
    has_edge: bool

    def require(self, *services: str) -> None:
        missing = [name for name in services if name not in self.services]
        if missing:
            pytest.skip(f"the {', '.join(missing)} service is not built yet")

    def env(self, **extra: str) -> dict[str, str]:
        """An environment for CLI subprocesses: no AICMO_* from the caller, the stack's
        addresses through var/dev.env in ``root``."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_")}
        base.update(extra)
        return base


def start_stack(root: Path, parts: list[str], extra_env: dict[str, str]
                ) -> tuple[subprocess.Popen, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_")}
    env.update(extra_env)
    log = root / "dev-up.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "aicmo_gateway", "dev", "up", "--ephemeral-ports",
             "--only", ",".join(parts)], cwd=root, env=env, stdout=output,
            stderr=subprocess.STDOUT)
    try:
        wait_for_sync(lambda: (root / "var" / "dev.env").exists(), within=STACK_START_SECONDS,
                      what="the stack to start", give_up=process_exited(process, "dev up"))
    except AssertionError as failure:
        process.kill()
        pytest.fail(f"{failure}:\n{log.read_text()}")
    return process, log


def stop_stack(process: subprocess.Popen, log: Path) -> None:
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"dev up did not stop in time:\n{log.read_text()}")
    assert code == 0, log.read_text()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> RunningStack:
    root = tmp_path_factory.mktemp("stack")
    services = startable_services()
    parts = [*services, *(["edge"] if devstack.edge_installed() else [])]
    # Generous form limits here: the rate-limit test uses its own edge with its own limiter.
    process, log = start_stack(root, parts, {"AICMO_FORM_RATE_LIMIT": "1000"})
    try:
        values = devfiles.read_env_file(root / "var" / "dev.env")
        state = json.loads((root / "var" / devstack.STATE_FILE).read_text())
        yield RunningStack(root, values, [s for s in services if s in state["children"]],
                           "edge" in state["children"])
    finally:
        stop_stack(process, log)


@pytest.fixture
def aicmo(stack, capsys, monkeypatch, request) -> Aicmo:
    """The CLI in the stack's folder, once the services the module ``needs`` run."""
    needs = request.node.get_closest_marker("needs")
    stack.require(*(needs.args if needs else ()))
    return Aicmo(stack.root, capsys, monkeypatch)


@pytest.fixture
def campaign(aicmo) -> tuple[str, str]:
    """A new venture and a DRAFT email campaign of it: (venture id, campaign id)."""
    venture_id = unique("cli")
    aicmo.json("venture", "create", venture_id, "--name", "Cli Co", "--channel", "email",
               "--owner", "owner@cli.test")
    campaign_id = aicmo.json("campaign", "create", "--venture", venture_id, "--name", "C",
                             "--channel", "email")["id"]
    return venture_id, campaign_id


@pytest.fixture
def secret(stack) -> str:
    stack.require("venture", "leads")
    return devfiles.read_secrets(stack.root / "var" / devfiles.SECRETS_FILE).token_secret


@pytest.fixture
async def services(stack, secret):
    token = stack.values["AICMO_TOKEN"]
    venture = open_channel(stack.values["AICMO_VENTURE_ADDR"], token=token, timeout_seconds=5)
    leads = open_channel(stack.values["AICMO_LEADS_ADDR"], token=token, timeout_seconds=5)
    yield venture_pb2_grpc.VentureServiceStub(venture), leads_pb2_grpc.LeadsServiceStub(leads)
    await venture.close()
    await leads.close()
