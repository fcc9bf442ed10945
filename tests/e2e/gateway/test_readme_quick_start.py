"""The README's quick start, pasted as it is into a shell beside a running dev stack."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MARKER = "<!-- quick start:"


def quick_start_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER):]
    match = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert match, "the quick start has no sh block after its marker"
    return match.group(1)


def test_the_quick_start_pastes_as_is(stack):
    stack.require("venture", "leads", "distribution", "audit")
    block = quick_start_block()
    assert "..." not in block and "<" not in block.replace("<<", "")  # nothing to fill in
    # The stack's folder stands in for the repository folder: the same .venv and examples.
    venv = stack.root / ".venv"
    if not venv.exists():
        venv.symlink_to(Path(sys.prefix))  # the virtual environment running the tests
    shutil.copytree(ROOT / "examples", stack.root / "examples", dirs_exist_ok=True)
    env = stack.env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=stack.root, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    reports = list((stack.root / "reports").rglob("*.html"))
    assert reports, done.stdout
    mail = [p.read_bytes() for p in (stack.root / "var" / "mail").glob("*.eml")]
    sent_to = {address for address in ("ada@example.com", "grace@example.com",
                                        "alan@example.com", "edsger@example.com")
               if any(f"To: {address}".encode() in raw for raw in mail)}
    # Everyone but the person who opted out.
    assert sent_to == {"ada@example.com", "grace@example.com", "alan@example.com"}
