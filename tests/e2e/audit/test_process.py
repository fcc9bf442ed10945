"""``python -m aicmo_audit serve`` as a real process: migrates, serves on the port it was given
(0 here), and shuts down cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import grpc

from aicmo.audit.v1 import audit_pb2_grpc
from tests.conftest import TOKEN_SECRET, bearer
from tests.e2e.audit.conftest import append_request, make_event


async def _serving_port(process: asyncio.subprocess.Process) -> int:
    """Reads the JSON log lines until the "serving" line, which carries the bound port."""
    while True:
        line = await process.stderr.readline()
        assert line, "the process exited before serving"
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("message") == "serving":
            return int(entry["port"])


async def test_serve_runs_until_sigterm(tmp_path, tokens):
    environ = {**os.environ, "AICMO_TOKEN_SECRET": TOKEN_SECRET,
               "AICMO_DATABASE_URL": f"sqlite:///{tmp_path / 'audit.db'}",
               "AICMO_GRPC_HOST": "127.0.0.1", "AICMO_GRPC_PORT": "0",
               "AICMO_METRICS_PORT": "off", "AICMO_SHUTDOWN_GRACE_SECONDS": "2"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aicmo_audit", "serve", env=environ, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        port = await asyncio.wait_for(_serving_port(process), 30)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = audit_pb2_grpc.AuditServiceStub(channel)
            answer = await stub.AppendEvents(append_request(make_event()),
                                             metadata=bearer(tokens.service), timeout=10)
            assert answer.appended_count == 1
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
