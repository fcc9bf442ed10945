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
STEP_CONDITION_UNSPECIFIED: StepCondition
STEP_CONDITION_PREVIOUS_DELIVERED: StepCondition
STEP_CONDITION_PREVIOUS_NOT_DELIVERED: StepCondition

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
