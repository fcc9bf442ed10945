"""dev up's process handling with real child processes: a crash while starting is reported
with the service's name and log tail, a hang hits the bound, SIGKILL follows an ignored
SIGTERM, and a taken port is named before anything starts."""

from __future__ import annotations

import asyncio
import socket
import sys
import time

import pytest

from aicmo_gateway import devstack
from tests.support.waiting import wait_for


async def spawn(tmp_path, name: str, code: str) -> devstack.Child:
    child = devstack.Child(name, "grpc", devstack.free_port(), devstack.free_port(),
                           tmp_path / f"{name}.log")
    log = child.log_path.open("wb")
    try:
        child.process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, stdout=log, stderr=log)
    finally:
        log.close()
    return child


async def wait_for_log(child: devstack.Child, text: str) -> None:
    await wait_for(lambda: text in child.log_path.read_text(), within=20,
                   what=f"{text!r} in the child's log")


async def test_a_child_that_dies_while_starting_is_named_with_its_log(tmp_path):
    child = await spawn(tmp_path, "venture", "import sys; print('boom: bad config'); "
                                             "sys.exit(3)")
    with pytest.raises(devstack.DevStackError) as caught:
        await devstack.wait_ready(child, time.monotonic() + 30)
    message = str(caught.value)
    assert "venture exited with code 3" in message and "boom: bad config" in message


async def test_a_child_that_never_serves_hits_the_bound_and_is_stopped(tmp_path):
    child = await spawn(tmp_path, "leads", "import time; print('stuck', flush=True); "
                                           "time.sleep(60)")
    await wait_for_log(child, "stuck")
    with pytest.raises(devstack.DevStackError, match="leads did not report SERVING"):
        await devstack.wait_ready(child, time.monotonic() + 0.3)
    await devstack.stop_children([child], bound_seconds=10)
    assert child.process.returncode is not None


async def test_sigkill_follows_an_ignored_sigterm(tmp_path):
    child = await spawn(tmp_path, "audit", "import signal, time; "
                        "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                        "print('ignoring', flush=True); time.sleep(60)")
    await wait_for_log(child, "ignoring")
    started = time.monotonic()
    await devstack.stop_children([child], bound_seconds=0.5)
    assert child.process.returncode == -9
    assert time.monotonic() - started < 10


def test_a_taken_port_is_named_before_anything_starts():
    with socket.socket() as holder:
        holder.bind((devstack.HOST, 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(devstack.DevStackError, match=f"port {port} for venture"):
            devstack.ensure_port_free(port, "venture")


def test_children_get_everything_from_the_environment(tmp_path):
    options = devstack.DevUpOptions(root=tmp_path, ephemeral_ports=True)
    plan = devstack.plan_stack(options, ["venture", "leads", "distribution"], True)
    secrets = devstack.devfiles.DevSecrets("t" * 40, "i" * 40)
    by_name = {child.name: child for child in plan.children}
    env = devstack.child_environment(by_name["distribution"], plan, options, secrets, 2525,
                                     base={"AICMO_DATABASE_URL": "postgresql://elsewhere"})
    assert env["AICMO_GRPC_PORT"] == str(by_name["distribution"].port)
    assert env["AICMO_DATABASE_URL"].startswith("sqlite:///")
    assert env["AICMO_DATABASE_URL"].endswith("/var/distribution.db")
    assert env["AICMO_SMTP_PORT"] == "2525" and env["AICMO_SMTP_TLS"] == "none"
    assert env["AICMO_UNSUBSCRIBE_BASE_URL"] == by_name["edge"].address
    assert env["AICMO_AUDIT_ADDR"] == "off"  # no audit in this plan: events wait in outboxes
    assert env["AICMO_VENTURE_ADDR"] == by_name["venture"].address
    leads_env = devstack.child_environment(by_name["leads"], plan, options, secrets, 2525,
                                           base={})
    assert leads_env["AICMO_IDENTITY_HASH_KEY"] == "i" * 40
    assert "AICMO_SMTP_HOST" not in leads_env
    edge_env = devstack.child_environment(by_name["edge"], plan, options, secrets, 2525,
                                          base={})
    assert edge_env["AICMO_HTTP_PORT"] == str(by_name["edge"].port)
    assert "AICMO_DATABASE_URL" not in edge_env
