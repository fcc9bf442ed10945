"""The real services, each in its own process on a free port, for the benchmarks and the
fault tests. A service is started with ``AICMO_GRPC_PORT=0`` and reports the port it bound in
its first JSON log line ("serving"), so no port is ever fixed or guessed."""

from __future__ import annotations

import json
import os
import signal
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
