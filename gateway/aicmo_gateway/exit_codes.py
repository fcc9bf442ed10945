"""Exit codes scripts can trust, and the plain-words message for every expected failure."""

from __future__ import annotations

import enum

import grpc

from aicmo_common.errors import ErrorDetails, decode_rpc_error


class ExitCode(enum.IntEnum):
    """What ``aicmo`` returns to the shell."""

    OK = 0
    UNEXPECTED = 1
    BAD_USAGE = 2  # bad flags, or a request the service found invalid
    REFUSED = 3  # the service understood and said no (permission, precondition, not found)
    UNAVAILABLE = 4  # the service could not be reached or did not answer in time


_BY_CODE: dict[grpc.StatusCode, ExitCode] = {
    grpc.StatusCode.INVALID_ARGUMENT: ExitCode.BAD_USAGE,
    grpc.StatusCode.OUT_OF_RANGE: ExitCode.BAD_USAGE,
    grpc.StatusCode.NOT_FOUND: ExitCode.REFUSED,
    grpc.StatusCode.ALREADY_EXISTS: ExitCode.REFUSED,
    grpc.StatusCode.PERMISSION_DENIED: ExitCode.REFUSED,
    grpc.StatusCode.UNAUTHENTICATED: ExitCode.REFUSED,
    grpc.StatusCode.FAILED_PRECONDITION: ExitCode.REFUSED,
    grpc.StatusCode.ABORTED: ExitCode.REFUSED,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ExitCode.REFUSED,
    grpc.StatusCode.UNAVAILABLE: ExitCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ExitCode.UNAVAILABLE,
}


class CliError(Exception):
    """An expected failure: printed without a traceback, exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.BAD_USAGE,
                 details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.details = details or []


def exit_code_for(code: grpc.StatusCode) -> ExitCode:
    return _BY_CODE.get(code, ExitCode.UNEXPECTED)


def describe_rpc_error(error: grpc.RpcError, service: str | None = None) -> CliError:
    """Turns a failed call into the message and exit code the user sees."""
    details: ErrorDetails = decode_rpc_error(error)
    code = details.code if isinstance(details.code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
    who = f"the {service} service" if service else "the service"
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        verb = "is unavailable" if code is grpc.StatusCode.UNAVAILABLE else "did not answer in time"
        message = f"{who} {verb}: {details.message or code.name}"
    elif code is grpc.StatusCode.INVALID_ARGUMENT:
        message = f"{who} found the request invalid"
        if not details.field_violations and details.message:
            message += f": {details.message}"
    else:
        message = f"{who} refused the request" if exit_code_for(code) is ExitCode.REFUSED \
            else f"{who} answered {code.name}"
        message += f": {details.message}" if details.message else ""
    lines = []
    if details.reason:
        lines.append(f"reason: {details.reason}")
    for violation in details.field_violations:
        lines.append(f"{violation.field}: {violation.description}")
    return CliError(message, exit_code_for(code), lines)
