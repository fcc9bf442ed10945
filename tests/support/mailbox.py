"""A real SMTP server (aiosmtpd) on port 0 in the test process, and the mailbox behind it
that keeps every message it is given."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.message
import email.policy
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    """One message as the SMTP server got it, recorded the moment its DATA arrived."""

    send_id: str  # the X-Aicmo-Send-Id header, "" when there is none
    recipients: list[str]
    sender: str
    message: email.message.EmailMessage
    started_at: float  # wall clock (time.time()), comparable with the services' timestamps


class Mailbox:
    """An aiosmtpd handler keeping every message.

    ``deliveries`` holds every message whose DATA arrived, at once: a message whose sender
    died while the server held it still counts as received. ``messages`` holds those the
    server then accepted (answered 250). ``data_started`` is when each DATA arrived, on the
    test's monotonic clock. ``hold`` (a predicate over the delivery) makes DATA wait for
    ``release``; ``held`` is set once a delivery is being held. ``refuse`` (a function of the
    delivery) may answer it with a reply of its own instead of 250, such as a greylisting
    451 or a 550; a refused delivery is in ``deliveries`` but not in ``messages``."""

    def __init__(self) -> None:
        self.deliveries: list[Received] = []
        self.messages: list[Received] = []
        self.data_started: list[float] = []
        self.hold: Callable[[Received], bool] | None = None
        self.held = asyncio.Event()
        self.release = asyncio.Event()
        self.held_deliveries: list[Received] = []
        self.refuse: Callable[[Received], str | None] | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_started.append(time.monotonic())
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        delivery = Received((parsed.get("X-Aicmo-Send-Id") or "").strip(),
                            list(envelope.rcpt_tos), envelope.mail_from, parsed, time.time())
        self.deliveries.append(delivery)
        if self.hold is not None and self.hold(delivery):
            self.held_deliveries.append(delivery)
            self.held.set()
            await self.release.wait()
        refusal = self.refuse(delivery) if self.refuse is not None else None
        if refusal:
            return refusal
        self.messages.append(delivery)
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        """The accepted messages addressed to ``address``."""
        return [m for m in self.messages if address in m.recipients]

    def by_recipient(self) -> dict[str, int]:
        """How many deliveries each recipient got."""
        return dict(Counter(r for d in self.deliveries for r in d.recipients))

    def by_send(self) -> dict[str, int]:
        """How many deliveries carried each send id."""
        return dict(Counter(d.send_id for d in self.deliveries))


@contextlib.asynccontextmanager
async def smtp_server(mailbox: Mailbox, *, hostname: str = "test-smtp",
                      protocol: Callable[[], SMTP] | None = None) -> AsyncIterator[int]:
    """Serves ``mailbox`` over SMTP on a free port of 127.0.0.1 and yields the port; whatever
    is held is released on exit. ``protocol`` replaces the plain aiosmtpd ``SMTP`` (for a
    test that instruments the protocol itself)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol or (lambda: SMTP(mailbox, hostname=hostname)),
                                      host="127.0.0.1", port=0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        mailbox.release.set()
        server.close()
        await server.wait_closed()
