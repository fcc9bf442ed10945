"""Request validation and translation, without a server: every bad field is named, and a page
token only works for the query that made it."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from aicmo.audit.v1 import audit_pb2
from aicmo_audit.domain.model import EntryFilter
from aicmo_audit.entrypoints import messages
from aicmo_audit.service_layer import read
from aicmo_common import pages
from aicmo_common.errors import InvalidArgument


def _event(**fields) -> audit_pb2.AuditEvent:
    values = dict(id="123e4567-e89b-12d3-a456-426614174000", service="venture",
                  entity_type="campaign", entity_id="c-1", action="campaign.created",
                  actor="operator:ops")
    values.update(fields)
    event = audit_pb2.AuditEvent(**values)
    if "occurred_at" not in fields:
        event.occurred_at.FromDatetime(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    return event


def _fields(request: audit_pb2.AppendEventsRequest) -> list[str]:
    _, problems = messages.events_from_request(request)
    return [violation.field for violation in problems.violations]


def test_a_good_event_translates_with_a_canonical_context():
    event = _event(id="123E4567-E89B-12D3-A456-426614174000")
    event.context.update({"count": 3, "ratio": 0.25, "nested": {"ok": True}})
    events, problems = messages.events_from_request(audit_pb2.AppendEventsRequest(
        events=[event]))
    assert not problems
    [translated] = events
    assert translated.id == "123e4567-e89b-12d3-a456-426614174000"
    assert translated.context == {"count": 3, "ratio": 0.25, "nested": {"ok": True}}
    assert isinstance(translated.context["count"], int)
    assert translated.occurred_at == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_every_bad_field_of_every_event_is_named():
    missing = audit_pb2.AuditEvent(id="", service="", entity_type="", entity_id="",
                                   action="", actor="")
    fields = _fields(audit_pb2.AppendEventsRequest(events=[
        _event(),
        _event(id="not-a-uuid"),
        missing,
        _event(id="123e4567e89b12d3a456426614174000"),  # a UUID, but not in canonical form
        _event(entity_id="x" * 129, venture_id="v" * 65, request_id="r" * 129,
               actor="a" * 257, service="s" * 33, action="a" * 65, entity_type="t" * 65),
    ]))
    assert fields == [
        "events[1].id",
        "events[2].id", "events[2].occurred_at", "events[2].service",
        "events[2].entity_type", "events[2].entity_id", "events[2].action", "events[2].actor",
        "events[3].id",
        "events[4].service", "events[4].entity_type", "events[4].entity_id",
        "events[4].action", "events[4].actor", "events[4].venture_id", "events[4].request_id",
    ]


def test_oversized_or_non_finite_context_is_named():
    large = _event()
    large.context.update({"blob": "x" * 40_000})
    infinite = _event()
    infinite.context.update({"score": math.inf})
    assert _fields(audit_pb2.AppendEventsRequest(events=[large, infinite])) == [
        "events[0].context", "events[1].context"]


def test_blank_required_text_is_missing():
    assert _fields(audit_pb2.AppendEventsRequest(events=[_event(actor="   ")])) == [
        "events[0].actor"]


def test_an_empty_or_oversized_batch_is_named_as_events():
    assert _fields(audit_pb2.AppendEventsRequest()) == ["events"]
    assert _fields(audit_pb2.AppendEventsRequest(events=[_event()] * 1001)) == ["events"]


def test_an_out_of_range_timestamp_is_named():
    event = _event()
    event.occurred_at.seconds = 400_000_000_000  # far beyond year 9999
    assert _fields(audit_pb2.AppendEventsRequest(events=[event])) == ["events[0].occurred_at"]


def test_page_tokens_round_trip_and_are_bound_to_their_query():
    where = EntryFilter(venture_id="v-1", start_time=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    token = read.encode_page_token("entries", where, 42)
    assert read.decode_page_token(token, "entries", where) == 42
    assert read.decode_page_token("", "entries", where) is None
    for other_query, other_where in (("trail", where),
                                     ("entries", EntryFilter(venture_id="v-2"))):
        with pytest.raises(InvalidArgument) as caught:
            read.decode_page_token(token, other_query, other_where)
        assert [v.field for v in caught.value.violations] == ["page_token"]
    for garbage in ("%%%", "bm90IGpzb24", token[:-3]):
        with pytest.raises(InvalidArgument):
            read.decode_page_token(garbage, "entries", where)


def test_page_size_defaults_and_caps():
    assert pages.page_size(0) == 50
    assert pages.page_size(7) == 7
    assert pages.page_size(10_000) == 500
    with pytest.raises(InvalidArgument):
        pages.page_size(-1)
