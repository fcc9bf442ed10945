"""The state a run reports: HALTING while a halted run still has sends with a channel."""

from __future__ import annotations

from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo_distribution.entrypoints.mapping import run_proto
from aicmo_distribution.service_layer.runs import RunView, reported_state


def test_a_halted_run_is_halting_until_no_send_is_sending():
    assert reported_state("HALTED", {"SENDING": 2, "QUEUED": 5}) == "HALTING"
    assert reported_state("HALTED", {"QUEUED": 5, "SENT": 3}) == "HALTED"
    assert reported_state("RUNNING", {"SENDING": 2}) == "RUNNING"


def test_the_api_answers_the_reported_state_with_the_counts():
    row = {"id": "r", "request_id": "q", "campaign_id": "c", "venture_id": "v",
           "template_id": "t", "channel": "EMAIL", "step": 1, "audience": {},
           "dry_run": False, "state": "HALTED", "halt_reason": "paused",
           "halt_block_reasons": ["CAMPAIGN_NOT_RUNNING"], "auto_paused": False,
           "lead_count": 10, "skipped_existing": 0, "planning_done": True,
           "next_wake_at": None, "created_at": None, "updated_at": None, "finished_at": None}
    halting = run_proto(RunView(row, {"SENDING": 4, "QUEUED": 6}))
    assert halting.state == pb.RUN_STATE_HALTING
    assert {c.state: c.count for c in halting.state_counts} == {
        pb.SEND_STATE_SENDING: 4, pb.SEND_STATE_QUEUED: 6}
    assert run_proto(RunView(row, {"SENT": 4, "QUEUED": 6})).state == pb.RUN_STATE_HALTED
