"""Running the `aicmo` command in-process (its `run` entry point) or as the installed script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from aicmo_gateway.cli import run


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.code == 0, f"exit {self.code}: {self.stderr}"
        return json.loads(self.stdout)


class Aicmo:
    """Calls the CLI the way a user in the stack's folder would (var/dev.env is found there)."""

    def __init__(self, root: Path, capsys, monkeypatch) -> None:
        self.root = root
        self._capsys = capsys
        for key in [k for k in os.environ if k.startswith("AICMO_")]:
            monkeypatch.delenv(key)
        monkeypatch.chdir(root)

    def __call__(self, *args: str) -> CliResult:
        self._capsys.readouterr()
        code = run(list(args))
        captured = self._capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    def json(self, *args: str):
        return self("--output", "json", *args).json()

    def script(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        """The installed console script in a subprocess: the real entry point and exit code."""
        script = Path(sys.executable).parent / "aicmo"
        command = [str(script)] if script.exists() else [sys.executable, "-m", "aicmo_gateway"]
        environ = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_")}
        environ.update(env or {})
        done = subprocess.run([*command, *args], cwd=self.root, env=environ,
                              capture_output=True, text=True, timeout=60)
        return CliResult(done.returncode, done.stdout, done.stderr)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
