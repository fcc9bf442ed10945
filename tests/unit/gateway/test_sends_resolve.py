"""`aicmo sends resolve`: exactly one verdict and a reason, or a usage error (exit 2)."""

from __future__ import annotations

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo_gateway.commands.distribution import resolution, send_view
from aicmo_gateway.exit_codes import CliError, ExitCode


def test_a_verdict_and_a_reason_make_the_request():
    assert resolution(True, False, " provider log shows it ") == (
        dist_pb2.SEND_STATE_SENT, "provider log shows it")
    assert resolution(False, True, "bounced at the relay") == (
        dist_pb2.SEND_STATE_FAILED, "bounced at the relay")


@pytest.mark.parametrize(("delivered", "not_delivered", "reason", "says"), [
    (True, True, "x", "exactly one"), (False, False, "x", "exactly one"),
    (True, False, "  ", "--reason")])
def test_a_wrong_mix_is_a_usage_error(delivered, not_delivered, reason, says):
    with pytest.raises(CliError) as caught:
        resolution(delivered, not_delivered, reason)
    assert caught.value.exit_code is ExitCode.BAD_USAGE and says in str(caught.value)


def test_the_review_queue_shows_how_far_each_delivery_got():
    view = send_view(dist_pb2.SendJob(id="s", state=dist_pb2.SEND_STATE_UNKNOWN_OUTCOME,
                                      delivery_stage=dist_pb2.DELIVERY_STAGE_CONTENT))
    assert view["state"] == "unknown_outcome" and view["delivery_stage"] == "content"


def test_a_run_shows_its_sends_in_flight_and_queued():
    from aicmo_gateway.commands.distribution import run_view
    view = run_view(dist_pb2.Run(id="r", state=dist_pb2.RUN_STATE_HALTING, state_counts=[
        dist_pb2.StateCount(state=dist_pb2.SEND_STATE_SENDING, count=3),
        dist_pb2.StateCount(state=dist_pb2.SEND_STATE_QUEUED, count=7)]))
    assert (view["state"], view["in_flight"], view["queued"]) == ("halting", 3, 7)
