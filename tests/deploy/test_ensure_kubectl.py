"""deploy/tools/ensure-kubectl.sh, run against stand-ins for kubectl and apt-get."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

STAND_IN = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
{extra}
"""


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH holding only a shell and the basic tools the script uses."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("sh", "id", "basename", "chmod"):
        (folder / tool).symlink_to(shutil.which(tool))
    return folder


def stand_in(folder: Path, name: str, log: Path, extra: str = "") -> None:
    path = folder / name
    path.write_text(STAND_IN.format(log=log, extra=extra))
    path.chmod(0o755)


def run(repo: Path, bin_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(repo / "deploy" / "tools" / "ensure-kubectl.sh")],
                          env={**os.environ, "PATH": str(bin_dir)}, capture_output=True,
                          text=True, timeout=30, check=False)


@pytest.fixture(autouse=True)
def posix_tools():
    if os.name != "posix" or not all(shutil.which(t) for t in ("sh", "id", "basename", "chmod")):
        pytest.skip("needs a POSIX shell")


def test_does_nothing_when_kubectl_is_there(repo, bin_dir, tmp_path):
    log = tmp_path / "calls"
    stand_in(bin_dir, "kubectl", log)
    stand_in(bin_dir, "apt-get", log)
    result = run(repo, bin_dir)
    assert result.returncode == 0, result.stderr
    assert not log.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs apt-get directly as root")
def test_installs_kubernetes_client_when_kubectl_is_missing(repo, bin_dir, tmp_path):
    log = tmp_path / "calls"
    # The stand-in apt-get "installs" kubectl the way the package would.
    stand_in(bin_dir, "apt-get", log, extra=f'case "$*" in *install*) '
             f'printf "#!/bin/sh\\n" > "{bin_dir}/kubectl"; chmod +x "{bin_dir}/kubectl";; esac')
    stand_in(bin_dir, "apt-cache", log)
    stand_in(bin_dir, "env", log, extra='shift; exec "$@"')
    result = run(repo, bin_dir)
    assert result.returncode == 0, result.stderr
    calls = log.read_text()
    assert "apt-get update" in calls
    assert "apt-get install -y -qq --no-install-recommends kubernetes-client" in calls
    assert (bin_dir / "kubectl").exists()


def test_without_apt_get_it_says_so_and_lets_the_tests_skip(repo, bin_dir):
    result = run(repo, bin_dir)
    assert result.returncode == 0
    assert "kubectl is missing" in result.stderr
