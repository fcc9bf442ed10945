import datetime

from aicmo.common.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StepCondition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_CONDITION_UNSPECIFIED: _ClassVar[StepCondition]
    STEP_CONDITION_PREVIOUS_DELIVERED: _ClassVar[StepCondition]
    STEP_CONDITION_PREVIOUS_NOT_DELIVERED: _ClassVar[StepCondition]

class EnrollmentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENROLLMENT_STATE_UNSPECIFIED: _ClassVar[EnrollmentState]
    ENROLLMENT_STATE_WAITING: _ClassVar[EnrollmentState]
    ENROLLMENT_STATE_SENDING: _ClassVar[EnrollmentState]
    ENROLLMENT_STATE_FINISHED: _ClassVar[EnrollmentState]
    ENROLLMENT_STATE_STOPPED: _ClassVar[EnrollmentState]

class StopReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STOP_REASON_UNSPECIFIED: _ClassVar[StopReason]
    STOP_REASON_REPLIED: _ClassVar[StopReason]
    STOP_REASON_UNSUBSCRIBED: _ClassVar[StopReason]
    STOP_REASON_HARD_BOUNCE: _ClassVar[StopReason]
    STOP_REASON_COMPLAINED: _ClassVar[StopReason]
    STOP_REASON_NOT_CONTACTABLE: _ClassVar[StopReason]
    STOP_REASON_MANUAL: _ClassVar[StopReason]
    STOP_REASON_CAMPAIGN_ENDED: _ClassVar[StopReason]
    STOP_REASON_SEND_FAILED: _ClassVar[StopReason]
STEP_CONDITION_UNSPECIFIED: StepCondition
STEP_CONDITION_PREVIOUS_DELIVERED: StepCondition
STEP_CONDITION_PREVIOUS_NOT_DELIVERED: StepCondition
ENROLLMENT_STATE_UNSPECIFIED: EnrollmentState
ENROLLMENT_STATE_WAITING: EnrollmentState
ENROLLMENT_STATE_SENDING: EnrollmentState
ENROLLMENT_STATE_FINISHED: EnrollmentState
ENROLLMENT_STATE_STOPPED: EnrollmentState
STOP_REASON_UNSPECIFIED: StopReason
STOP_REASON_REPLIED: StopReason
STOP_REASON_UNSUBSCRIBED: StopReason
STOP_REASON_HARD_BOUNCE: StopReason
STOP_REASON_COMPLAINED: StopReason
STOP_REASON_NOT_CONTACTABLE: StopReason
STOP_REASON_MANUAL: StopReason
STOP_REASON_CAMPAIGN_ENDED: StopReason
STOP_REASON_SEND_FAILED: StopReason

class BusinessCalendar(_message.Message):
    __slots__ = ("days", "start_minute", "end_minute", "holidays")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    HOLIDAYS_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedScalarFieldContainer[int]
    start_minute: int
    end_minute: int
    holidays: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, days: _Optional[_Iterable[int]] = ..., start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ..., holidays: _Optional[_Iterable[str]] = ...) -> None: ...

class Wait(_message.Message):
    __slots__ = ("business_days", "business_hours")
    BUSINESS_DAYS_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_HOURS_FIELD_NUMBER: _ClassVar[int]
    business_days: int
    business_hours: int
    def __init__(self, business_days: _Optional[int] = ..., business_hours: _Optional[int] = ...) -> None: ...

class TemplateVariant(_message.Message):
    __slots__ = ("template_id", "weight")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    weight: int
    def __init__(self, template_id: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class Branch(_message.Message):
    __slots__ = ("objections", "goto_step")
    OBJECTIONS_FIELD_NUMBER: _ClassVar[int]
    GOTO_STEP_FIELD_NUMBER: _ClassVar[int]
    objections: _containers.RepeatedScalarFieldContainer[str]
    goto_step: str
    def __init__(self, objections: _Optional[_Iterable[str]] = ..., goto_step: _Optional[str] = ...) -> None: ...

class SequenceStep(_message.Message):
    __slots__ = ("key", "channel", "variants", "wait", "condition", "branches", "next_step", "last")
    KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    BRANCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEP_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    key: str
    channel: _common_pb2.Channel
    variants: _containers.RepeatedCompositeFieldContainer[TemplateVariant]
    wait: Wait
    condition: StepCondition
    branches: _containers.RepeatedCompositeFieldContainer[Branch]
    next_step: str
    last: bool
    def __init__(self, key: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., variants: _Optional[_Iterable[_Union[TemplateVariant, _Mapping]]] = ..., wait: _Optional[_Union[Wait, _Mapping]] = ..., condition: _Optional[_Union[StepCondition, str]] = ..., branches: _Optional[_Iterable[_Union[Branch, _Mapping]]] = ..., next_step: _Optional[str] = ..., last: _Optional[bool] = ...) -> None: ...

class Sequence(_message.Message):
    __slots__ = ("campaign_id", "venture_id", "name", "version", "steps", "calendar", "time_zone", "create_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    venture_id: str
    name: str
    version: int
    steps: _containers.RepeatedCompositeFieldContainer[SequenceStep]
    calendar: BusinessCalendar
    time_zone: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[SequenceStep, _Mapping]]] = ..., calendar: _Optional[_Union[BusinessCalendar, _Mapping]] = ..., time_zone: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Enrollment(_message.Message):
    __slots__ = ("campaign_id", "lead_id", "version", "state", "step_key", "step", "wait_until", "stop_reason", "detail", "send_id", "steps_sent", "enroll_time", "update_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    WAIT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    STEPS_SENT_FIELD_NUMBER: _ClassVar[int]
    ENROLL_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    lead_id: str
    version: int
    state: EnrollmentState
    step_key: str
    step: int
    wait_until: _timestamp_pb2.Timestamp
    stop_reason: StopReason
    detail: str
    send_id: str
    steps_sent: int
    enroll_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., version: _Optional[int] = ..., state: _Optional[_Union[EnrollmentState, str]] = ..., step_key: _Optional[str] = ..., step: _Optional[int] = ..., wait_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_reason: _Optional[_Union[StopReason, str]] = ..., detail: _Optional[str] = ..., send_id: _Optional[str] = ..., steps_sent: _Optional[int] = ..., enroll_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("step_key", "step", "channel", "template_id", "due_time", "local_time", "condition")
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TIME_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    step_key: str
    step: int
    channel: _common_pb2.Channel
    template_id: str
    due_time: _timestamp_pb2.Timestamp
    local_time: str
    condition: StepCondition
    def __init__(self, step_key: _Optional[str] = ..., step: _Optional[int] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., template_id: _Optional[str] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., local_time: _Optional[str] = ..., condition: _Optional[_Union[StepCondition, str]] = ...) -> None: ...

class StepStatus(_message.Message):
    __slots__ = ("step_key", "step", "waiting", "sending", "sent", "stopped", "sent_by_template", "replied")
    class StoppedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class SentByTemplateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    SENDING_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    SENT_BY_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    REPLIED_FIELD_NUMBER: _ClassVar[int]
    step_key: str
    step: int
    waiting: int
    sending: int
    sent: int
    stopped: _containers.ScalarMap[str, int]
    sent_by_template: _containers.ScalarMap[str, int]
    replied: int
    def __init__(self, step_key: _Optional[str] = ..., step: _Optional[int] = ..., waiting: _Optional[int] = ..., sending: _Optional[int] = ..., sent: _Optional[int] = ..., stopped: _Optional[_Mapping[str, int]] = ..., sent_by_template: _Optional[_Mapping[str, int]] = ..., replied: _Optional[int] = ...) -> None: ...

class CreateSequenceRequest(_message.Message):
    __slots__ = ("request_id", "sequence")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    sequence: Sequence
    def __init__(self, request_id: _Optional[str] = ..., sequence: _Optional[_Union[Sequence, _Mapping]] = ...) -> None: ...

class CreateSequenceResponse(_message.Message):
    __slots__ = ("sequence",)
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sequence: Sequence
    def __init__(self, sequence: _Optional[_Union[Sequence, _Mapping]] = ...) -> None: ...

class GetSequenceRequest(_message.Message):
    __slots__ = ("campaign_id", "version")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    version: int
    def __init__(self, campaign_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetSequenceResponse(_message.Message):
    __slots__ = ("sequence",)
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sequence: Sequence
    def __init__(self, sequence: _Optional[_Union[Sequence, _Mapping]] = ...) -> None: ...

class ListSequencesRequest(_message.Message):
    __slots__ = ("venture_id", "page_size", "page_token")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    page_size: int
    page_token: str
    def __init__(self, venture_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSequencesResponse(_message.Message):
    __slots__ = ("sequences", "next_page_token")
    SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sequences: _containers.RepeatedCompositeFieldContainer[Sequence]
    next_page_token: str
    def __init__(self, sequences: _Optional[_Iterable[_Union[Sequence, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSequenceRequest(_message.Message):
    __slots__ = ("sequence", "base_version")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    sequence: Sequence
    base_version: int
    def __init__(self, sequence: _Optional[_Union[Sequence, _Mapping]] = ..., base_version: _Optional[int] = ...) -> None: ...

class UpdateSequenceResponse(_message.Message):
    __slots__ = ("sequence",)
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sequence: Sequence
    def __init__(self, sequence: _Optional[_Union[Sequence, _Mapping]] = ...) -> None: ...

class FieldProblem(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ValidateSequenceRequest(_message.Message):
    __slots__ = ("sequence",)
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sequence: Sequence
    def __init__(self, sequence: _Optional[_Union[Sequence, _Mapping]] = ...) -> None: ...

class ValidateSequenceResponse(_message.Message):
    __slots__ = ("valid", "problems")
    VALID_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    problems: _containers.RepeatedCompositeFieldContainer[FieldProblem]
    def __init__(self, valid: _Optional[bool] = ..., problems: _Optional[_Iterable[_Union[FieldProblem, _Mapping]]] = ...) -> None: ...

class PreviewSequenceRequest(_message.Message):
    __slots__ = ("campaign_id", "lead_id", "start_time", "version")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    lead_id: str
    start_time: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class PreviewSequenceResponse(_message.Message):
    __slots__ = ("timeline", "time_zone")
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    time_zone: str
    def __init__(self, timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class EnrollLeadsRequest(_message.Message):
    __slots__ = ("campaign_id", "lead_ids", "consented_only", "source_channel", "version")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_IDS_FIELD_NUMBER: _ClassVar[int]
    CONSENTED_ONLY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    lead_ids: _containers.RepeatedScalarFieldContainer[str]
    consented_only: bool
    source_channel: str
    version: int
    def __init__(self, campaign_id: _Optional[str] = ..., lead_ids: _Optional[_Iterable[str]] = ..., consented_only: _Optional[bool] = ..., source_channel: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class EnrollLeadsResponse(_message.Message):
    __slots__ = ("enrolled", "already_enrolled", "enrollments")
    ENROLLED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_ENROLLED_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENTS_FIELD_NUMBER: _ClassVar[int]
    enrolled: int
    already_enrolled: int
    enrollments: _containers.RepeatedCompositeFieldContainer[Enrollment]
    def __init__(self, enrolled: _Optional[int] = ..., already_enrolled: _Optional[int] = ..., enrollments: _Optional[_Iterable[_Union[Enrollment, _Mapping]]] = ...) -> None: ...

class UnenrollLeadRequest(_message.Message):
    __slots__ = ("campaign_id", "lead_id", "reason")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    lead_id: str
    reason: str
    def __init__(self, campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnenrollLeadResponse(_message.Message):
    __slots__ = ("enrollment",)
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    enrollment: Enrollment
    def __init__(self, enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class MoveEnrollmentRequest(_message.Message):
    __slots__ = ("campaign_id", "lead_id", "step_key", "version")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    lead_id: str
    step_key: str
    version: int
    def __init__(self, campaign_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., step_key: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class MoveEnrollmentResponse(_message.Message):
    __slots__ = ("enrollment",)
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    enrollment: Enrollment
    def __init__(self, enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class ListEnrollmentsRequest(_message.Message):
    __slots__ = ("campaign_id", "state", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    state: EnrollmentState
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., state: _Optional[_Union[EnrollmentState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEnrollmentsResponse(_message.Message):
    __slots__ = ("enrollments", "next_page_token")
    ENROLLMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    enrollments: _containers.RepeatedCompositeFieldContainer[Enrollment]
    next_page_token: str
    def __init__(self, enrollments: _Optional[_Iterable[_Union[Enrollment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSequenceStatusRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class GetSequenceStatusResponse(_message.Message):
    __slots__ = ("steps", "states", "stopped", "total")
    class StatesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class StoppedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    STEPS_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    steps: _containers.RepeatedCompositeFieldContainer[StepStatus]
    states: _containers.ScalarMap[str, int]
    stopped: _containers.ScalarMap[str, int]
    total: int
    def __init__(self, steps: _Optional[_Iterable[_Union[StepStatus, _Mapping]]] = ..., states: _Optional[_Mapping[str, int]] = ..., stopped: _Optional[_Mapping[str, int]] = ..., total: _Optional[int] = ...) -> None: ...
