"""Email over SMTP (aiosmtplib), with a small pool of reused connections.

The transaction is driven step by step (MAIL, RCPT, DATA) so a failure is classified by where
it happened: a refusal before DATA never delivered anything (4xx: try again, 5xx: permanent),
while a connection lost during DATA may have delivered the message, which is reported as
UNKNOWN rather than retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import aiosmtplib

from aicmo_distribution.domain.delivery import (
    DeliveryResult,
    DeliveryStatus,
    OutboundMessage,
)

log = logging.getLogger("aicmo.distribution.smtp")

TLS_MODES = ("none", "starttls", "tls")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to reach the SMTP server (from AICMO_SMTP_*)."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    tls: str = "starttls"
    timeout_seconds: float = 10.0
    pool_size: int = 4
    validate_certs: bool = True


def build_email(message: OutboundMessage) -> EmailMessage:
    """The MIME message with every header a compliant bulk sender sets."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = email.utils.formataddr((message.from_name, message.from_address))
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    if message.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        # RFC 8058: a POST to the URL unsubscribes at once, without a confirmation page.
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["X-Aicmo-Send-Id"] = message.send_id
    mail["X-Aicmo-Campaign-Id"] = message.campaign_id
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    return mail


class SmtpChannel:
    """Delivers email to one SMTP server, reusing up to ``pool_size`` connections."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(max(settings.pool_size, 1))
        self._closed = False

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.host, port=s.port, username=s.username, password=s.password,
            timeout=s.timeout_seconds, use_tls=s.tls == "tls",
            start_tls=True if s.tls == "starttls" else False,
            validate_certs=s.validate_certs)

    async def _connect(self) -> aiosmtplib.SMTP:
        client = self._client()
        await client.connect()
        return client

    async def deliver(self, message: OutboundMessage) -> DeliveryResult:
        payload = build_email(message).as_bytes()
        async with self._slots:
            for reused_attempt in (True, False):
                client = self._idle.pop() if self._idle and reused_attempt else None
                reused = client is not None
                try:
                    if client is None:
                        client = await self._connect()
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                    return DeliveryResult(DeliveryStatus.TRANSIENT,
                                          detail=f"cannot connect to the SMTP server: "
                                                 f"{type(error).__name__}")
                result = await self._transaction(client, message, payload, reused)
                if result is None:
                    # A reused connection the server had dropped: nothing was sent, go again
                    # on a fresh one.
                    await self._discard(client)
                    continue
                return result
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail="the SMTP connection was lost")

    async def _transaction(self, client: aiosmtplib.SMTP, message: OutboundMessage,
                           payload: bytes, reused: bool) -> DeliveryResult | None:
        try:
            await client.mail(message.from_address)
            await client.rcpt(message.to_address)
        except aiosmtplib.SMTPResponseException as error:
            await self._reset_or_discard(client)
            return _refusal(error, "refused the envelope")
        except (aiosmtplib.SMTPServerDisconnected, OSError, TimeoutError,
                aiosmtplib.SMTPException) as error:
            await self._discard(client)
            if reused and isinstance(error, aiosmtplib.SMTPServerDisconnected):
                return None
            return DeliveryResult(DeliveryStatus.TRANSIENT,
                                  detail=f"SMTP failed before DATA: {type(error).__name__}")
        try:
            response = await client.data(payload)
        except aiosmtplib.SMTPResponseException as error:
            await self._reset_or_discard(client)
            return _refusal(error, "refused the message")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self._discard(client)
            return DeliveryResult(DeliveryStatus.UNKNOWN,
                                  detail=f"SMTP connection lost during DATA: "
                                         f"{type(error).__name__}")
        self._release(client)
        return DeliveryResult(DeliveryStatus.SENT, provider_message_id=message.message_id,
                              detail=f"accepted: {response.code}")

    def _release(self, client: aiosmtplib.SMTP) -> None:
        if self._closed or not client.is_connected:
            return
        self._idle.append(client)

    async def _reset_or_discard(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            await self._discard(client)
            return
        self._release(client)

    async def _discard(self, client: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            client.close()

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for client in idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), 2)
            with contextlib.suppress(Exception):
                client.close()


def _refusal(error: aiosmtplib.SMTPResponseException, what: str) -> DeliveryResult:
    status = DeliveryStatus.PERMANENT if error.code >= 500 else DeliveryStatus.TRANSIENT
    return DeliveryResult(status, detail=f"the SMTP server {what}: {error.code}")
