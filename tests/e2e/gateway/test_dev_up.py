"""`aicmo dev up` as a user runs it: a subprocess in a fresh folder, every installed part
SERVING, mail landing in var/mail, and Ctrl-C leaving nothing behind."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import stat
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aicmo_gateway import devfiles, devstack
from tests.support.waiting import process_exited, wait_for_sync

START_DEADLINE_SECONDS = 90
STOP_DEADLINE_SECONDS = 40


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped by init has already stopped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def processes_in(folder: Path) -> list[int]:
    """Every live process whose working directory is ``folder`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == folder:
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:  # a zombie is already dead
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def aicmo(folder: Path, env: dict[str, str], *args: str) -> dict:
    """The CLI as a user runs it beside the stack (it finds var/dev.env there)."""
    done = subprocess.run([sys.executable, "-m", "aicmo_gateway", "--output", "json", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def send_through_the_stack(folder: Path, env: dict[str, str]) -> None:
    """venture -> campaign -> lead -> one email, delivered by distribution over SMTP."""
    aicmo(folder, env, "venture", "create", "stack-check", "--name", "Stack Check",
          "--channel", "email", "--owner", "owner@stack.test", "--from-address",
          "hello@stack.test", "--postal-address", "1 Road")
    campaign = aicmo(folder, env, "campaign", "create", "--venture", "stack-check", "--name",
                     "check", "--channel", "email")["id"]
    aicmo(folder, env, "campaign", "start", campaign)
    lead = aicmo(folder, env, "leads", "capture", "--venture", "stack-check", "--campaign",
                 campaign, "--email", "reader@example.org")["lead"]["lead_id"]
    sent = aicmo(folder, env, "send", "--campaign", campaign, "--lead", lead, "--subject",
                 "stack check", "--text", "delivered through every service")
    assert sent["state"] == "sent"
    mail = folder / "var" / "mail"
    found = wait_for_sync(lambda: [p for p in mail.glob("*.eml")
                                   if b"reader@example.org" in p.read_bytes()], within=10,
                          what="the campaign's message in var/mail")
    assert b"delivered through every service" in found[0].read_bytes()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_dev_up_serves_every_installed_part_and_stops_cleanly_on_sigint(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AICMO_")}
    log = tmp_path / "dev-up.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "aicmo_gateway", "dev", "up", "--ephemeral-ports"],
            cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        var = tmp_path / "var"
        wait_for_sync(lambda: (var / "dev.env").exists(), within=START_DEADLINE_SECONDS,
                      what="var/dev.env", give_up=process_exited(process, "dev up", log))
        values = devfiles.read_env_file(var / "dev.env")
        state = json.loads((var / devstack.STATE_FILE).read_text())

        expected = set(devstack.installed_services())
        if devstack.edge_installed():
            expected.add("edge")
        assert set(state["children"]) == expected
        assert "AICMO_TOKEN" in values and "AICMO_SMTP_ADDR" in values

        for name in devstack.installed_services():
            address = values[f"AICMO_{name.upper()}_ADDR"]
            with grpc.insecure_channel(address) as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, name
        if "edge" in expected:
            assert httpx.get(f"{values['AICMO_EDGE_URL']}/healthz", timeout=5).status_code == 200

        secrets = var / devfiles.SECRETS_FILE
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600

        host, port = values["AICMO_SMTP_ADDR"].rsplit(":", 1)
        message = EmailMessage()
        message["From"], message["To"] = "sender@example.com", "someone@example.org"
        message["Subject"], message["Message-ID"] = "hello", "<probe-1@aicmo.test>"
        message.set_content("a message through the local SMTP server")
        with smtplib.SMTP(host, int(port), timeout=10) as smtp:
            smtp.send_message(message)
        stored = var / "mail" / "probe-1@aicmo.test.eml"
        wait_for_sync(stored.exists, within=10, what="the message in var/mail")
        assert b"a message through the local SMTP server" in stored.read_bytes()

        if {"venture", "leads", "distribution"} <= expected:
            send_through_the_stack(tmp_path, env)

        child_pids = [child["pid"] for child in state["children"].values()]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_DEADLINE_SECONDS) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert not [pid for pid in child_pids if alive(pid)]
    assert processes_in(tmp_path) == []
    assert not (tmp_path / "var" / "dev.env").exists()
    assert "stopped." in log.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal")
def test_children_follow_a_dev_up_killed_outright(tmp_path):
    part = "edge" if devstack.edge_installed() else (devstack.installed_services() or [None])[0]
    if part is None:
        pytest.skip("nothing installed to start")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AICMO_")}
    log = tmp_path / "dev-up.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "aicmo_gateway", "dev", "up", "--ephemeral-ports", "--only",
             part], cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_sync(lambda: (tmp_path / "var" / "dev.env").exists(),
                      within=START_DEADLINE_SECONDS, what="var/dev.env",
                      give_up=process_exited(process, "dev up", log))
        state = json.loads((tmp_path / "var" / devstack.STATE_FILE).read_text())
        [child] = [c["pid"] for c in state["children"].values()]
    finally:
        process.kill()  # SIGKILL: no chance to clean up
        process.wait()
    wait_for_sync(lambda: not alive(child), within=30, what="the orphaned child to stop")
    assert processes_in(tmp_path) == []
