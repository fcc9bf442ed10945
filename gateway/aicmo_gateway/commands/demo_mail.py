"""What the demo's recipients send back over real SMTP to the edge's inbound receiver: the
bounce a receiving server writes (RFC 3464) and a person's reply, built from the message
that was delivered to the local mail folder."""

from __future__ import annotations

import email
import email.policy
import email.utils
import smtplib
from email.message import EmailMessage
from pathlib import Path


def delivered_to(folder: Path, address: str) -> EmailMessage:
    """The newest message in ``folder`` addressed to ``address``."""
    found = []
    for path in folder.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message.get("To", "").strip().lower() == address.lower():
            found.append((path.stat().st_mtime, message))
    if not found:
        raise LookupError(f"no message to {address} in {folder}")
    return max(found, key=lambda pair: pair[0])[1]


def bounce_of(sent: EmailMessage, *, status: str = "5.1.1") -> tuple[str, bytes]:
    """(the return path, the delivery status notification a receiving server sends there)."""
    return_path = sent["Return-Path"].strip("<> ")
    boundary = "demo-report-boundary"
    text = f"""From: MAILER-DAEMON@mx.recipient.example (Mail Delivery System)
To: {return_path}
Subject: Undelivered Mail Returned to Sender
Date: {email.utils.formatdate()}
Message-ID: {email.utils.make_msgid(domain="mx.recipient.example")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

Your message to {sent["To"]} could not be delivered: the user is unknown.

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.recipient.example

Final-Recipient: rfc822; {sent["To"]}
Action: failed
Status: {status}
Diagnostic-Code: smtp; 550 {status} user unknown

--{boundary}
Content-Type: text/rfc822-headers

From: {sent["From"]}
To: {sent["To"]}
Subject: {sent["Subject"]}
Message-ID: {sent["Message-ID"]}

--{boundary}--
"""
    return return_path, text.encode()


def reply_of(sent: EmailMessage, text: str) -> tuple[str, bytes]:
    """(the reply address, a person's answer to ``sent``)."""
    answer = EmailMessage()
    answer["From"] = sent["To"]
    answer["To"] = sent["Reply-To"]
    answer["Subject"] = "Re: " + sent["Subject"]
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = sent["Message-ID"]
    answer["Date"] = email.utils.formatdate()
    answer["Message-ID"] = email.utils.make_msgid(domain="recipient.example")
    quoted = "\n".join("> " + line for line in sent.get_body(("plain",)).get_content()
                       .splitlines())
    answer.set_content(f"{text}\n\nOn {sent['Date']}, {sent['From']} wrote:\n{quoted}\n")
    return sent["Reply-To"], answer.as_bytes()


def send(address: str, recipient: str, raw: bytes) -> None:
    """Hands ``raw`` to the SMTP server at ``address`` (host:port) for ``recipient``."""
    host, port = address.rsplit(":", 1)
    wire = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with smtplib.SMTP(host, int(port), timeout=10) as client:
        client.sendmail("", [recipient], wire)
