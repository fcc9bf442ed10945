"""The API reference is rendered from the contract's comments and is never stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _protogen():
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location("protogen", ROOT / "tools" / "protogen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_lists_methods_fields_and_values_with_their_comments(tmp_path):
    protogen = _protogen()
    protogen.generate(tmp_path)
    reference = protogen.api_reference(tmp_path)
    assert reference == protogen.api_reference(tmp_path)  # deterministic
    assert ("| `WatchKillSwitches` | `stream WatchKillSwitchesRequest` | "
            "`stream WatchKillSwitchesResponse` |") in reference
    assert "| `ExportEvents` | `ExportEventsRequest` | `stream ExportEventsResponse` |" \
        in reference
    assert "| `lease_ms` | `int32` | 5 | How long this snapshot may be relied on" in reference
    assert "| `RUN_STATE_HALTING` | 6 | A pause, stop or kill switch halted the run" \
        in reference
    assert "| `propagation` | `KillSwitchPropagation` | 2 |" in reference
    assert "| `channel` | `aicmo.common.v1.Channel` |" in reference
    # Every RPC of every service is in it.
    for proto in (ROOT / "protos").rglob("*.proto"):
        for line in proto.read_text().splitlines():
            if line.strip().startswith("rpc "):
                name = line.split()[1].split("(")[0]
                assert f"| `{name}` |" in reference, name
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == reference
