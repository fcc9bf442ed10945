import datetime

from aicmo.common.v1 import common_pb2 as _common_pb2
from aicmo.distribution.v1 import sequences_pb2 as _sequences_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SendState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEND_STATE_UNSPECIFIED: _ClassVar[SendState]
    SEND_STATE_QUEUED: _ClassVar[SendState]
    SEND_STATE_SENDING: _ClassVar[SendState]
    SEND_STATE_SENT: _ClassVar[SendState]
    SEND_STATE_SUPPRESSED: _ClassVar[SendState]
    SEND_STATE_BLOCKED: _ClassVar[SendState]
    SEND_STATE_DEFERRED: _ClassVar[SendState]
    SEND_STATE_RETRYING: _ClassVar[SendState]
    SEND_STATE_FAILED: _ClassVar[SendState]
    SEND_STATE_DRY_RUN: _ClassVar[SendState]
    SEND_STATE_UNKNOWN_OUTCOME: _ClassVar[SendState]

class BlockReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCK_REASON_UNSPECIFIED: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_DNC: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_SUPPRESSED: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_ERASED: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_NO_ADDRESS: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_CONSENT_REQUIRED: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_MERGED: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_NOT_FOUND: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_VENTURE_MISMATCH: _ClassVar[BlockReason]
    BLOCK_REASON_CAMPAIGN_NOT_RUNNING: _ClassVar[BlockReason]
    BLOCK_REASON_CAMPAIGN_KILL_SWITCH: _ClassVar[BlockReason]
    BLOCK_REASON_VENTURE_KILL_SWITCH: _ClassVar[BlockReason]
    BLOCK_REASON_GLOBAL_KILL_SWITCH: _ClassVar[BlockReason]
    BLOCK_REASON_VENTURE_INACTIVE: _ClassVar[BlockReason]
    BLOCK_REASON_CHANNEL_NOT_ALLOWED: _ClassVar[BlockReason]
    BLOCK_REASON_DAILY_LIMIT_REACHED: _ClassVar[BlockReason]
    BLOCK_REASON_OUTSIDE_SEND_WINDOW: _ClassVar[BlockReason]
    BLOCK_REASON_CAMPAIGN_NOT_FOUND: _ClassVar[BlockReason]
    BLOCK_REASON_DEPENDENCY_UNAVAILABLE: _ClassVar[BlockReason]
    BLOCK_REASON_DEPENDENCY_TIMEOUT: _ClassVar[BlockReason]
    BLOCK_REASON_DEPENDENCY_ERROR: _ClassVar[BlockReason]
    BLOCK_REASON_TEMPLATE_RENDER_FAILED: _ClassVar[BlockReason]
    BLOCK_REASON_CHANNEL_UNAVAILABLE: _ClassVar[BlockReason]
    BLOCK_REASON_DELIVERY_REJECTED: _ClassVar[BlockReason]
    BLOCK_REASON_DELIVERY_FAILED: _ClassVar[BlockReason]
    BLOCK_REASON_RETRIES_EXHAUSTED: _ClassVar[BlockReason]
    BLOCK_REASON_RUN_CANCELLED: _ClassVar[BlockReason]
    BLOCK_REASON_DELIVERY_OUTCOME_UNKNOWN: _ClassVar[BlockReason]
    BLOCK_REASON_TEMPLATE_HELD: _ClassVar[BlockReason]
    BLOCK_REASON_LEAD_REPLIED: _ClassVar[BlockReason]

class RunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATE_UNSPECIFIED: _ClassVar[RunState]
    RUN_STATE_RUNNING: _ClassVar[RunState]
    RUN_STATE_WAITING: _ClassVar[RunState]
    RUN_STATE_HALTED: _ClassVar[RunState]
    RUN_STATE_COMPLETED: _ClassVar[RunState]
    RUN_STATE_CANCELLED: _ClassVar[RunState]
    RUN_STATE_HALTING: _ClassVar[RunState]
    RUN_STATE_AWAITING_REVIEW: _ClassVar[RunState]

class DeliveryStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STAGE_UNSPECIFIED: _ClassVar[DeliveryStage]
    DELIVERY_STAGE_STARTED: _ClassVar[DeliveryStage]
    DELIVERY_STAGE_ENVELOPE: _ClassVar[DeliveryStage]
    DELIVERY_STAGE_CONTENT: _ClassVar[DeliveryStage]
    DELIVERY_STAGE_ANSWERED: _ClassVar[DeliveryStage]

class DeliveryEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_EVENT_KIND_UNSPECIFIED: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_BOUNCE_HARD: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_BOUNCE_SOFT: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_COMPLAINT: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_REPLY: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_AUTO_REPLY: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_UNSUBSCRIBE: _ClassVar[DeliveryEventKind]
    DELIVERY_EVENT_KIND_DELIVERED: _ClassVar[DeliveryEventKind]

class DeliveryEventSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_EVENT_SOURCE_UNSPECIFIED: _ClassVar[DeliveryEventSource]
    DELIVERY_EVENT_SOURCE_INBOUND_SMTP: _ClassVar[DeliveryEventSource]
    DELIVERY_EVENT_SOURCE_SES: _ClassVar[DeliveryEventSource]
    DELIVERY_EVENT_SOURCE_SENDGRID: _ClassVar[DeliveryEventSource]
    DELIVERY_EVENT_SOURCE_POSTMARK: _ClassVar[DeliveryEventSource]
    DELIVERY_EVENT_SOURCE_GENERIC: _ClassVar[DeliveryEventSource]

class DeliveryEventOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_EVENT_OUTCOME_UNSPECIFIED: _ClassVar[DeliveryEventOutcome]
    DELIVERY_EVENT_OUTCOME_RECORDED: _ClassVar[DeliveryEventOutcome]
    DELIVERY_EVENT_OUTCOME_DUPLICATE: _ClassVar[DeliveryEventOutcome]
    DELIVERY_EVENT_OUTCOME_UNMATCHED: _ClassVar[DeliveryEventOutcome]
    DELIVERY_EVENT_OUTCOME_REFUSED: _ClassVar[DeliveryEventOutcome]
SEND_STATE_UNSPECIFIED: SendState
SEND_STATE_QUEUED: SendState
SEND_STATE_SENDING: SendState
SEND_STATE_SENT: SendState
SEND_STATE_SUPPRESSED: SendState
SEND_STATE_BLOCKED: SendState
SEND_STATE_DEFERRED: SendState
SEND_STATE_RETRYING: SendState
SEND_STATE_FAILED: SendState
SEND_STATE_DRY_RUN: SendState
SEND_STATE_UNKNOWN_OUTCOME: SendState
BLOCK_REASON_UNSPECIFIED: BlockReason
BLOCK_REASON_LEAD_DNC: BlockReason
BLOCK_REASON_LEAD_SUPPRESSED: BlockReason
BLOCK_REASON_LEAD_ERASED: BlockReason
BLOCK_REASON_LEAD_NO_ADDRESS: BlockReason
BLOCK_REASON_LEAD_CONSENT_REQUIRED: BlockReason
BLOCK_REASON_LEAD_MERGED: BlockReason
BLOCK_REASON_LEAD_NOT_FOUND: BlockReason
BLOCK_REASON_LEAD_VENTURE_MISMATCH: BlockReason
BLOCK_REASON_CAMPAIGN_NOT_RUNNING: BlockReason
BLOCK_REASON_CAMPAIGN_KILL_SWITCH: BlockReason
BLOCK_REASON_VENTURE_KILL_SWITCH: BlockReason
BLOCK_REASON_GLOBAL_KILL_SWITCH: BlockReason
BLOCK_REASON_VENTURE_INACTIVE: BlockReason
BLOCK_REASON_CHANNEL_NOT_ALLOWED: BlockReason
BLOCK_REASON_DAILY_LIMIT_REACHED: BlockReason
BLOCK_REASON_OUTSIDE_SEND_WINDOW: BlockReason
BLOCK_REASON_CAMPAIGN_NOT_FOUND: BlockReason
BLOCK_REASON_DEPENDENCY_UNAVAILABLE: BlockReason
BLOCK_REASON_DEPENDENCY_TIMEOUT: BlockReason
BLOCK_REASON_DEPENDENCY_ERROR: BlockReason
BLOCK_REASON_TEMPLATE_RENDER_FAILED: BlockReason
BLOCK_REASON_CHANNEL_UNAVAILABLE: BlockReason
BLOCK_REASON_DELIVERY_REJECTED: BlockReason
BLOCK_REASON_DELIVERY_FAILED: BlockReason
BLOCK_REASON_RETRIES_EXHAUSTED: BlockReason
BLOCK_REASON_RUN_CANCELLED: BlockReason
BLOCK_REASON_DELIVERY_OUTCOME_UNKNOWN: BlockReason
BLOCK_REASON_TEMPLATE_HELD: BlockReason
BLOCK_REASON_LEAD_REPLIED: BlockReason
RUN_STATE_UNSPECIFIED: RunState
RUN_STATE_RUNNING: RunState
RUN_STATE_WAITING: RunState
RUN_STATE_HALTED: RunState
RUN_STATE_COMPLETED: RunState
RUN_STATE_CANCELLED: RunState
RUN_STATE_HALTING: RunState
RUN_STATE_AWAITING_REVIEW: RunState
DELIVERY_STAGE_UNSPECIFIED: DeliveryStage
DELIVERY_STAGE_STARTED: DeliveryStage
DELIVERY_STAGE_ENVELOPE: DeliveryStage
DELIVERY_STAGE_CONTENT: DeliveryStage
DELIVERY_STAGE_ANSWERED: DeliveryStage
DELIVERY_EVENT_KIND_UNSPECIFIED: DeliveryEventKind
DELIVERY_EVENT_KIND_BOUNCE_HARD: DeliveryEventKind
DELIVERY_EVENT_KIND_BOUNCE_SOFT: DeliveryEventKind
DELIVERY_EVENT_KIND_COMPLAINT: DeliveryEventKind
DELIVERY_EVENT_KIND_REPLY: DeliveryEventKind
DELIVERY_EVENT_KIND_AUTO_REPLY: DeliveryEventKind
DELIVERY_EVENT_KIND_UNSUBSCRIBE: DeliveryEventKind
DELIVERY_EVENT_KIND_DELIVERED: DeliveryEventKind
DELIVERY_EVENT_SOURCE_UNSPECIFIED: DeliveryEventSource
DELIVERY_EVENT_SOURCE_INBOUND_SMTP: DeliveryEventSource
DELIVERY_EVENT_SOURCE_SES: DeliveryEventSource
DELIVERY_EVENT_SOURCE_SENDGRID: DeliveryEventSource
DELIVERY_EVENT_SOURCE_POSTMARK: DeliveryEventSource
DELIVERY_EVENT_SOURCE_GENERIC: DeliveryEventSource
DELIVERY_EVENT_OUTCOME_UNSPECIFIED: DeliveryEventOutcome
DELIVERY_EVENT_OUTCOME_RECORDED: DeliveryEventOutcome
DELIVERY_EVENT_OUTCOME_DUPLICATE: DeliveryEventOutcome
DELIVERY_EVENT_OUTCOME_UNMATCHED: DeliveryEventOutcome
DELIVERY_EVENT_OUTCOME_REFUSED: DeliveryEventOutcome

class Message(_message.Message):
    __slots__ = ("subject", "body_text", "body_html")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_TEXT_FIELD_NUMBER: _ClassVar[int]
    BODY_HTML_FIELD_NUMBER: _ClassVar[int]
    subject: str
    body_text: str
    body_html: str
    def __init__(self, subject: _Optional[str] = ..., body_text: _Optional[str] = ..., body_html: _Optional[str] = ...) -> None: ...

class Template(_message.Message):
    __slots__ = ("id", "venture_id", "name", "channel", "message", "variables", "revision", "create_time", "update_time", "held", "hold_reason", "hold_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    HOLD_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    venture_id: str
    name: str
    channel: _common_pb2.Channel
    message: Message
    variables: _containers.RepeatedScalarFieldContainer[str]
    revision: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    held: bool
    hold_reason: str
    hold_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., venture_id: _Optional[str] = ..., name: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., message: _Optional[_Union[Message, _Mapping]] = ..., variables: _Optional[_Iterable[str]] = ..., revision: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., held: _Optional[bool] = ..., hold_reason: _Optional[str] = ..., hold_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SendJob(_message.Message):
    __slots__ = ("id", "request_id", "campaign_id", "venture_id", "lead_id", "channel", "step", "template_id", "run_id", "dry_run", "state", "block_reasons", "transient", "detail", "delivery_attempts", "check_attempts", "message_id", "remaining_quota_today", "next_attempt_time", "create_time", "update_time", "sent_time", "resolution_note", "delivery_stage")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    BLOCK_REASONS_FIELD_NUMBER: _ClassVar[int]
    TRANSIENT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CHECK_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REMAINING_QUOTA_TODAY_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_NOTE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_id: str
    campaign_id: str
    venture_id: str
    lead_id: str
    channel: _common_pb2.Channel
    step: int
    template_id: str
    run_id: str
    dry_run: bool
    state: SendState
    block_reasons: _containers.RepeatedScalarFieldContainer[BlockReason]
    transient: bool
    detail: str
    delivery_attempts: int
    check_attempts: int
    message_id: str
    remaining_quota_today: int
    next_attempt_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    sent_time: _timestamp_pb2.Timestamp
    resolution_note: str
    delivery_stage: DeliveryStage
    def __init__(self, id: _Optional[str] = ..., request_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., step: _Optional[int] = ..., template_id: _Optional[str] = ..., run_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., state: _Optional[_Union[SendState, str]] = ..., block_reasons: _Optional[_Iterable[_Union[BlockReason, str]]] = ..., transient: _Optional[bool] = ..., detail: _Optional[str] = ..., delivery_attempts: _Optional[int] = ..., check_attempts: _Optional[int] = ..., message_id: _Optional[str] = ..., remaining_quota_today: _Optional[int] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution_note: _Optional[str] = ..., delivery_stage: _Optional[_Union[DeliveryStage, str]] = ...) -> None: ...

class StateCount(_message.Message):
    __slots__ = ("state", "count")
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    state: SendState
    count: int
    def __init__(self, state: _Optional[_Union[SendState, str]] = ..., count: _Optional[int] = ...) -> None: ...

class BlockReasonCount(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: BlockReason
    count: int
    def __init__(self, reason: _Optional[_Union[BlockReason, str]] = ..., count: _Optional[int] = ...) -> None: ...

class AudienceFilter(_message.Message):
    __slots__ = ("consented_only", "source_channel", "lead_ids")
    CONSENTED_ONLY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LEAD_IDS_FIELD_NUMBER: _ClassVar[int]
    consented_only: bool
    source_channel: str
    lead_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, consented_only: _Optional[bool] = ..., source_channel: _Optional[str] = ..., lead_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ("id", "request_id", "campaign_id", "venture_id", "template_id", "channel", "step", "audience", "dry_run", "state", "halt_reason", "halt_block_reasons", "auto_paused", "lead_count", "skipped_existing", "planning_done", "state_counts", "block_reason_counts", "next_wake_time", "create_time", "update_time", "finish_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HALT_REASON_FIELD_NUMBER: _ClassVar[int]
    HALT_BLOCK_REASONS_FIELD_NUMBER: _ClassVar[int]
    AUTO_PAUSED_FIELD_NUMBER: _ClassVar[int]
    LEAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_EXISTING_FIELD_NUMBER: _ClassVar[int]
    PLANNING_DONE_FIELD_NUMBER: _ClassVar[int]
    STATE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_REASON_COUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_WAKE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_id: str
    campaign_id: str
    venture_id: str
    template_id: str
    channel: _common_pb2.Channel
    step: int
    audience: AudienceFilter
    dry_run: bool
    state: RunState
    halt_reason: str
    halt_block_reasons: _containers.RepeatedScalarFieldContainer[BlockReason]
    auto_paused: bool
    lead_count: int
    skipped_existing: int
    planning_done: bool
    state_counts: _containers.RepeatedCompositeFieldContainer[StateCount]
    block_reason_counts: _containers.RepeatedCompositeFieldContainer[BlockReasonCount]
    next_wake_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., request_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., template_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., step: _Optional[int] = ..., audience: _Optional[_Union[AudienceFilter, _Mapping]] = ..., dry_run: _Optional[bool] = ..., state: _Optional[_Union[RunState, str]] = ..., halt_reason: _Optional[str] = ..., halt_block_reasons: _Optional[_Iterable[_Union[BlockReason, str]]] = ..., auto_paused: _Optional[bool] = ..., lead_count: _Optional[int] = ..., skipped_existing: _Optional[int] = ..., planning_done: _Optional[bool] = ..., state_counts: _Optional[_Iterable[_Union[StateCount, _Mapping]]] = ..., block_reason_counts: _Optional[_Iterable[_Union[BlockReasonCount, _Mapping]]] = ..., next_wake_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DryRunRecipient(_message.Message):
    __slots__ = ("lead_id", "would_send", "would_defer", "block_reasons", "already_exists", "existing_state", "existing_send_id")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    WOULD_SEND_FIELD_NUMBER: _ClassVar[int]
    WOULD_DEFER_FIELD_NUMBER: _ClassVar[int]
    BLOCK_REASONS_FIELD_NUMBER: _ClassVar[int]
    ALREADY_EXISTS_FIELD_NUMBER: _ClassVar[int]
    EXISTING_STATE_FIELD_NUMBER: _ClassVar[int]
    EXISTING_SEND_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    would_send: bool
    would_defer: bool
    block_reasons: _containers.RepeatedScalarFieldContainer[BlockReason]
    already_exists: bool
    existing_state: SendState
    existing_send_id: str
    def __init__(self, lead_id: _Optional[str] = ..., would_send: _Optional[bool] = ..., would_defer: _Optional[bool] = ..., block_reasons: _Optional[_Iterable[_Union[BlockReason, str]]] = ..., already_exists: _Optional[bool] = ..., existing_state: _Optional[_Union[SendState, str]] = ..., existing_send_id: _Optional[str] = ...) -> None: ...

class CountBucket(_message.Message):
    __slots__ = ("channel", "state", "day", "count")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    channel: _common_pb2.Channel
    state: SendState
    day: str
    count: int
    def __init__(self, channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., state: _Optional[_Union[SendState, str]] = ..., day: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class CreateTemplateRequest(_message.Message):
    __slots__ = ("template", "request_id")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    template: Template
    request_id: str
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class GetTemplateRequest(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class GetTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
    __slots__ = ("venture_id", "channel", "page_size", "page_token")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    channel: _common_pb2.Channel
    page_size: int
    page_token: str
    def __init__(self, venture_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates", "next_page_token")
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[Template]
    next_page_token: str
    def __init__(self, templates: _Optional[_Iterable[_Union[Template, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTemplateRequest(_message.Message):
    __slots__ = ("template", "update_mask")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    template: Template
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class PreviewTemplateRequest(_message.Message):
    __slots__ = ("template_id", "message", "lead_id", "campaign_id", "step")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    message: Message
    lead_id: str
    campaign_id: str
    step: int
    def __init__(self, template_id: _Optional[str] = ..., message: _Optional[_Union[Message, _Mapping]] = ..., lead_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., step: _Optional[int] = ...) -> None: ...

class PreviewTemplateResponse(_message.Message):
    __slots__ = ("rendered",)
    RENDERED_FIELD_NUMBER: _ClassVar[int]
    rendered: Message
    def __init__(self, rendered: _Optional[_Union[Message, _Mapping]] = ...) -> None: ...

class CreateSendRequest(_message.Message):
    __slots__ = ("request_id", "campaign_id", "lead_id", "channel", "template_id", "message", "step", "dry_run")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    campaign_id: str
    lead_id: str
    channel: _common_pb2.Channel
    template_id: str
    message: Message
    step: int
    dry_run: bool
    def __init__(self, request_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., template_id: _Optional[str] = ..., message: _Optional[_Union[Message, _Mapping]] = ..., step: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class CreateSendResponse(_message.Message):
    __slots__ = ("send", "replayed")
    SEND_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    send: SendJob
    replayed: bool
    def __init__(self, send: _Optional[_Union[SendJob, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetSendRequest(_message.Message):
    __slots__ = ("send_id",)
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    send_id: str
    def __init__(self, send_id: _Optional[str] = ...) -> None: ...

class GetSendResponse(_message.Message):
    __slots__ = ("send",)
    SEND_FIELD_NUMBER: _ClassVar[int]
    send: SendJob
    def __init__(self, send: _Optional[_Union[SendJob, _Mapping]] = ...) -> None: ...

class ListSendsRequest(_message.Message):
    __slots__ = ("campaign_id", "lead_id", "state", "channel", "run_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    lead_id: str
    state: SendState
    channel: _common_pb2.Channel
    run_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., state: _Optional[_Union[SendState, str]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., run_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSendsResponse(_message.Message):
    __slots__ = ("sends", "next_page_token")
    SENDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sends: _containers.RepeatedCompositeFieldContainer[SendJob]
    next_page_token: str
    def __init__(self, sends: _Optional[_Iterable[_Union[SendJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveUnknownOutcomeRequest(_message.Message):
    __slots__ = ("send_id", "outcome", "note")
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    send_id: str
    outcome: SendState
    note: str
    def __init__(self, send_id: _Optional[str] = ..., outcome: _Optional[_Union[SendState, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveUnknownOutcomeResponse(_message.Message):
    __slots__ = ("send",)
    SEND_FIELD_NUMBER: _ClassVar[int]
    send: SendJob
    def __init__(self, send: _Optional[_Union[SendJob, _Mapping]] = ...) -> None: ...

class CountSendsRequest(_message.Message):
    __slots__ = ("campaign_id", "since_time", "include_dry_run")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    since_time: _timestamp_pb2.Timestamp
    include_dry_run: bool
    def __init__(self, campaign_id: _Optional[str] = ..., since_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_dry_run: _Optional[bool] = ...) -> None: ...

class CountSendsResponse(_message.Message):
    __slots__ = ("total", "sent", "buckets")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    total: int
    sent: int
    buckets: _containers.RepeatedCompositeFieldContainer[CountBucket]
    def __init__(self, total: _Optional[int] = ..., sent: _Optional[int] = ..., buckets: _Optional[_Iterable[_Union[CountBucket, _Mapping]]] = ...) -> None: ...

class RunCampaignRequest(_message.Message):
    __slots__ = ("request_id", "campaign_id", "template_id", "step", "audience", "dry_run")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    campaign_id: str
    template_id: str
    step: int
    audience: AudienceFilter
    dry_run: bool
    def __init__(self, request_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., template_id: _Optional[str] = ..., step: _Optional[int] = ..., audience: _Optional[_Union[AudienceFilter, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RunCampaignResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class GetRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class GetRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ("campaign_id", "state", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    state: RunState
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., state: _Optional[_Union[RunState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[Run]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[Run, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResumeRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class ResumeRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class CancelRunRequest(_message.Message):
    __slots__ = ("run_id", "reason")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    reason: str
    def __init__(self, run_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class DryRunCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "template_id", "step", "audience", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    template_id: str
    step: int
    audience: AudienceFilter
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., template_id: _Optional[str] = ..., step: _Optional[int] = ..., audience: _Optional[_Union[AudienceFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class DryRunCampaignResponse(_message.Message):
    __slots__ = ("recipients", "remaining_quota_today", "projected_quota_use", "would_send", "would_defer", "would_block", "next_page_token", "already_existing")
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_QUOTA_TODAY_FIELD_NUMBER: _ClassVar[int]
    PROJECTED_QUOTA_USE_FIELD_NUMBER: _ClassVar[int]
    WOULD_SEND_FIELD_NUMBER: _ClassVar[int]
    WOULD_DEFER_FIELD_NUMBER: _ClassVar[int]
    WOULD_BLOCK_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ALREADY_EXISTING_FIELD_NUMBER: _ClassVar[int]
    recipients: _containers.RepeatedCompositeFieldContainer[DryRunRecipient]
    remaining_quota_today: int
    projected_quota_use: int
    would_send: int
    would_defer: int
    would_block: int
    next_page_token: str
    already_existing: int
    def __init__(self, recipients: _Optional[_Iterable[_Union[DryRunRecipient, _Mapping]]] = ..., remaining_quota_today: _Optional[int] = ..., projected_quota_use: _Optional[int] = ..., would_send: _Optional[int] = ..., would_defer: _Optional[int] = ..., would_block: _Optional[int] = ..., next_page_token: _Optional[str] = ..., already_existing: _Optional[int] = ...) -> None: ...

class DeliveryEvent(_message.Message):
    __slots__ = ("event_id", "kind", "source", "send_id", "message_id", "recipient", "occur_time", "status_code", "diagnostic", "evidence_sha256", "reply_text", "feedback_type")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSTIC_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_SHA256_FIELD_NUMBER: _ClassVar[int]
    REPLY_TEXT_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_TYPE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    kind: DeliveryEventKind
    source: DeliveryEventSource
    send_id: str
    message_id: str
    recipient: str
    occur_time: _timestamp_pb2.Timestamp
    status_code: str
    diagnostic: str
    evidence_sha256: str
    reply_text: str
    feedback_type: str
    def __init__(self, event_id: _Optional[str] = ..., kind: _Optional[_Union[DeliveryEventKind, str]] = ..., source: _Optional[_Union[DeliveryEventSource, str]] = ..., send_id: _Optional[str] = ..., message_id: _Optional[str] = ..., recipient: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_code: _Optional[str] = ..., diagnostic: _Optional[str] = ..., evidence_sha256: _Optional[str] = ..., reply_text: _Optional[str] = ..., feedback_type: _Optional[str] = ...) -> None: ...

class RecordDeliveryEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[DeliveryEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[DeliveryEvent, _Mapping]]] = ...) -> None: ...

class DeliveryEventResult(_message.Message):
    __slots__ = ("event_id", "outcome", "send_id", "detail")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    outcome: DeliveryEventOutcome
    send_id: str
    detail: str
    def __init__(self, event_id: _Optional[str] = ..., outcome: _Optional[_Union[DeliveryEventOutcome, str]] = ..., send_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class RecordDeliveryEventsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[DeliveryEventResult]
    def __init__(self, results: _Optional[_Iterable[_Union[DeliveryEventResult, _Mapping]]] = ...) -> None: ...

class RecordedDeliveryEvent(_message.Message):
    __slots__ = ("event", "send_id", "campaign_id", "lead_id", "record_time")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    event: DeliveryEvent
    send_id: str
    campaign_id: str
    lead_id: str
    record_time: _timestamp_pb2.Timestamp
    def __init__(self, event: _Optional[_Union[DeliveryEvent, _Mapping]] = ..., send_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeliveryEventsRequest(_message.Message):
    __slots__ = ("campaign_id", "send_id", "kinds", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    send_id: str
    kinds: _containers.RepeatedScalarFieldContainer[DeliveryEventKind]
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., send_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[DeliveryEventKind, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveryEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[RecordedDeliveryEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[RecordedDeliveryEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReleaseTemplateRequest(_message.Message):
    __slots__ = ("template_id", "reason")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    reason: str
    def __init__(self, template_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReleaseTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...
