"""Every ErrorInfo reason the code can send is listed in the contract's ErrorReason enum, so
clients can rely on the enum as the complete list of reasons to branch on."""

from __future__ import annotations

import re
from pathlib import Path

from aicmo.common.v1 import common_pb2
from aicmo_common import errors

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "common", ROOT / "services", ROOT / "gateway"]
LITERAL_REASON = re.compile(r'reason="([A-Z][A-Z0-9_]*)"')


def _declared() -> set[str]:
    prefix = "ERROR_REASON_"
    return {name[len(prefix):] for name in common_pb2.ErrorReason.keys()
            if name != "ERROR_REASON_UNSPECIFIED"}


def _used() -> dict[str, str]:
    used: dict[str, str] = {}
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            for match in LITERAL_REASON.finditer(path.read_text()):
                used.setdefault(match.group(1), str(path.relative_to(ROOT)))
    for error in errors.ServiceError.__subclasses__():
        used.setdefault(error.default_reason, f"aicmo_common.errors.{error.__name__}")
    return used


def test_every_reason_in_the_code_is_in_the_contract():
    declared = _declared()
    missing = {reason: where for reason, where in _used().items() if reason not in declared}
    assert not missing, f"add these to aicmo.common.v1.ErrorReason: {missing}"


def test_the_scan_finds_the_reasons_it_should():
    used = _used()
    for reason in ("VENTURE_SCOPE", "REQUEST_ID_REUSED", "TOKEN_MISSING", "INVALID_ARGUMENT"):
        assert reason in used
