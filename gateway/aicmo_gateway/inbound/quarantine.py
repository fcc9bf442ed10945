"""Refused inbound mail kept apart for review: ``<sha256>.eml`` and ``<sha256>.json`` (the
reason, the detail and when it arrived) in one folder. The same message twice is one entry."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from aicmo_gateway.inbound.events import Refusal, sha256_hex


class Quarantine:
    """A folder of refused messages; writes are atomic, so a reader never sees half a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def keep(self, raw: bytes, refusal: Refusal, received_at: dt.datetime) -> Path:
        digest = sha256_hex(raw)
        target = self.folder / f"{digest}.eml"
        self._write(target, raw)
        self._write(self.folder / f"{digest}.json", json.dumps({
            "reason": refusal.reason, "detail": refusal.detail,
            "received_at": received_at.isoformat(), "sha256": digest, "bytes": len(raw),
        }, indent=2).encode("utf-8"))
        return target

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
