"""The inbound SMTP receiver: bounces, complaints, replies and ``mailto:`` unsubscribes.

It accepts a recipient only when it is a signed return path of its own domain (550 otherwise,
with the reason when the signature is forged), parses the message at DATA, and answers 250 only
once distribution has answered ``RecordDeliveryEvents`` for its events. When distribution
cannot be reached it answers 451, so the sending MTA keeps the message and tries again later.
A message too large is refused at DATA with 552 (the SIZE limit is announced in EHLO). Nothing
personal is logged: a message is named by its SHA-256.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from aicmo_common import verp
from aicmo_gateway.edge.metrics import EdgeMetrics
from aicmo_gateway.inbound.events import Refusal, sha256_hex
from aicmo_gateway.inbound.handoff import DeliveryEventHandoff, HandoffUnavailable
from aicmo_gateway.inbound.mail import parse_mail
from aicmo_gateway.inbound.quarantine import Quarantine

log = logging.getLogger("aicmo.edge.inbound")

MAX_RECIPIENTS = 20
SOURCE = "inbound_smtp"


class InboundMailHandler:
    """The aiosmtpd handler: RCPT checks the return path, DATA parses and hands off."""

    def __init__(self, *, domain: str, secret: str, handoff: DeliveryEventHandoff,
                 metrics: EdgeMetrics, max_bytes: int, message_id_domain: str = "",
                 quarantine: Quarantine | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.domain = domain.lower()
        self.secret = secret
        self.handoff = handoff
        self.metrics = metrics
        self.max_bytes = max_bytes
        self.message_id_domain = message_id_domain
        self.quarantine = quarantine
        self.clock = clock

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            verp.parse(address, secret=self.secret, domain=self.domain)
        except verp.ForgedReturnPath:
            self.metrics.inbound_refusals.labels(SOURCE, "forged_return_path").inc()
            return "550 5.7.1 Return path signature does not match: forged or altered address"
        except verp.InvalidReturnPath as error:
            self.metrics.inbound_refusals.labels(SOURCE, error.reason).inc()
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        found = await asyncio.to_thread(
            parse_mail, raw, recipients=list(envelope.rcpt_tos), secret=self.secret,
            domain=self.domain, received_at=self.clock(), mail_from=envelope.mail_from,
            message_id_domain=self.message_id_domain, max_bytes=self.max_bytes)
        if isinstance(found, Refusal):
            return await self._refuse(raw, found)
        if not found:
            return "250 2.6.0 Accepted; nothing to record"
        try:
            results = await self.handoff.submit(found)
        except HandoffUnavailable as error:
            log.warning("inbound mail not handed off; the sender will retry", extra={"fields": {
                "sha256": found[0].evidence_sha256, "detail": error.detail}})
            return "451 4.3.0 Temporarily unable to record the message; try again later"
        log.info("inbound mail recorded", extra={"fields": {
            "sha256": found[0].evidence_sha256, "kinds": [e.kind.value for e in found],
            "outcomes": [r.outcome for r in results]}})
        return "250 2.6.0 Recorded"

    async def _refuse(self, raw: bytes, refusal: Refusal) -> str:
        self.metrics.inbound_refusals.labels(SOURCE, refusal.reason).inc()
        digest = sha256_hex(raw)
        log.info("inbound mail refused", extra={"fields": {
            "sha256": digest, "reason": refusal.reason}})
        if refusal.reason == "too_large":
            return f"552 5.3.4 Message too big (at most {self.max_bytes} bytes)"
        if self.quarantine is not None:
            await asyncio.to_thread(self.quarantine.keep, raw, refusal, self.clock())
            return f"250 2.6.0 Kept for review: {refusal.reason}"
        return f"550 5.6.0 Refused: {refusal.reason}: {refusal.detail}"


async def start_smtp_receiver(handler: InboundMailHandler, host: str, port: int
                              ) -> tuple[asyncio.base_events.Server, int]:
    """Serves SMTP on ``host:port`` (0 picks a free port); returns the server and its port."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname=handler.domain, ident="aicmo inbound",
                     enable_SMTPUTF8=True, data_size_limit=handler.max_bytes),
        host=host, port=port)
    return server, server.sockets[0].getsockname()[1]
