"""A real stack for the gateway's end-to-end tests: `aicmo dev up --ephemeral-ports` in a
temporary folder, once per session, with every service that can start (port 0 everywhere)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from aicmo_gateway import devfiles, devstack

STACK_START_SECONDS = 90


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
    deadline = time.monotonic() + STACK_START_SECONDS
    while not (root / "var" / "dev.env").exists():
        if process.poll() is not None:
            pytest.fail(f"dev up exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the stack did not start in time:\n{log.read_text()}")
        time.sleep(0.05)
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
