"""The real services, each in its own process on a free port, for the benchmarks and the
fault tests. A service is started with ``AICMO_GRPC_PORT=0`` and reports the port it bound in
its first JSON log line ("serving"), so no port is ever fixed or guessed.

Beside them, what the bench reads about a process from /proc: its peak and current resident
memory and the CPU time it has used (``CpuAccount`` turns that into CPU per call).

This module imports nothing from ``bench``: the fault tests load it by its path."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class RunningService:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def peak_rss_bytes(self) -> int:
        """The most memory the process has held resident since it started."""
        return peak_rss_bytes(self.process.pid)


def _proc_status_bytes(pid: int, field: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes(pid: int) -> int:
    """A process's peak resident set since it started (VmHWM in /proc/<pid>/status); 0 where
    there is no /proc (the figure is then left out, not guessed)."""
    return _proc_status_bytes(pid, "VmHWM")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat; 0.0 where
    there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The command name may hold spaces; the fields after it are space-separated.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """A process's resident set now (VmRSS); 0 where there is no /proc."""
    return _proc_status_bytes(pid, "VmRSS")


class ServiceProcesses:
    """Starts services as ``python -m aicmo_<name> serve`` and stops them with SIGTERM."""

    def __init__(self, workdir: Path, secret: str, identity_key: str,
                 extra_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.secret = secret
        self.identity_key = identity_key
        self.extra_env = dict(extra_env or {})
        self.running: dict[str, RunningService] = {}
        workdir.mkdir(parents=True, exist_ok=True)

    def environment(self, name: str, database_url: str | None, port: int = 0,
                    env: dict[str, str] | None = None) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_")}
        environ.update({
            "AICMO_TOKEN_SECRET": self.secret,
            "AICMO_IDENTITY_HASH_KEY": self.identity_key,
            "AICMO_GRPC_HOST": "127.0.0.1",
            "AICMO_GRPC_PORT": str(port),
            "AICMO_METRICS_PORT": "off",
            "AICMO_LOG_LEVEL": "info",
            "AICMO_DATABASE_URL": database_url or f"sqlite:///{self.workdir / name}.db",
        })
        for peer, service in self.running.items():
            environ[f"AICMO_{peer.upper()}_ADDR"] = service.address
        if "audit" not in self.running:
            environ["AICMO_AUDIT_ADDR"] = "off"
        environ.update(self.extra_env)
        environ.update(env or {})
        return environ

    def wait_for_relays(self, timeout: float = 600.0) -> None:
        """Waits until every running service (on its SQLite file here) has handed all its
        audit events to audit, so earlier work (an import) is not relayed during a timed
        figure. Polls the outboxes, bounded by ``timeout``."""
        deadline = time.monotonic() + timeout
        paths = [self.workdir / f"{name}.db" for name in self.running if name != "audit"]
        while True:
            pending = 0
            for path in paths:
                if path.exists():
                    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
                        pending += db.execute("SELECT count(*) FROM audit_outbox "
                                              "WHERE delivered_at IS NULL").fetchone()[0]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pending} audit events still pending after {timeout:.0f}s")
            time.sleep(0.2)  # polling the outboxes; bounded by the deadline

    def start(self, name: str, *, database_url: str | None = None, port: int = 0,
              env: dict[str, str] | None = None, timeout: float = 60.0) -> RunningService:
        log_path = self.workdir / f"{name}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
        process = subprocess.Popen(
            [sys.executable, "-m", f"aicmo_{name}", "serve"],
            env=self.environment(name, database_url, port, env), cwd=self.workdir,
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        bound = self._wait_for_port(process, log_path, timeout)
        service = RunningService(name, process, bound, log_path)
        self.running[name] = service
        return service

    @staticmethod
    def _wait_for_port(process: subprocess.Popen, log_path: Path, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        offset = 0
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{log_path.stem} exited with {process.returncode}:\n"
                                   + log_path.read_text()[-2000:])
            with open(log_path, "rb") as handle:
                handle.seek(offset)
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if entry.get("message") == "serving" and "port" in entry:
                        return int(entry["port"])
            time.sleep(0.05)  # polling a log file for readiness; bounded by the deadline
        process.kill()
        raise TimeoutError(f"{log_path.stem} did not report its port within {timeout}s")

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to clean up, as in a crash."""
        service = self.running.pop(name)
        service.process.kill()
        service.process.wait()

    def stop(self, name: str, timeout: float = 30.0) -> int:
        service = self.running.pop(name)
        service.process.send_signal(signal.SIGTERM)
        try:
            return service.process.wait(timeout)
        except subprocess.TimeoutExpired:
            service.process.kill()
            return service.process.wait()

    def stop_all(self) -> None:
        for name in list(self.running)[::-1]:
            self.stop(name)

    def __enter__(self) -> ServiceProcesses:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


class CpuAccount:
    """CPU time spent by named processes over the measured stretches, to say what one call
    costs each process (``per(n)``) and so how many calls the machine's cores could carry."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)
        self.spent = dict.fromkeys(self.pids, 0.0)
        self._start: dict[str, float] = {}

    def __enter__(self) -> CpuAccount:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc) -> None:
        for name, pid in self.pids.items():
            self.spent[name] += cpu_seconds(pid) - self._start[name]

    def per(self, calls: int) -> str:
        """'distribution 4.1 ms, leads 2.0 ms, ... = 9.3 ms CPU a call (2 cores: at most
        215/s)'"""
        if not calls:
            return ""
        parts = [f"{name} {seconds / calls * 1000:.1f} ms" for name, seconds in
                 sorted(self.spent.items(), key=lambda item: -item[1])]
        total = sum(self.spent.values()) / calls
        cores = os.cpu_count() or 1
        ceiling = f"; {cores} cores: at most {cores / total:,.0f}/s" if total else ""
        return f"CPU a call: {', '.join(parts)} = {total * 1000:.1f} ms{ceiling}"
