"""Renders the Kustomize base and overlays once per session for the deployment tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
KUSTOMIZATIONS = {
    "base": REPO / "deploy" / "k8s" / "base",
    "dev": REPO / "deploy" / "k8s" / "overlays" / "dev",
    "prod": REPO / "deploy" / "k8s" / "overlays" / "prod",
}


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl is not installed, so the Kubernetes manifests cannot be rendered: "
                    "run deploy/tools/ensure-kubectl.sh (make test does)")
    return path


@pytest.fixture(scope="session")
def render(kubectl: str) -> Callable[[str], list[dict]]:
    """Returns the objects `kubectl kustomize` renders for "base", "dev" or "prod"."""
    rendered: dict[str, list[dict]] = {}

    def _render(target: str) -> list[dict]:
        if target not in rendered:
            result = subprocess.run([kubectl, "kustomize", str(KUSTOMIZATIONS[target])],
                                    capture_output=True, text=True, timeout=120, check=False)
            assert result.returncode == 0, (
                f"kubectl kustomize {target} failed:\n{result.stderr}")
            rendered[target] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
        return rendered[target]

    return _render


@pytest.fixture(params=list(KUSTOMIZATIONS))
def target(request: pytest.FixtureRequest) -> str:
    """Each of base, dev and prod in turn."""
    return request.param


@pytest.fixture
def objects(target: str, render: Callable[[str], list[dict]]) -> list[dict]:
    return render(target)
