from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_LINKEDIN: _ClassVar[Channel]
    CHANNEL_SMS: _ClassVar[Channel]
    CHANNEL_WEBHOOK: _ClassVar[Channel]

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_ARGUMENT: _ClassVar[ErrorReason]
    ERROR_REASON_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_ALREADY_EXISTS: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_MISSING: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_EXPIRED: _ClassVar[ErrorReason]
    ERROR_REASON_ROLE_NOT_ALLOWED: _ClassVar[ErrorReason]
    ERROR_REASON_VENTURE_SCOPE: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_TRANSITION: _ClassVar[ErrorReason]
    ERROR_REASON_RESOURCE_FINAL: _ClassVar[ErrorReason]
    ERROR_REASON_REQUEST_ID_REUSED: _ClassVar[ErrorReason]
    ERROR_REASON_DEPENDENCY_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_EVIDENCE_REQUIRED: _ClassVar[ErrorReason]
    ERROR_REASON_LEAD_ERASED: _ClassVar[ErrorReason]
    ERROR_REASON_UNKNOWN_TEMPLATE_VARIABLE: _ClassVar[ErrorReason]
    ERROR_REASON_TEMPLATE_RENDER_FAILED: _ClassVar[ErrorReason]
    ERROR_REASON_ABORTED: _ClassVar[ErrorReason]
    ERROR_REASON_FAILED_PRECONDITION: _ClassVar[ErrorReason]
    ERROR_REASON_PERMISSION_DENIED: _ClassVar[ErrorReason]
    ERROR_REASON_UNAUTHENTICATED: _ClassVar[ErrorReason]
    ERROR_REASON_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_RESOURCE_EXHAUSTED: _ClassVar[ErrorReason]
    ERROR_REASON_INTERNAL: _ClassVar[ErrorReason]
    ERROR_REASON_AUDIT_LOG_EMPTY: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_SEQUENCE: _ClassVar[ErrorReason]
    ERROR_REASON_SEQUENCE_EXISTS: _ClassVar[ErrorReason]
    ERROR_REASON_VERSION_MISMATCH: _ClassVar[ErrorReason]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_EMAIL: Channel
CHANNEL_LINKEDIN: Channel
CHANNEL_SMS: Channel
CHANNEL_WEBHOOK: Channel
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_INVALID_ARGUMENT: ErrorReason
ERROR_REASON_NOT_FOUND: ErrorReason
ERROR_REASON_ALREADY_EXISTS: ErrorReason
ERROR_REASON_TOKEN_MISSING: ErrorReason
ERROR_REASON_TOKEN_INVALID: ErrorReason
ERROR_REASON_TOKEN_EXPIRED: ErrorReason
ERROR_REASON_ROLE_NOT_ALLOWED: ErrorReason
ERROR_REASON_VENTURE_SCOPE: ErrorReason
ERROR_REASON_INVALID_TRANSITION: ErrorReason
ERROR_REASON_RESOURCE_FINAL: ErrorReason
ERROR_REASON_REQUEST_ID_REUSED: ErrorReason
ERROR_REASON_DEPENDENCY_UNAVAILABLE: ErrorReason
ERROR_REASON_EVIDENCE_REQUIRED: ErrorReason
ERROR_REASON_LEAD_ERASED: ErrorReason
ERROR_REASON_UNKNOWN_TEMPLATE_VARIABLE: ErrorReason
ERROR_REASON_TEMPLATE_RENDER_FAILED: ErrorReason
ERROR_REASON_ABORTED: ErrorReason
ERROR_REASON_FAILED_PRECONDITION: ErrorReason
ERROR_REASON_PERMISSION_DENIED: ErrorReason
ERROR_REASON_UNAUTHENTICATED: ErrorReason
ERROR_REASON_UNAVAILABLE: ErrorReason
ERROR_REASON_RESOURCE_EXHAUSTED: ErrorReason
ERROR_REASON_INTERNAL: ErrorReason
ERROR_REASON_AUDIT_LOG_EMPTY: ErrorReason
ERROR_REASON_INVALID_SEQUENCE: ErrorReason
ERROR_REASON_SEQUENCE_EXISTS: ErrorReason
ERROR_REASON_VERSION_MISMATCH: ErrorReason

class ItemError(_message.Message):
    __slots__ = ("code", "reason", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    reason: ErrorReason
    message: str
    def __init__(self, code: _Optional[int] = ..., reason: _Optional[_Union[ErrorReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("subject", "role")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    role: str
    def __init__(self, subject: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...
