"""Inbound delivery events end to end: what comes back about sent mail, handed in through the
edge's public interfaces, until leads has applied every event.

Every event answers a real send (made beforehand through a campaign run into the SMTP sink,
not timed). The mix repeats every ten sends: two hard bounces as RFC 3464 delivery status
notifications, one ARF (RFC 5965) complaint, two human replies and one out-of-office
auto-reply, each a message over a real SMTP session to the send's signed return or reply
address at the edge's inbound receiver; and four events (a soft bounce, a hard bounce, an
unsubscribe, a reply) in signed generic-format webhook posts to ``/inbound/events``.

The figure is events / (first byte handed to the edge -> leads' feedback ledger holds a row
for every event). The ledger's row count is read from leads' SQLite file while waiting (a
COUNT, so the wait does not load the leads service); afterwards every event's item is looked
up through ``ListFeedback`` with its send and kind, and every answer of the edge must have
been "recorded" (SMTP 250 Recorded, webhook outcome ``recorded``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib
import grpc
import httpx

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo_common import verp
from aicmo_common.auth import Role, TokenSigner
from aicmo_common.signed_body import signature as generic_signature
from bench.loadgen import run_load
from bench.scenarios import metadata

# One cycle of the mix: (how it arrives, what it is).
SMTP, WEBHOOK = "smtp", "webhook"
MIX = (
    (SMTP, "bounce_hard"), (WEBHOOK, "bounce_soft"), (SMTP, "reply"),
    (SMTP, "complaint"), (WEBHOOK, "bounce_hard"), (SMTP, "auto_reply"),
    (SMTP, "bounce_hard"), (WEBHOOK, "unsubscribe"), (SMTP, "reply"), (WEBHOOK, "reply"),
)
MESSAGES_PER_SESSION = 10  # an MTA hands several messages to one connection
EVENTS_PER_POST = 20  # a provider batches its events into one post
FEEDBACK_KINDS = {
    "bounce_hard": lpb.FEEDBACK_KIND_BOUNCE_HARD, "bounce_soft": lpb.FEEDBACK_KIND_BOUNCE_SOFT,
    "complaint": lpb.FEEDBACK_KIND_COMPLAINT, "reply": lpb.FEEDBACK_KIND_REPLY,
    "auto_reply": lpb.FEEDBACK_KIND_AUTO_REPLY, "unsubscribe": lpb.FEEDBACK_KIND_UNSUBSCRIBE,
}


@dataclass(frozen=True)
class SentMessage:
    """A send that left, as the events about it must name it."""

    send_id: str
    lead_id: str
    recipient: str  # the lead's address, the one the message went to
    message_id: str  # as distribution sent it: <send_id@mail domain>


@dataclass(frozen=True)
class EdgeAddress:
    """Where and how the edge takes inbound events."""

    http_url: str
    smtp_port: int
    domain: str  # the inbound domain of the signed addresses
    return_path_secret: str
    webhook_secret: str


# --- the messages ------------------------------------------------------------------------

def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment)


def hard_bounce(sent: SentMessage, to: str, moment: dt.datetime) -> bytes:
    """An RFC 3464 delivery status notification as Postfix writes one: 5.1.1, user unknown."""
    boundary = f"dsn.{uuid.uuid4().hex}"
    return _crlf(f"""Return-Path: <>
Date: {_date(moment)}
From: MAILER-DAEMON@mx1.recipient.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
Message-Id: <{uuid.uuid4().hex}@mx1.recipient.example>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{sent.recipient}>: host mailstore.recipient.example said: 550 5.1.1
    <{sent.recipient}>: Recipient address rejected: User unknown

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.recipient.example
Arrival-Date: {_date(moment)}

Final-Recipient: rfc822; {sent.recipient}
Original-Recipient: rfc822;{sent.recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mailstore.recipient.example
Diagnostic-Code: smtp; 550 5.1.1 <{sent.recipient}>: Recipient address rejected: User
    unknown in virtual mailbox table

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <{to}>
From: Bench <hello@bench.example>
To: {sent.recipient}
Subject: Hello
Message-ID: {sent.message_id}

--{boundary}--
""")


def complaint(sent: SentMessage, to: str, moment: dt.datetime) -> bytes:
    """An ARF (RFC 5965) abuse report from a mailbox provider's feedback loop."""
    boundary = f"arf.{uuid.uuid4().hex}"
    return _crlf(f"""Return-Path: <>
Date: {_date(moment)}
From: Feedback Loop <fbl@mailbox-provider.example>
To: {to}
Subject: FW: Hello
Message-ID: <fbl-{uuid.uuid4().hex}@mailbox-provider.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP 192.0.2.1.

--{boundary}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <{to}>
Original-Rcpt-To: <{sent.recipient}>
Arrival-Date: {_date(moment)}
Reporting-MTA: dns; mail.mailbox-provider.example
Source-IP: 192.0.2.1

--{boundary}
Content-Type: message/rfc822
Content-Disposition: inline

Return-Path: <{to}>
From: Bench <hello@bench.example>
To: {sent.recipient}
Subject: Hello
Message-ID: {sent.message_id}

Hi, do you have ten minutes this week?

--{boundary}--
""")


def auto_reply(sent: SentMessage, to: str, moment: dt.datetime) -> bytes:
    """An out-of-office answer (RFC 3834 Auto-Submitted)."""
    return _crlf(f"""Date: {_date(moment)}
From: {sent.recipient}
To: {to}
Subject: Automatic reply: Hello
In-Reply-To: {sent.message_id}
References: {sent.message_id}
Auto-Submitted: auto-replied
Message-ID: <{uuid.uuid4().hex}@customer.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

I am out of the office until Monday with limited access to e-mail.
""")


def reply(sent: SentMessage, to: str, moment: dt.datetime) -> bytes:
    """A person's answer, quoting the message it answers."""
    return _crlf(f"""Date: {_date(moment)}
From: {sent.recipient}
To: {to}
Subject: Re: Hello
In-Reply-To: {sent.message_id}
References: {sent.message_id}
Message-ID: <{uuid.uuid4().hex}@mail.prospect.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Thanks for reaching out, the price is a bit high for us right now.
Could we talk again next quarter?

On Tue, Bench <hello@bench.example> wrote:
> Hi, do you have ten minutes this week?
""")


_MAIL = {"bounce_hard": (hard_bounce, verp.BOUNCE), "complaint": (complaint, verp.BOUNCE),
         "auto_reply": (auto_reply, verp.REPLY), "reply": (reply, verp.REPLY)}


def webhook_event(sent: SentMessage, kind: str, moment: dt.datetime) -> dict:
    """One event of the generic format about ``sent``."""
    event = {"id": uuid.uuid4().hex, "kind": kind, "send_id": sent.send_id,
             "recipient": sent.recipient, "occurred_at": moment.isoformat()}
    if kind.startswith("bounce"):
        event.update(status_code="5.1.1" if kind == "bounce_hard" else "4.2.2",
                     diagnostic="mailbox unavailable" if kind == "bounce_hard"
                     else "mailbox full")
    if kind == "reply":
        event["reply_text"] = "Interesting. Could you send me the pricing?"
    return event


# --- what is handed in -------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """One SMTP session: (envelope recipient, MAIL FROM, message) delivered back to back."""

    messages: list[tuple[str, str, bytes]]


@dataclass(frozen=True)
class Post:
    """One webhook post: its JSON body (a list of events)."""

    body: bytes
    events: int


@dataclass(frozen=True)
class Batch:
    """Everything one repetition hands in, and what leads must hold afterwards."""

    units: list[Session | Post]
    expected: dict[str, int]  # send id -> the FeedbackKind leads must hold for it

    @property
    def events(self) -> int:
        return len(self.expected)


def build_batch(sends: list[SentMessage], edge: EdgeAddress, now: dt.datetime) -> Batch:
    """One event per send, in the order of :data:`MIX`; the sessions and posts interleaved
    in the order their first event came, so both kinds arrive over the whole window."""
    units: list[tuple[int, Session | Post]] = []
    mail: list[tuple[str, str, bytes]] = []
    posted: list[dict] = []
    first_mail = first_post = 0
    expected: dict[str, int] = {}

    def close_session() -> None:
        if mail:
            units.append((first_mail, Session(list(mail))))
            mail.clear()

    def close_post() -> None:
        if posted:
            units.append((first_post, Post(json.dumps(posted).encode(), len(posted))))
            posted.clear()

    for index, sent in enumerate(sends):
        way, kind = MIX[index % len(MIX)]
        expected[sent.send_id] = FEEDBACK_KINDS[kind]
        if way == SMTP:
            build, prefix = _MAIL[kind]
            to = verp.address(sent.send_id, secret=edge.return_path_secret, domain=edge.domain,
                              prefix=prefix)
            first_mail = first_mail if mail else index
            mail.append((to, "" if prefix == verp.BOUNCE else sent.recipient,
                         build(sent, to, now)))
            if len(mail) == MESSAGES_PER_SESSION:
                close_session()
        else:
            first_post = first_post if posted else index
            posted.append(webhook_event(sent, kind, now))
            if len(posted) == EVENTS_PER_POST:
                close_post()
    close_session()
    close_post()
    return Batch([unit for _, unit in sorted(units, key=lambda pair: pair[0])], expected)


async def _deliver_session(session: Session, edge: EdgeAddress) -> None:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=edge.smtp_port, timeout=60,
                             start_tls=False, use_tls=False)
    await client.connect()
    try:
        for recipient, sender, raw in session.messages:
            refused, answer = await client.sendmail(sender, [recipient], raw)
            if refused or not answer.startswith("2.6.0 Recorded"):
                raise RuntimeError(f"the inbound receiver answered {answer!r} {refused}")
    finally:
        with contextlib.suppress(aiosmtplib.SMTPException):
            await client.quit()


async def _deliver_post(post: Post, edge: EdgeAddress, http: httpx.AsyncClient) -> None:
    stamp = str(int(time.time()))
    response = await http.post(f"{edge.http_url}/inbound/events", content=post.body, headers={
        "content-type": "application/json", "x-aicmo-timestamp": stamp,
        "x-aicmo-signature": generic_signature(edge.webhook_secret, stamp, post.body)})
    if response.status_code != 200:
        raise RuntimeError(f"the webhook answered {response.status_code}: {response.text[:300]}")
    outcomes = [result["outcome"] for result in response.json()["results"]]
    if len(outcomes) != post.events or set(outcomes) != {"recorded"}:
        raise RuntimeError(f"the webhook recorded {outcomes.count('recorded')} of "
                           f"{post.events} events: {sorted(set(outcomes))}")


@dataclass(frozen=True)
class InboundResult:
    events: int
    handed_seconds: float  # until the edge had answered for every event
    applied_seconds: float  # until leads' ledger held every event

    @property
    def rate(self) -> float:
        return self.events / self.applied_seconds if self.applied_seconds else 0.0


def feedback_rows(leads_db: Path) -> int:
    """Rows of leads' feedback ledger, read from its SQLite file."""
    with contextlib.closing(sqlite3.connect(leads_db, timeout=30)) as db:
        return int(db.execute("SELECT count(*) FROM feedback_items").fetchone()[0])


async def hand_in(batch: Batch, edge: EdgeAddress, *, concurrency: int,
                  applied: Callable[[], int], within: float = 600.0) -> InboundResult:
    """Hands ``batch`` to the edge, ``concurrency`` sessions and posts in flight, and waits
    until ``applied()`` (leads' ledger rows) has grown by one row per event."""
    before = applied()
    async with httpx.AsyncClient(timeout=60) as http:
        async def unit(index: int) -> None:
            item = batch.units[index]
            if isinstance(item, Session):
                await _deliver_session(item, edge)
            else:
                await _deliver_post(item, edge, http)

        started = time.perf_counter()
        load = await run_load(unit, total=len(batch.units), concurrency=concurrency)
        handed = time.perf_counter() - started
    if load.errors:
        raise RuntimeError(f"{load.errors} of {len(batch.units)} sessions and posts failed, "
                           f"the first with {load.first_error}")
    deadline = time.monotonic() + within
    while applied() - before < batch.events:
        if time.monotonic() > deadline:
            raise TimeoutError(f"leads applied {applied() - before} of {batch.events} events "
                               f"within {within:.0f}s")
        await asyncio.sleep(0.01)  # polling the ledger's row count; bounded by the deadline
    return InboundResult(batch.events, handed, time.perf_counter() - started)


# --- the sends they answer, and the proof they landed ------------------------------------

async def _pages(method, request, admin):
    """Every page of a List call, following its page tokens."""
    while True:
        page = await method(request, metadata=admin)
        yield page
        if not page.next_page_token:
            return
        request.page_token = page.next_page_token


async def sent_messages(distribution_address: str, leads_address: str, signer: TokenSigner,
                        *, campaign_id: str, venture_id: str, mail_domain: str
                        ) -> dict[int, list[SentMessage]]:
    """Every SENT send of the campaign by step, with its lead's address."""
    admin = metadata(signer.issue("bench-operator", Role.ADMIN))
    emails: dict[str, str] = {}
    async with grpc.aio.insecure_channel(leads_address) as channel:
        leads = leads_pb2_grpc.LeadsServiceStub(channel)
        async for page in _pages(leads.ListLeads, lpb.ListLeadsRequest(
                venture_id=venture_id, page_size=500), admin):
            emails.update((lead.lead_id, lead.email) for lead in page.leads)
    by_step: dict[int, list[SentMessage]] = {}
    async with grpc.aio.insecure_channel(distribution_address) as channel:
        distribution = distribution_pb2_grpc.DistributionServiceStub(channel)
        async for page in _pages(distribution.ListSends, dpb.ListSendsRequest(
                campaign_id=campaign_id, state=dpb.SEND_STATE_SENT, page_size=500), admin):
            for job in page.sends:
                by_step.setdefault(job.step, []).append(SentMessage(
                    job.id, job.lead_id, emails[job.lead_id],
                    job.message_id or f"<{job.id}@{mail_domain}>"))
    return by_step


async def check_ledger(leads_address: str, signer: TokenSigner, *, campaign_id: str,
                       expected: dict[str, int]) -> None:
    """Every expected (send, kind) is an item of leads' ledger, read through ListFeedback."""
    admin = metadata(signer.issue("bench-operator", Role.ADMIN))
    found: dict[str, set[int]] = {}
    async with grpc.aio.insecure_channel(leads_address) as channel:
        leads = leads_pb2_grpc.LeadsServiceStub(channel)
        async for page in _pages(leads.ListFeedback, lpb.ListFeedbackRequest(
                campaign_id=campaign_id, page_size=500), admin):
            for item in page.items:
                found.setdefault(item.send_id, set()).add(item.kind)
    missing = [send_id for send_id, kind in expected.items()
               if kind not in found.get(send_id, ())]
    if missing:
        raise RuntimeError(f"{len(missing)} of {len(expected)} events have no feedback item "
                           f"in leads (ListFeedback), e.g. send {missing[0]}")
