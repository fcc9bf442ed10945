"""The local SMTP server of ``aicmo dev up``: every message received becomes an ``.eml`` file.

It runs inside the dev-up process on its own event loop, so the mail a campaign sends can be
opened with any mail client, and tests can read exactly the bytes the distribution service put
on the wire.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def file_stem(raw_message: bytes) -> str:
    """A file-system-safe name derived from the Message-ID (a fresh id when there is none)."""
    headers = BytesHeaderParser().parsebytes(raw_message)
    message_id = (headers.get("Message-ID") or "").strip().strip("<>")
    stem = _UNSAFE.sub("_", message_id).strip("._")[:150]
    return stem or f"no-message-id-{uuid.uuid4().hex}"


class EmlMailbox:
    """An aiosmtpd handler storing each message under ``folder`` as ``<message-id>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        # As the final delivery does (RFC 5321 4.4): the envelope sender, where bounces go.
        sender = "".join((envelope.mail_from or "").split())
        raw = f"Return-Path: <{sender}>\r\n".encode() + raw
        await asyncio.to_thread(self.store, raw)
        return "250 Message accepted for delivery"

    def store(self, raw: bytes) -> Path:
        """Writes the message atomically, so a reader never sees half a file."""
        stem = file_stem(raw)
        target = self.folder / f"{stem}.eml"
        if target.exists():
            # The same Message-ID twice is exactly what a test wants to notice: keep both.
            target = self.folder / f"{stem}.{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{target.name}.tmp"
        temporary.write_bytes(raw)
        os.replace(temporary, target)
        return target


async def start_smtp_server(mailbox: EmlMailbox, host: str = "127.0.0.1",
                            port: int = 0) -> tuple[asyncio.base_events.Server, int]:
    """Serves SMTP on ``host:port`` (0 picks a free port); returns the server and its port."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mailbox, hostname="aicmo-dev-smtp", enable_SMTPUTF8=True,
                     data_size_limit=25 * 1024 * 1024),
        host=host, port=port)
    bound = server.sockets[0].getsockname()[1]
    return server, bound
