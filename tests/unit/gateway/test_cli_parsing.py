"""CLI plumbing without services: option hoisting, durations, channels, windows, exit codes,
where addresses and the token come from."""

from __future__ import annotations

import grpc
import pytest

from aicmo_common import errors
from aicmo_gateway.cli import hoist_global_options
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.token import parse_duration
from aicmo_gateway.connection import Connection
from aicmo_gateway.exit_codes import CliError, ExitCode, describe_rpc_error, exit_code_for


def test_output_option_is_accepted_after_the_subcommand():
    assert hoist_global_options(["venture", "list", "--output", "json"]) == [
        "--output", "json", "venture", "list"]
    assert hoist_global_options(["leads", "list", "--output=json", "--limit", "3"]) == [
        "--output=json", "leads", "list", "--limit", "3"]
    assert hoist_global_options(["x", "--", "--output", "json"]) == ["x", "--", "--output",
                                                                     "json"]


@pytest.mark.parametrize(("text", "seconds"), [("3600", 3600), ("90s", 90), ("15m", 900),
                                               ("12h", 43200), ("30d", 2592000)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-5", "1w", "abc"])
def test_bad_durations_are_usage_errors(text):
    with pytest.raises(CliError) as caught:
        parse_duration(text)
    assert caught.value.exit_code is ExitCode.BAD_USAGE


def test_channels_are_parsed_once_each_and_unknown_ones_refused():
    assert arguments.channel_words(arguments.channels(["email,sms", "email"])) == ["email",
                                                                                   "sms"]
    with pytest.raises(CliError, match="fax"):
        arguments.channels(["fax"])


def test_send_window():
    assert arguments.send_window("mon-fri 09:00-17:30") == ([1, 2, 3, 4, 5], 9, 0, 17, 30)
    assert arguments.send_window("sat,mon 10:00-24:00") == ([6, 1], 10, 0, 24, 0)
    for bad in ("weekdays 9-5", "fri-mon 09:00-10:00", "mon 9:00"):
        with pytest.raises(CliError):
            arguments.send_window(bad)


def test_request_id_must_be_a_uuid():
    assert len(arguments.request_id()) == 36
    with pytest.raises(CliError):
        arguments.request_id("not-a-uuid")


@pytest.mark.parametrize(("code", "expected"), [
    (grpc.StatusCode.INVALID_ARGUMENT, ExitCode.BAD_USAGE),
    (grpc.StatusCode.FAILED_PRECONDITION, ExitCode.REFUSED),
    (grpc.StatusCode.PERMISSION_DENIED, ExitCode.REFUSED),
    (grpc.StatusCode.NOT_FOUND, ExitCode.REFUSED),
    (grpc.StatusCode.UNAVAILABLE, ExitCode.UNAVAILABLE),
    (grpc.StatusCode.DEADLINE_EXCEEDED, ExitCode.UNAVAILABLE),
    (grpc.StatusCode.INTERNAL, ExitCode.UNEXPECTED),
])
def test_exit_code_per_status(code, expected):
    assert exit_code_for(code) is expected


class _FailedCall(grpc.RpcError, grpc.Call):
    """A failed call carrying a rich status, as a real stub raises it."""

    def __init__(self, error: errors.ServiceError) -> None:
        status = errors.to_status(error)
        self._code = error.code
        self._message = error.message
        self._trailers = (("grpc-status-details-bin", status.SerializeToString()),)

    def code(self):
        return self._code

    def details(self):
        return self._message

    def trailing_metadata(self):
        return self._trailers

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


def test_invalid_argument_names_every_bad_field():
    failure = _FailedCall(errors.InvalidArgument([
        errors.FieldViolation("campaign.name", "must not be empty"),
        errors.FieldViolation("campaign.daily_send_limit", "must be zero or more")]))
    described = describe_rpc_error(failure, "venture")
    assert described.exit_code is ExitCode.BAD_USAGE
    assert "campaign.name: must not be empty" in described.details
    assert "campaign.daily_send_limit: must be zero or more" in described.details


def test_refusal_carries_the_reason():
    failure = _FailedCall(errors.FailedPrecondition("cannot start a stopped campaign",
                                                    reason="INVALID_TRANSITION"))
    described = describe_rpc_error(failure, "venture")
    assert described.exit_code is ExitCode.REFUSED
    assert "cannot start a stopped campaign" in described.message
    assert any("INVALID_TRANSITION" in line for line in described.details)


def test_flags_beat_environment_beat_dev_env(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "dev.env").write_text(
        "AICMO_VENTURE_ADDR=from-file:1\nAICMO_LEADS_ADDR=from-file:2\n"
        "AICMO_AUDIT_ADDR=from-file:4\nAICMO_TOKEN=file-token\n")
    connection = Connection.resolve(
        {"venture": "from-flag:1"}, None,
        environ={"AICMO_VENTURE_ADDR": "from-env:1", "AICMO_LEADS_ADDR": "from-env:2"},
        cwd=tmp_path)
    assert connection.addresses == {"venture": "from-flag:1", "leads": "from-env:2",
                                    "audit": "from-file:4"}
    assert connection.token == "file-token"


def test_a_missing_address_is_a_usage_error_that_says_how_to_fix_it(tmp_path):
    connection = Connection.resolve({}, "t", environ={}, cwd=tmp_path)
    with pytest.raises(CliError) as caught:
        connection.channel("leads")
    assert caught.value.exit_code is ExitCode.BAD_USAGE
    assert "AICMO_LEADS_ADDR" in caught.value.message
