"""The one place of proto <-> domain: enums read with every bad one named, timestamps that are
no moment refused, and objects written into the API's messages."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo_common.errors import FieldErrors
from aicmo_distribution.domain.templates import MessageContent
from aicmo_distribution.entrypoints import mapping
from aicmo_distribution.service_layer.dry_run import DryRunPage


def test_states_are_read_and_an_unknown_one_is_named():
    errors = FieldErrors()
    assert mapping.run_state_name(pb.RUN_STATE_HALTED, "state", errors) == "HALTED"
    assert mapping.run_state_name(pb.RUN_STATE_UNSPECIFIED, "state", errors) is None
    assert mapping.send_state_name(pb.SEND_STATE_SENT, "outcome", errors) == "SENT"
    assert mapping.run_state_name(999, "state", errors) is None
    assert mapping.send_state_name(999, "outcome", errors) is None
    assert [v.field for v in errors.violations] == ["state", "outcome"]


def test_a_timestamp_is_a_utc_moment_or_named_as_invalid():
    errors = FieldErrors()
    moment = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert mapping.moment_of(mapping.stamp(moment), "since_time", errors) == moment
    assert mapping.moment_of(timestamp_pb2.Timestamp(seconds=10**12), "since_time",
                             errors) is None
    assert [v.field for v in errors.violations] == ["since_time"]


def test_a_message_goes_out_and_comes_back_the_same():
    content = MessageContent("Hi", "Hello.\n", "<p>Hello.</p>")
    assert mapping.content_of(mapping.message_proto(content)) == content


def test_counts_and_a_dry_run_page_become_their_messages():
    bucket = mapping.count_bucket_proto("EMAIL", "SENT", "2026-03-02", 3)
    assert (bucket.channel, bucket.state, bucket.day, bucket.count) == (
        mapping.channel_value("EMAIL"), pb.SEND_STATE_SENT, "2026-03-02", 3)
    page = DryRunPage(recipients=[
        {"lead_id": "a", "would_send": True, "would_defer": False, "block_reasons": [],
         "already_exists": False, "existing_state": "", "existing_send_id": ""},
        {"lead_id": "b", "would_send": False, "would_defer": False,
         "block_reasons": ["LEAD_SUPPRESSED"], "already_exists": True,
         "existing_state": "SENT", "existing_send_id": "s1"}],
        remaining_quota=4, projected=1, would_send=1, would_defer=0, would_block=0,
        next_token="t", already_existing=1)
    answer = mapping.dry_run_proto(page)
    assert [r.existing_state for r in answer.recipients] == [pb.SEND_STATE_UNSPECIFIED,
                                                             pb.SEND_STATE_SENT]
    assert list(answer.recipients[1].block_reasons) == [pb.BLOCK_REASON_LEAD_SUPPRESSED]
    assert (answer.remaining_quota_today, answer.projected_quota_use, answer.next_page_token,
            answer.already_existing) == (4, 1, "t", 1)
