"""Rich errors: every bad field named, and always small enough for a default client."""

from __future__ import annotations

from google.rpc import error_details_pb2

from aicmo_common.errors import (
    TRAILER_BUDGET,
    FieldViolation,
    InvalidArgument,
    NotFound,
    _wire_size,
    to_status,
)


def _bad_request(status) -> error_details_pb2.BadRequest:
    bad = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad)
    return bad


def test_every_violation_is_kept_when_it_fits():
    error = InvalidArgument([FieldViolation("name", "must not be empty"),
                             FieldViolation("timezone", "is not an IANA zone")])
    status = to_status(error)
    assert [v.field for v in _bad_request(status).field_violations] == ["name", "timezone"]


def test_huge_errors_are_cut_to_the_budget_and_say_how_many_were_left_out():
    error = InvalidArgument([FieldViolation(f"lead_ids[{i}]", "x" * 5000) for i in range(2000)])
    status = to_status(error)
    assert _wire_size(status) <= TRAILER_BUDGET
    violations = _bad_request(status).field_violations
    assert violations[0].field == "lead_ids[0]"
    assert violations[-1].field == "*"
    shown = len(violations) - 1
    assert violations[-1].description == f"and {2000 - shown} more"


def test_long_messages_and_metadata_are_clipped():
    status = to_status(NotFound("no such template " + "t" * 50_000,
                                metadata={f"k{i}": "v" * 10_000 for i in range(50)}))
    assert _wire_size(status) <= TRAILER_BUDGET
    assert status.message.endswith("…")
