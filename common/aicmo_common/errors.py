"""Errors as the API speaks them: canonical status codes with ``google.rpc`` details.

The domain raises these exceptions; the server turns each into a status carrying an
``ErrorInfo`` (a stable, machine-readable reason in the ``aicmo`` domain) and, for bad input, a
``BadRequest`` with one field violation per bad field. Clients decode them with
:func:`decode_rpc_error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from aicmo.common.v1 import common_pb2

DOMAIN = "aicmo"


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: its path in the request (``campaign.daily_limit``) and what is wrong."""

    field: str
    description: str


class ServiceError(Exception):
    """Base of every error that maps to a gRPC status."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    default_reason = "INTERNAL"

    def __init__(self, message: str, *, reason: str | None = None,
                 metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})


class InvalidArgument(ServiceError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, violations: Iterable[FieldViolation], *, message: str | None = None,
                 reason: str | None = None) -> None:
        self.violations = list(violations)
        text = message or "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(text or "invalid request", reason=reason)


class NotFound(ServiceError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(ServiceError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(ServiceError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class Aborted(ServiceError):
    code = grpc.StatusCode.ABORTED
    default_reason = "ABORTED"


class Unauthenticated(ServiceError):
    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(ServiceError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unavailable(ServiceError):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class ResourceExhausted(ServiceError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class FieldErrors:
    """Collects every bad field of a request, so one answer names them all."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def add(self, field_path: str, description: str) -> None:
        self.violations.append(FieldViolation(field_path, description))

    def __bool__(self) -> bool:
        return bool(self.violations)

    def raise_if_any(self, reason: str | None = None) -> None:
        if self.violations:
            raise InvalidArgument(self.violations, reason=reason)


# Trailers travel as HTTP/2 metadata, which a default client refuses past 8 KB (at random up
# to 16 KB). The status message goes out twice (as grpc-message and inside the base64-encoded
# details), so an error, however much bad input it describes, is cut to fit a budget well
# inside that: texts are clipped, then violations dropped from the end with "and N more".
TRAILER_BUDGET = 6 * 1024
MAX_MESSAGE = 512
MAX_TEXT = 120


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _wire_size(status: status_pb2.Status) -> int:
    return len(status.message.encode()) + (status.ByteSize() * 4 + 2) // 3


def to_status(error: ServiceError) -> status_pb2.Status:
    """Builds the rich ``google.rpc.Status`` for an error, within ``TRAILER_BUDGET``."""
    info = any_pb2.Any()
    metadata = dict(list(error.metadata.items())[:8])
    info.Pack(error_details_pb2.ErrorInfo(
        reason=error.reason, domain=DOMAIN,
        metadata={_clip(k, 40): _clip(v, MAX_TEXT) for k, v in metadata.items()}))
    status = status_pb2.Status(code=error.code.value[0], message=_clip(error.message,
                                                                       MAX_MESSAGE))
    status.details.append(info)
    if not (isinstance(error, InvalidArgument) and error.violations):
        return status
    violations = [error_details_pb2.BadRequest.FieldViolation(
        field=_clip(v.field, MAX_TEXT), description=_clip(v.description, MAX_TEXT))
        for v in error.violations]
    shown = len(violations)
    while True:
        kept = violations[:shown]
        if shown < len(violations):
            kept.append(error_details_pb2.BadRequest.FieldViolation(
                field="*", description=f"and {len(violations) - shown} more"))
        packed = any_pb2.Any()
        packed.Pack(error_details_pb2.BadRequest(field_violations=kept))
        candidate = status_pb2.Status()
        candidate.CopyFrom(status)
        candidate.details.append(packed)
        if _wire_size(candidate) <= TRAILER_BUDGET or shown == 0:
            return candidate
        shown = max(0, shown - max(1, shown // 4))


async def abort(context: grpc.aio.ServicerContext, error: ServiceError) -> None:
    """Ends the call with ``error`` as a rich status (raises, as ``context.abort`` does)."""
    await context.abort_with_status(rpc_status.to_status(to_status(error)))


_ITEM_REASONS = {name.removeprefix("ERROR_REASON_"): number
                 for name, number in common_pb2.ErrorReason.items()}


def item_error(error: ServiceError) -> common_pb2.ItemError:
    """One failed item of a batch call, as ``aicmo.common.v1.ItemError``: the code, reason and
    message the same item would have got from the single call (clipped like a status)."""
    reason = _ITEM_REASONS.get(error.reason, common_pb2.ERROR_REASON_UNSPECIFIED)
    return common_pb2.ItemError(code=error.code.value[0], reason=reason,
                                message=_clip(error.message, MAX_MESSAGE))


@dataclass
class ErrorDetails:
    """What a client learns from a failed call."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[FieldViolation] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        return [v.field for v in self.field_violations]


def decode_rpc_error(error: grpc.RpcError) -> ErrorDetails:
    """Decodes the status code, ``ErrorInfo`` and ``BadRequest`` carried by a failed call."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    result = ErrorDetails(code=code, message=message or "")
    status = None
    try:
        status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    except ValueError:
        status = None
    if status is None:
        status = _status_from_trailers(error)
    if status is None:
        return result
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            result.reason, result.domain = info.reason, info.domain
            result.metadata = dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            result.field_violations = [FieldViolation(v.field, v.description)
                                       for v in bad.field_violations]
    return result


def _status_from_trailers(error: grpc.RpcError) -> status_pb2.Status | None:
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status()
            status.MergeFromString(value)
            return status
    return None

