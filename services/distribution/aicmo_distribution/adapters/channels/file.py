"""The file channel: one JSON line per message appended to a file, for local use."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from aicmo_distribution.adapters.channels.webhook import payload_for
from aicmo_distribution.domain.delivery import (
    OPEN,
    DeliveryResult,
    DeliveryStatus,
    Handoff,
    OutboundMessage,
    withheld,
    withheld_result,
)


class FileChannel:
    """Appends each message as a JSON line; a lock keeps lines whole under concurrency."""

    name = "file"
    # deliver opens handoff.content() right before the content starts.
    opens_content = True

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._lock = asyncio.Lock()

    def _append(self, line: bytes) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # One write of a whole line with O_APPEND: concurrent processes never interleave.
        descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    async def deliver(self, message: OutboundMessage, handoff: Handoff | None = None
                      ) -> DeliveryResult:
        stopped = await withheld(handoff)
        if stopped is not None:
            return stopped
        record = payload_for(message) | {"message_id": message.message_id}
        line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        try:
            async with (handoff or OPEN).content() as reasons:
                if reasons:
                    return withheld_result(reasons, "writing")
                async with self._lock:
                    await asyncio.to_thread(self._append, line)
        except OSError as error:
            return DeliveryResult(DeliveryStatus.TRANSIENT,
                                  detail=f"cannot write the channel file: {error.strerror}")
        return DeliveryResult(DeliveryStatus.SENT, provider_message_id=message.message_id,
                              detail="written")

    async def close(self) -> None:
        return None
