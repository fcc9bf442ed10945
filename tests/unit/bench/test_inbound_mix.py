"""The inbound bench's events are what they claim to be: each message and each webhook post it
hands to the edge is read by the edge's own parsers as the kind of event, about the send,
that the bench then expects in leads' ledger."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo_common import signed_body
from aicmo_gateway.inbound import webhooks
from aicmo_gateway.inbound.events import EventKind
from aicmo_gateway.inbound.mail import parse_mail
from bench import inbound
from bench.edge import SMTP_LISTENING, EdgeProcess

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
EDGE = inbound.EdgeAddress("http://127.0.0.1:1", 1, "in.bench.example",
                           "return-path-secret-0123456789abcdef", "webhook-secret-0123456789abcdef")
TO_LEADS = {EventKind.BOUNCE_HARD: lpb.FEEDBACK_KIND_BOUNCE_HARD,
            EventKind.BOUNCE_SOFT: lpb.FEEDBACK_KIND_BOUNCE_SOFT,
            EventKind.COMPLAINT: lpb.FEEDBACK_KIND_COMPLAINT,
            EventKind.REPLY: lpb.FEEDBACK_KIND_REPLY,
            EventKind.AUTO_REPLY: lpb.FEEDBACK_KIND_AUTO_REPLY,
            EventKind.UNSUBSCRIBE: lpb.FEEDBACK_KIND_UNSUBSCRIBE}


def sends(count: int) -> list[inbound.SentMessage]:
    return [inbound.SentMessage(f"0000{index:04d}-8b7d-4c6e-9a5f-1e2d3c4b5a69", f"lead-{index}",
                                f"person{index}@recipient.example",
                                f"<0000{index:04d}-8b7d-4c6e-9a5f-1e2d3c4b5a69@bench.example>")
            for index in range(count)]


def parsed(batch: inbound.Batch) -> list:
    """Every event of the batch as the edge reads it."""
    events = []
    for unit in batch.units:
        if isinstance(unit, inbound.Session):
            for recipient, sender, raw in unit.messages:
                found = parse_mail(raw, recipients=[recipient], secret=EDGE.return_path_secret,
                                   domain=EDGE.domain, received_at=NOW, mail_from=sender,
                                   message_id_domain="bench.example")
                assert isinstance(found, list) and len(found) == 1, found
                events.extend(found)
        else:
            stamp = str(int(NOW.timestamp()))
            headers = {"x-aicmo-timestamp": stamp, "x-aicmo-signature":
                       signed_body.signature(EDGE.webhook_secret, stamp, unit.body)}
            assert webhooks.verify_generic(EDGE.webhook_secret, unit.body, headers,
                                           NOW.timestamp()) is None
            found = webhooks.parse_generic(json.loads(unit.body), "0" * 64, NOW)
            assert isinstance(found, list) and len(found) == unit.events, found
            events.extend(found)
    return events


def test_every_event_is_read_by_the_edge_as_the_kind_leads_is_expected_to_hold():
    batch = inbound.build_batch(sends(100), EDGE, NOW)
    events = parsed(batch)
    assert len(events) == batch.events == 100
    assert {event.send_id: TO_LEADS[event.kind] for event in events} == batch.expected
    assert len({event.event_id for event in events}) == 100  # no event repeats another


def test_the_mix_and_how_it_arrives():
    batch = inbound.build_batch(sends(100), EDGE, NOW)
    kinds = Counter((event.source.value, event.kind.value) for event in parsed(batch))
    assert kinds == Counter({("inbound_smtp", "bounce_hard"): 20,
                             ("inbound_smtp", "complaint"): 10,
                             ("inbound_smtp", "reply"): 20,
                             ("inbound_smtp", "auto_reply"): 10,
                             ("generic", "bounce_soft"): 10, ("generic", "bounce_hard"): 10,
                             ("generic", "unsubscribe"): 10, ("generic", "reply"): 10})
    sessions = [u for u in batch.units if isinstance(u, inbound.Session)]
    posts = [u for u in batch.units if isinstance(u, inbound.Post)]
    assert [len(s.messages) for s in sessions] == [inbound.MESSAGES_PER_SESSION] * 6
    assert [p.events for p in posts] == [inbound.EVENTS_PER_POST, inbound.EVENTS_PER_POST]
    # Interleaved: a post is not left until every session is done.
    assert isinstance(batch.units[-1], inbound.Session)


def test_the_edge_ports_are_read_from_its_log(tmp_path):
    edge = EdgeProcess(tmp_path, {})
    for line in (b"not json",
                 json.dumps({"message": SMTP_LISTENING, "port": 40123}).encode(),
                 json.dumps({"message": "Uvicorn running on http://127.0.0.1:40999 "
                                        "(Press CTRL+C to quit)"}).encode()):
        edge._read_port(line)
    assert (edge.smtp_port, edge.http_port) == (40123, 40999)
    assert edge.http_url == "http://127.0.0.1:40999"
