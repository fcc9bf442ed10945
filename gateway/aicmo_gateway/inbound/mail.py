"""Inbound mail to events: bounces (RFC 3464 and the common plain-text kind), complaints (RFC
5965 ARF), auto-replies (RFC 3834 and out-of-office habits), human replies and ``mailto:``
unsubscribes.

A pure function of the raw bytes and the envelope: :func:`parse_mail`. The envelope recipient
is a signed return path (:mod:`aicmo_common.verp`), so the send is known before a byte of the
content is trusted; the content only says *what* happened. Headers are read raw
(``raw_items``) and bodies decoded leniently, so hostile input (truncated MIME, unknown
charsets, header injection, MIME bombs) yields a :class:`Refusal` or fewer facts, never an
exception.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.errors
import email.header
import email.utils
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser

from aicmo_common import verp
from aicmo_gateway.inbound import reply_text
from aicmo_gateway.inbound.events import (
    MAX_DIAGNOSTIC,
    EventKind,
    EventSource,
    InboundEvent,
    Refusal,
    bare_message_id,
    message_ids,
    one_line,
    sha256_hex,
)

log = logging.getLogger("aicmo.edge.inbound")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PARTS = 500
MAX_DEPTH = 30
AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}
_OUT_OF_OFFICE = re.compile(
    r"\b(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"away from (my|the) (desk|office)|on (annual )?(leave|vacation|holiday)|vacation reply|"
    r"i am (currently )?away|abwesenheit|réponse automatique|respuesta automática|"
    r"afwezigheid)\b", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned to sender|delivery status notification|delivery (failure|failed|"
    r"has failed)|mail delivery (failed|failure|system)|failure notice|returned mail|"
    r"could not be delivered|non.?delivery|nicht zustellbar|non remis", re.IGNORECASE)
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@",
                            re.IGNORECASE)
_ENHANCED_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_REPLY = re.compile(r"(?:^\s*|said:\s*)([45]\d\d)(?=[\s-])", re.IGNORECASE | re.MULTILINE)
_ANGLE_ADDRESS = re.compile(r"<([^<>\s@]{1,64}@[^<>\s@]{1,255})>")
_MESSAGE_ID_LINE = re.compile(r"^message-id:\s*(<[^<>\s]{1,500}>)", re.IGNORECASE | re.MULTILINE)
_SUBJECT_PREFIX = re.compile(r"^\s*((re|aw|fwd?|wg|sv|tr)\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class _Context:
    """What every classifier needs besides the message."""

    digest: str
    received_at: dt.datetime
    message_id_domain: str
    secret: str
    domain: str


def parse_mail(raw: bytes, *, recipients: Sequence[str], secret: str, domain: str,
               received_at: dt.datetime, mail_from: str | None = None,
               message_id_domain: str = "",
               max_bytes: int = DEFAULT_MAX_BYTES) -> list[InboundEvent] | Refusal:
    """The events one inbound message carries (possibly none: a delay warning, a "not spam"
    report), or why it was refused. ``recipients`` are the envelope's RCPT TO addresses and
    ``mail_from`` its MAIL FROM ("" for the null sender of a bounce; None when unknown)."""
    if len(raw) > max_bytes:
        return Refusal("too_large", f"the message is larger than {max_bytes} bytes")
    targets: list[verp.ReturnPath] = []
    for recipient in recipients:
        try:
            target = verp.parse(recipient, secret=secret, domain=domain)
        except verp.ForgedReturnPath:
            return Refusal("forged_return_path", "a recipient's return path signature does "
                                                 "not match")
        except verp.InvalidReturnPath:
            continue
        if target not in targets:
            targets.append(target)
    if not targets:
        return Refusal("no_return_path", "no recipient is a return path of this domain")
    context = _Context(sha256_hex(raw), received_at, message_id_domain.lower(), secret,
                       domain)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        events: list[InboundEvent] = []
        for target in targets:
            found = _classify(message, target, context, mail_from)
            if isinstance(found, Refusal):
                return found
            events.extend(found)
    except Exception as error:  # hostile input must never take the receiver down
        log.warning("inbound message unreadable", extra={"fields": {
            "error": type(error).__name__, "sha256": context.digest}})
        return Refusal("unparseable", f"the message could not be read ({type(error).__name__})")
    # The event id is the message's hash; a message that reports on several recipients or
    # sends numbers the rest, so a redelivered message maps onto the same ids.
    return [replace(event, event_id=context.digest if index == 0
                    else f"{context.digest}:{index}")
            for index, event in enumerate(events)]


# -- reading a message safely ---------------------------------------------------------------

def raw_header(message: Message, name: str) -> str:
    """The first ``name`` header, unfolded and undecoded; empty when absent."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value).replace("\r", "").replace("\n", "")
    return ""


def decoded_header(message: Message, name: str) -> str:
    """A free-text header (Subject) with RFC 2047 words decoded, unknown charsets replaced."""
    value = raw_header(message, name)
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, ValueError, UnicodeError, email.errors.HeaderParseError):
        return value


def header_address(message: Message, name: str) -> str:
    """The bare address of an address header (From), lower-cased; empty when none parses."""
    address = email.utils.parseaddr(raw_header(message, name))[1]
    return one_line(address, 320).lower() if "@" in address else ""


def parts(message: Message) -> Iterator[Message]:
    """Every part, depth first, bounded in count and depth (a MIME bomb ends early)."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    count = 0
    while stack and count < MAX_PARTS:
        part, depth = stack.pop()
        count += 1
        yield part
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list) and depth < MAX_DEPTH:
            stack.extend((child, depth + 1) for child in reversed(payload)
                         if isinstance(child, Message))


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # a malformed Content-Type must not stop the walk
        return "text/plain"


def text_of(part: Message) -> str:
    """A leaf part's text: transfer encoding undone, its charset if known, UTF-8 otherwise,
    undecodable bytes replaced."""
    payload = part.get_payload(decode=True)
    if payload is None:
        inner = part.get_payload()
        return inner if isinstance(inner, str) else ""
    charset = "utf-8"
    try:
        charset = part.get_content_charset() or "utf-8"
        codecs.lookup(charset)
    except (LookupError, ValueError, TypeError):
        charset = "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except (LookupError, ValueError, TypeError):
        return payload.decode("utf-8", errors="replace")


def _find(message: Message, *types: str) -> Message | None:
    return next((part for part in parts(message) if content_type(part) in types), None)


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = text_of(part)
    return [HeaderParser().parsestr(block.strip() + "\n")
            for block in re.split(r"\r?\n\s*\r?\n", text) if block.strip()]


def _original(message: Message) -> Message | None:
    """The returned or reported message (or just its headers), when the report carries it."""
    for part in parts(message):
        kind = content_type(part)
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        if kind == "text/rfc822-headers":
            return HeaderParser().parsestr(text_of(part))
    return None


def _first_text(message: Message) -> str:
    """The first text/plain body that is not an attachment (else the first text/html, as
    text); never descends into an attached message."""
    html_text = ""
    for part in parts(message):
        kind = content_type(part)
        if kind == "message/rfc822":
            continue
        disposition = raw_header(part, "Content-Disposition").lower()
        if disposition.startswith("attachment"):
            continue
        if kind == "text/plain":
            return text_of(part)
        if kind == "text/html" and not html_text:
            html_text = reply_text.html_to_text(text_of(part))
    return html_text


def _date(value: str, fallback: dt.datetime) -> dt.datetime:
    if not value:
        return fallback
    try:
        parsed = email.utils.parsedate_to_datetime(value.split(";")[-1].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return fallback
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _typed_address(value: str) -> str:
    """``rfc822; jane@example.com`` -> ``jane@example.com`` (DSN and ARF address fields)."""
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return one_line(address, 320).lower() if "@" in address else ""


# -- classification -------------------------------------------------------------------------

def _classify(message: Message, target: verp.ReturnPath, context: _Context,
              mail_from: str | None) -> list[InboundEvent] | Refusal:
    report = _find(message, "message/feedback-report")
    if report is not None:
        return _complaint(message, report, target, context)
    status = _find(message, "message/delivery-status")
    if status is not None:
        return _delivery_status(message, status, target, context)
    sender = header_address(message, "From")
    answered = _replied_message_id(message, context)
    if is_auto_reply(message):
        return [_event(message, EventKind.AUTO_REPLY, target, context, recipient=sender,
                       message_id=answered)]
    if target.prefix == verp.UNSUBSCRIBE:
        return [_event(message, EventKind.UNSUBSCRIBE, target, context, recipient=sender,
                       message_id=answered)]
    if target.prefix == verp.BOUNCE:
        if _looks_like_bounce(message, mail_from):
            return [_plain_bounce(message, target, context)]
        return Refusal("not_a_bounce", "mail to a bounce address that is neither a delivery "
                                       "report nor a recognisable bounce")
    if _is_unsubscribe_subject(decoded_header(message, "Subject")):
        return [_event(message, EventKind.UNSUBSCRIBE, target, context, recipient=sender,
                       message_id=answered)]
    return [_event(message, EventKind.REPLY, target, context, recipient=sender,
                   message_id=answered, reply_text=reply_text.new_text(_first_text(message)))]


def _event(message: Message, kind: EventKind, target: verp.ReturnPath, context: _Context,
           **fields) -> InboundEvent:
    fields.setdefault("occurred_at", _date(raw_header(message, "Date"), context.received_at))
    return InboundEvent(event_id=context.digest, kind=kind, source=EventSource.INBOUND_SMTP,
                        evidence_sha256=context.digest, send_id=target.send_id, **fields)


def is_auto_reply(message: Message) -> bool:
    """RFC 3834 ``Auto-Submitted`` other than "no", the vendor headers that say the same
    (``X-Autoreply``, ``X-Autorespond``), ``Precedence: auto_reply/bulk/junk``, or an
    out-of-office subject."""
    auto_submitted = raw_header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    for name in ("X-Autoreply", "X-Autorespond"):
        value = raw_header(message, name).strip().lower()
        if value and value != "no":
            return True
    if raw_header(message, "Precedence").strip().lower() in AUTO_PRECEDENCE:
        return True
    return bool(_OUT_OF_OFFICE.search(decoded_header(message, "Subject")))


def _is_unsubscribe_subject(subject: str) -> bool:
    return _SUBJECT_PREFIX.sub("", subject).strip(" .!\t").lower() == "unsubscribe"


def _replied_message_id(message: Message, context: _Context) -> str:
    """The aicmo Message-ID the reply answers: the In-Reply-To or References id at the
    product's mail domain, else the In-Reply-To id as it is."""
    candidates = (message_ids(raw_header(message, "In-Reply-To"))
                  + message_ids(raw_header(message, "References")))
    if context.message_id_domain:
        for candidate in candidates:
            if candidate.lower().rstrip(">").endswith("@" + context.message_id_domain):
                return candidate
    return candidates[0] if candidates else ""


def _original_facts(message: Message, context: _Context) -> tuple[str, str]:
    """(Message-ID, send id from its verified return path) of the returned original."""
    original = _original(message)
    if original is None:
        found = _MESSAGE_ID_LINE.search(_first_text(message))
        return (found.group(1) if found else ""), ""
    message_id = bare_message_id(raw_header(original, "Message-ID"))
    return message_id, _verified_send(raw_header(original, "Return-Path"), context)


def _verified_send(address: str, context: _Context) -> str:
    try:
        return verp.parse(address, secret=context.secret, domain=context.domain).send_id
    except verp.InvalidReturnPath:
        return ""


def _delivery_status(message: Message, status: Message, target: verp.ReturnPath,
                     context: _Context) -> list[InboundEvent]:
    message_id, _ = _original_facts(message, context)
    blocks = _field_blocks(status)
    per_message = blocks[0] if blocks else None
    events = []
    for block in blocks:
        action = raw_header(block, "Action").strip().lower()
        if not action and not raw_header(block, "Status"):
            continue  # the per-message block
        code = _ENHANCED_STATUS.search(raw_header(block, "Status"))
        diagnostic = one_line(raw_header(block, "Diagnostic-Code"), MAX_DIAGNOSTIC)
        if action in ("delayed", "relayed", "expanded"):
            continue  # still being tried, or passed on: nothing final to learn
        if action == "delivered":
            kind = EventKind.DELIVERED
        else:
            kind = _bounce_kind(code.group(1) if code else "", diagnostic)
        recipient = (_typed_address(raw_header(block, "Final-Recipient"))
                     or _typed_address(raw_header(block, "Original-Recipient")))
        when = raw_header(block, "Last-Attempt-Date") or (
            raw_header(per_message, "Arrival-Date") if per_message is not None else "")
        events.append(_event(message, kind, target, context, recipient=recipient,
                             message_id=message_id, status_code=code.group(0) if code else "",
                             diagnostic=diagnostic,
                             occurred_at=_date(when or raw_header(message, "Date"),
                                               context.received_at)))
    return events


def _bounce_kind(status_class: str, diagnostic: str) -> EventKind:
    """5.x.x is permanent, 4.x.x temporary; without a status the SMTP reply code decides,
    and without either the bounce counts as soft (a soft bounce repeated suppresses too, a
    wrong hard bounce would suppress a working address at once)."""
    if status_class == "5":
        return EventKind.BOUNCE_HARD
    if status_class == "4":
        return EventKind.BOUNCE_SOFT
    reply = _SMTP_REPLY.search(diagnostic.split(";", 1)[-1])
    return EventKind.BOUNCE_HARD if reply and reply.group(1)[0] == "5" else EventKind.BOUNCE_SOFT


def _looks_like_bounce(message: Message, mail_from: str | None) -> bool:
    """Sent by the null sender (RFC 5321 section 4.5.5), by a mailer daemon, or titled as
    a bounce."""
    null_sender = mail_from is not None and mail_from.strip() in ("", "<>")
    from_daemon = bool(_BOUNCE_SENDER.match(header_address(message, "From")))
    return null_sender or from_daemon or bool(
        _BOUNCE_SUBJECT.search(decoded_header(message, "Subject")))


def _plain_bounce(message: Message, target: verp.ReturnPath, context: _Context
                  ) -> InboundEvent:
    """A bounce without a delivery-status part ("Undelivered Mail Returned to Sender" in
    prose): the status code and recipient are read from the text when they are there."""
    text = _first_text(message)
    head = text[:20_000]
    code = _ENHANCED_STATUS.search(head)
    diagnostic = ""
    for line in head.splitlines():
        if (code and code.group(0) in line) or _SMTP_REPLY.search(line):
            diagnostic = one_line(line, MAX_DIAGNOSTIC)
            break
    address = _ANGLE_ADDRESS.search(head)
    message_id, _ = _original_facts(message, context)
    return _event(message, _bounce_kind(code.group(1) if code else "", diagnostic), target,
                  context, recipient=one_line(address.group(1), 320).lower() if address else "",
                  message_id=message_id, status_code=code.group(0) if code else "",
                  diagnostic=diagnostic)


def _complaint(message: Message, report: Message, target: verp.ReturnPath,
               context: _Context) -> list[InboundEvent]:
    blocks = _field_blocks(report)
    fields = blocks[0] if blocks else report
    feedback_type = one_line(raw_header(fields, "Feedback-Type"), 50).lower()
    if feedback_type == "not-spam":
        return []  # a report that a message is *not* spam is no complaint
    message_id, original_send = _original_facts(message, context)
    send_id = original_send or _verified_send(raw_header(fields, "Original-Mail-From"),
                                              context)
    complained = target if not send_id else verp.ReturnPath(target.prefix, send_id)
    return [_event(message, EventKind.COMPLAINT, complained, context,
                   recipient=_typed_address(raw_header(fields, "Original-Rcpt-To")),
                   message_id=message_id, feedback_type=feedback_type or "abuse",
                   occurred_at=_date(raw_header(fields, "Arrival-Date")
                                     or raw_header(fields, "Received-Date")
                                     or raw_header(message, "Date"), context.received_at))]
