"""Email over SMTP (aiosmtplib), with a small pool of reused connections.

The transaction is driven step by step (MAIL, RCPT, DATA), so that DATA starts only after a
look at this replica's kill switches, and so a failure is classified by where it happened: a
refusal before DATA never delivered anything (4xx: try again, 5xx: permanent),
while a connection lost during DATA may have delivered the message, which is reported as
UNKNOWN rather than retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import logging
import quopri
import re
import uuid
from dataclasses import dataclass
from email.header import Header

import aiosmtplib

from aicmo_distribution.domain.delivery import (
    OPEN,
    DeliveryResult,
    DeliveryStatus,
    Handoff,
    OutboundMessage,
    withheld,
    withheld_result,
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


def build_email(message: OutboundMessage, *, date: str | None = None) -> bytes:
    """The message as it goes over the wire (CRLF line ends), with every header a compliant
    bulk sender sets.

    Written out directly rather than through ``email.message.EmailMessage``, for two reasons.
    That class folds any header line past 78 characters, and a long unbreakable value (a
    List-Unsubscribe URL with its token) it turns into RFC 2047 encoded words, which mail
    providers do not decode in a structured header: the one-click unsubscribe would be lost.
    And it costs about half a millisecond a message, a quarter of what a whole send may cost
    in a campaign run. Here only free text is encoded (the sender's name and the subject, as
    RFC 2047 words when they are not plain ASCII); ids and URLs stay as they are.
    """
    headers = [
        ("From", email.utils.formataddr((" ".join(message.from_name.split()),
                                         _one_line(message.from_address)), charset="utf-8")),
        ("To", _one_line(message.to_address)),
        ("Subject", _text_header(message.subject)),
        ("Message-ID", _one_line(message.message_id)),
        ("Date", date or email.utils.format_datetime(dt.datetime.now(dt.UTC))),
    ]
    if message.reply_to:
        headers.append(("Reply-To", _one_line(message.reply_to)))
    links = [f"<mailto:{_one_line(message.unsubscribe_mailto)}?subject=unsubscribe>"
             ] if message.unsubscribe_mailto else []
    if message.unsubscribe_url:
        links.append(f"<{_one_line(message.unsubscribe_url)}>")
    if links:
        headers.append(("List-Unsubscribe", ", ".join(links)))
    if message.unsubscribe_url:
        # RFC 8058: a POST to the URL unsubscribes at once, without a confirmation page.
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    send_id = _one_line(message.send_id)
    headers += [("X-Aicmo-Send-Id", send_id),
                ("X-Aicmo-Campaign-Id", _one_line(message.campaign_id)),
                # Through a provider's relay, its events name the send: SendGrid returns
                # unique_args as custom args, Postmark returns X-PM-Metadata-* as metadata.
                ("X-SMTPAPI", json.dumps({"unique_args": {"send_id": send_id}},
                                         separators=(",", ":"))),
                ("X-PM-Metadata-send_id", send_id),
                ("MIME-Version", "1.0")]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    if not message.body_html:
        return head.encode("ascii") + _text_part(message.body_text, "plain")
    boundary = f"=_aicmo_{uuid.uuid4().hex}"
    return b"".join((
        head.encode("ascii"),
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
        f"--{boundary}\r\n".encode(), _text_part(message.body_text, "plain"),
        f"\r\n--{boundary}\r\n".encode(), _text_part(message.body_html, "html"),
        f"\r\n--{boundary}--\r\n".encode()))


def _one_line(value: str) -> str:
    """A value on one line: a line break inside a header would start another header."""
    return " ".join(value.split()) if ("\r" in value or "\n" in value) else value


def _text_header(value: str) -> str:
    value = " ".join(value.split())
    if value.isascii():
        return value
    # Encoded words of at most 75 characters, folded (RFC 2047 section 2).
    return Header(value, "utf-8", maxlinelen=76, header_name="Subject").encode(linesep="\r\n")


def _text_part(text: str, subtype: str) -> bytes:
    """A text part: 7bit when it is ASCII in short lines, otherwise quoted-printable."""
    # Only CR and LF end a line (str.splitlines would also break at U+2028 and the like).
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    if text.isascii() and all(len(line) <= _MAX_LINE for line in lines):
        body, encoding = "\r\n".join(lines).encode("ascii") + b"\r\n", "7bit"
    else:
        body = quopri.encodestring("\n".join(lines).encode("utf-8") + b"\n")
        body, encoding = body.replace(b"\n", b"\r\n"), "quoted-printable"
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode("ascii") + body


_MAX_LINE = 78
_LINE_BREAK = re.compile("\r\n|\r|\n")


class SmtpChannel:
    """Delivers email to one SMTP server, reusing up to ``pool_size`` connections."""

    name = "smtp"
    # deliver opens handoff.content() right before the content starts.
    opens_content = True

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

    async def deliver(self, message: OutboundMessage, handoff: Handoff | None = None
                      ) -> DeliveryResult:
        payload = build_email(message)
        async with self._slots:
            # The last look comes once a connection is ours, so no wait for one lies between
            # it and MAIL FROM.
            stopped = await withheld(handoff)
            if stopped is not None:
                return stopped
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
                result = await self._transaction(client, message, payload, reused,
                                                 handoff or OPEN)
                if result is None:
                    # A reused connection the server had dropped: nothing was sent, go again
                    # on a fresh one.
                    await self._discard(client)
                    continue
                return result
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail="the SMTP connection was lost")

    async def _transaction(self, client: aiosmtplib.SMTP, message: OutboundMessage,
                           payload: bytes, reused: bool, handoff: Handoff
                           ) -> DeliveryResult | None:
        try:
            await client.mail(message.return_path or message.from_address)
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
            # The envelope is accepted and nothing of the message has gone out. DATA starts
            # only if this replica's kill switches allow it, looked at right now.
            async with handoff.content() as reasons:
                if reasons:
                    await self._reset_or_discard(client)
                    return withheld_result(reasons, "DATA")
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
