"""The email as it goes over the wire: every header and body survives a standard parser, the
unsubscribe headers stay literal, and nothing breaks the message's structure."""

from __future__ import annotations

import email
import email.policy
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from aicmo_distribution.adapters.channels.smtp import build_email
from aicmo_distribution.domain.delivery import OutboundMessage

URL = ("https://edge.example/u/eyJsIjoiMGI3YzZkMmUtMTExMS0yMjIyLTMzMzMtNDQ0NDU1NTU2NjY2IiwiYyI6Im"
       "NjY2MifQ.abcdefghijklmnopqrstuvwxyz0123456789")


def message(**changes) -> OutboundMessage:
    values = dict(send_id="0b7c6d2e-1111-2222-3333-444455556666", channel="EMAIL",
                  campaign_id="c-1", venture_id="v-1", lead_id="l-1", step=1,
                  to_address="ada@example.com", from_address="hello@acme.example",
                  from_name="Acme Team", subject="Hello Ada", body_text="Hi Ada,\nbye\n",
                  body_html="", unsubscribe_url=URL, postal_address="1 Road, Town",
                  message_id="<0b7c6d2e-1111-2222-3333-444455556666@aicmo.invalid>")
    values.update(changes)
    return OutboundMessage(**values)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_unsubscribe_headers_stay_literal_however_long_the_url() -> None:
    raw = build_email(message())
    # RFC 2369/8058 headers are structured: an encoded word there is not decoded by mail
    # providers, and the one-click unsubscribe would be lost.
    assert f"\r\nList-Unsubscribe: <{URL}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert b"=?" not in raw.split(b"\r\n\r\n")[0].split(b"List-Unsubscribe")[1]


def test_plain_ascii_message_is_7bit_with_crlf_lines() -> None:
    raw = build_email(message(), date="Tue, 24 Nov 2026 10:00:00 GMT")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Content-Transfer-Encoding: 7bit" in head
    assert body == b"Hi Ada,\r\nbye\r\n"
    assert b"\n" not in raw.replace(b"\r\n", b"")
    parsed = parse(raw)
    assert b"\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n" in head
    assert parsed["Message-ID"] == "<0b7c6d2e-1111-2222-3333-444455556666@aicmo.invalid>"
    assert parsed["X-Aicmo-Send-Id"] == "0b7c6d2e-1111-2222-3333-444455556666"
    assert parsed.get_content_type() == "text/plain"


def test_a_line_break_in_a_header_value_cannot_add_a_header() -> None:
    raw = build_email(message(subject="Hi\r\nBcc: victim@example.com", from_name="A\nB"))
    parsed = parse(raw)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Hi Bcc: victim@example.com"


text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=300) | st.sampled_from(["", "\n", "a\r\n\r\nb", "x\u2028y\x85z",
                                                "." * 200, "é" * 100 + "\r"])


@settings(max_examples=200, deadline=None)
@given(name=text, subject=text, body=text, html=text)
def test_every_field_survives_a_standard_parser(name, subject, body, html) -> None:
    raw = build_email(message(from_name=name, subject=subject, body_text=body,
                              body_html=html))
    head = raw.partition(b"\r\n\r\n")[0]
    assert head.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    parsed = parse(raw)
    assert parsed["From"].addresses[0].addr_spec == "hello@acme.example"
    assert parsed["From"].addresses[0].display_name == " ".join(name.split())
    assert parsed["Subject"] == " ".join(subject.split())
    assert parsed["List-Unsubscribe"] == f"<{URL}>"

    def lines(value: str) -> str:
        value = re.sub("\r\n|\r", "\n", value)
        return value if value.endswith("\n") else value + "\n"

    def content(part) -> str:
        return part.get_content().replace("\r\n", "\n")

    assert content(parsed.get_body(("plain",))) == lines(body)
    if html:
        assert parsed.get_content_type() == "multipart/alternative"
        assert content(parsed.get_body(("html",))) == lines(html)
    else:
        assert parsed.get_content_type() == "text/plain"


def test_provider_relays_can_name_the_send_in_their_events() -> None:
    parsed = email.message_from_bytes(build_email(message()), policy=email.policy.default)
    assert json.loads(parsed["X-SMTPAPI"]) == {"unique_args": {"send_id": parsed[
        "X-Aicmo-Send-Id"]}}
    assert parsed["X-PM-Metadata-send_id"] == parsed["X-Aicmo-Send-Id"]
