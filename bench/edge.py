"""The HTTP edge as the bench runs it: ``python -m aicmo_gateway.edge`` in its own process, its
HTTP port and its inbound SMTP receiver both on port 0. The ports it bound are read from its
JSON log (uvicorn's "running on" line and the receiver's "listening" line), so none is fixed
or guessed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

_UVICORN_RUNNING = re.compile(r"Uvicorn running on https?://[^\s]+:(\d+) ")
SMTP_LISTENING = "inbound SMTP receiver listening"


class EdgeProcess:
    """``with EdgeProcess(workdir, env) as edge``: ``edge.http_url``, ``edge.smtp_port``,
    ``edge.pid``; stopped with SIGTERM on the way out."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.log_path = workdir / "edge.log"
        self.process: subprocess.Popen | None = None
        self.http_port = 0
        self.smtp_port = 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> EdgeProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        environ = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_")}
        environ.update({"AICMO_HTTP_HOST": "127.0.0.1", "AICMO_HTTP_PORT": "0",
                        "AICMO_INBOUND_SMTP_HOST": "127.0.0.1", "AICMO_INBOUND_SMTP_PORT": "0",
                        "AICMO_METRICS_PORT": "off", "AICMO_LOG_LEVEL": "info",
                        "PYTHONUNBUFFERED": "1"})
        environ.update(self.env)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen([sys.executable, "-m", "aicmo_gateway.edge"],
                                        env=environ, cwd=self.workdir, stdout=log,
                                        stderr=subprocess.STDOUT)
        log.close()
        try:
            self._wait_for_ports(60.0)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_for_ports(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the edge exited with {self.process.returncode}:\n"
                                   + self.log_path.read_text()[-2000:])
            for line in self.log_path.read_bytes().splitlines():
                self._read_port(line)
            if self.http_port and self.smtp_port:
                return
            time.sleep(0.05)  # polling a log file for readiness; bounded by the deadline
        raise TimeoutError(f"the edge did not report its ports within {timeout}s")

    def _read_port(self, line: bytes) -> None:
        try:
            entry = json.loads(line)
        except ValueError:
            return
        message = str(entry.get("message", ""))
        if message == SMTP_LISTENING and "port" in entry:
            self.smtp_port = int(entry["port"])
        running = _UVICORN_RUNNING.search(message)
        if running:
            self.http_port = int(running.group(1))

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
