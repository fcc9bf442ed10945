import datetime

from aicmo.common.v1 import common_pb2 as _common_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Weekday(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEEKDAY_UNSPECIFIED: _ClassVar[Weekday]
    WEEKDAY_MONDAY: _ClassVar[Weekday]
    WEEKDAY_TUESDAY: _ClassVar[Weekday]
    WEEKDAY_WEDNESDAY: _ClassVar[Weekday]
    WEEKDAY_THURSDAY: _ClassVar[Weekday]
    WEEKDAY_FRIDAY: _ClassVar[Weekday]
    WEEKDAY_SATURDAY: _ClassVar[Weekday]
    WEEKDAY_SUNDAY: _ClassVar[Weekday]

class CampaignStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_STATUS_UNSPECIFIED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_DRAFT: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_RUNNING: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_PAUSED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_STOPPED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_COMPLETED: _ClassVar[CampaignStatus]

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_ALLOW: _ClassVar[Decision]
    DECISION_DENY: _ClassVar[Decision]

class DenyReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DENY_REASON_UNSPECIFIED: _ClassVar[DenyReason]
    DENY_REASON_CAMPAIGN_NOT_RUNNING: _ClassVar[DenyReason]
    DENY_REASON_CAMPAIGN_KILL_SWITCH: _ClassVar[DenyReason]
    DENY_REASON_VENTURE_KILL_SWITCH: _ClassVar[DenyReason]
    DENY_REASON_GLOBAL_KILL_SWITCH: _ClassVar[DenyReason]
    DENY_REASON_VENTURE_INACTIVE: _ClassVar[DenyReason]
    DENY_REASON_CHANNEL_NOT_ALLOWED: _ClassVar[DenyReason]
    DENY_REASON_DAILY_LIMIT_REACHED: _ClassVar[DenyReason]
    DENY_REASON_OUTSIDE_SEND_WINDOW: _ClassVar[DenyReason]
WEEKDAY_UNSPECIFIED: Weekday
WEEKDAY_MONDAY: Weekday
WEEKDAY_TUESDAY: Weekday
WEEKDAY_WEDNESDAY: Weekday
WEEKDAY_THURSDAY: Weekday
WEEKDAY_FRIDAY: Weekday
WEEKDAY_SATURDAY: Weekday
WEEKDAY_SUNDAY: Weekday
CAMPAIGN_STATUS_UNSPECIFIED: CampaignStatus
CAMPAIGN_STATUS_DRAFT: CampaignStatus
CAMPAIGN_STATUS_RUNNING: CampaignStatus
CAMPAIGN_STATUS_PAUSED: CampaignStatus
CAMPAIGN_STATUS_STOPPED: CampaignStatus
CAMPAIGN_STATUS_COMPLETED: CampaignStatus
DECISION_UNSPECIFIED: Decision
DECISION_ALLOW: Decision
DECISION_DENY: Decision
DENY_REASON_UNSPECIFIED: DenyReason
DENY_REASON_CAMPAIGN_NOT_RUNNING: DenyReason
DENY_REASON_CAMPAIGN_KILL_SWITCH: DenyReason
DENY_REASON_VENTURE_KILL_SWITCH: DenyReason
DENY_REASON_GLOBAL_KILL_SWITCH: DenyReason
DENY_REASON_VENTURE_INACTIVE: DenyReason
DENY_REASON_CHANNEL_NOT_ALLOWED: DenyReason
DENY_REASON_DAILY_LIMIT_REACHED: DenyReason
DENY_REASON_OUTSIDE_SEND_WINDOW: DenyReason

class KillSwitch(_message.Message):
    __slots__ = ("engaged", "reason", "actor", "change_time")
    ENGAGED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    engaged: bool
    reason: str
    actor: _common_pb2.Actor
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, engaged: _Optional[bool] = ..., reason: _Optional[str] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SenderIdentity(_message.Message):
    __slots__ = ("from_address", "from_name", "postal_address")
    FROM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    FROM_NAME_FIELD_NUMBER: _ClassVar[int]
    POSTAL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    from_address: str
    from_name: str
    postal_address: str
    def __init__(self, from_address: _Optional[str] = ..., from_name: _Optional[str] = ..., postal_address: _Optional[str] = ...) -> None: ...

class Venture(_message.Message):
    __slots__ = ("id", "name", "offer_summary", "primary_cta", "default_channels", "timezone", "owner_contact", "active", "kill_switch", "sender", "create_time", "update_time", "privacy_policy_url", "unsubscribe_links")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OFFER_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_CTA_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    OWNER_CONTACT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    KILL_SWITCH_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRIVACY_POLICY_URL_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_LINKS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    offer_summary: str
    primary_cta: str
    default_channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    timezone: str
    owner_contact: str
    active: bool
    kill_switch: KillSwitch
    sender: SenderIdentity
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    privacy_policy_url: str
    unsubscribe_links: UnsubscribeLinkPolicy
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., offer_summary: _Optional[str] = ..., primary_cta: _Optional[str] = ..., default_channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., timezone: _Optional[str] = ..., owner_contact: _Optional[str] = ..., active: _Optional[bool] = ..., kill_switch: _Optional[_Union[KillSwitch, _Mapping]] = ..., sender: _Optional[_Union[SenderIdentity, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., privacy_policy_url: _Optional[str] = ..., unsubscribe_links: _Optional[_Union[UnsubscribeLinkPolicy, _Mapping]] = ...) -> None: ...

class UnsubscribeLinkPolicy(_message.Message):
    __slots__ = ("ttl_days", "revoked_before", "revoke_now")
    TTL_DAYS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    REVOKE_NOW_FIELD_NUMBER: _ClassVar[int]
    ttl_days: int
    revoked_before: _timestamp_pb2.Timestamp
    revoke_now: bool
    def __init__(self, ttl_days: _Optional[int] = ..., revoked_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_now: _Optional[bool] = ...) -> None: ...

class SendWindow(_message.Message):
    __slots__ = ("days", "start_hour", "start_minute", "end_hour", "end_minute")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    START_HOUR_FIELD_NUMBER: _ClassVar[int]
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_HOUR_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedScalarFieldContainer[Weekday]
    start_hour: int
    start_minute: int
    end_hour: int
    end_minute: int
    def __init__(self, days: _Optional[_Iterable[_Union[Weekday, str]]] = ..., start_hour: _Optional[int] = ..., start_minute: _Optional[int] = ..., end_hour: _Optional[int] = ..., end_minute: _Optional[int] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("id", "venture_id", "name", "objective", "allowed_channels", "daily_send_limit", "send_window", "consent_required", "kill_switch", "status", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    DAILY_SEND_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SEND_WINDOW_FIELD_NUMBER: _ClassVar[int]
    CONSENT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    KILL_SWITCH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    venture_id: str
    name: str
    objective: str
    allowed_channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    daily_send_limit: int
    send_window: SendWindow
    consent_required: bool
    kill_switch: KillSwitch
    status: CampaignStatus
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., venture_id: _Optional[str] = ..., name: _Optional[str] = ..., objective: _Optional[str] = ..., allowed_channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., daily_send_limit: _Optional[int] = ..., send_window: _Optional[_Union[SendWindow, _Mapping]] = ..., consent_required: _Optional[bool] = ..., kill_switch: _Optional[_Union[KillSwitch, _Mapping]] = ..., status: _Optional[_Union[CampaignStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SendPolicy(_message.Message):
    __slots__ = ("consent_required", "sender", "timezone", "next_window_open_time")
    CONSENT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    NEXT_WINDOW_OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    consent_required: bool
    sender: SenderIdentity
    timezone: str
    next_window_open_time: _timestamp_pb2.Timestamp
    def __init__(self, consent_required: _Optional[bool] = ..., sender: _Optional[_Union[SenderIdentity, _Mapping]] = ..., timezone: _Optional[str] = ..., next_window_open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Verdict(_message.Message):
    __slots__ = ("send_id", "campaign_id", "venture_id", "channel", "decision", "deny_reasons", "remaining_quota_today", "quota_day", "policy", "decide_time", "requested_by")
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DENY_REASONS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_QUOTA_TODAY_FIELD_NUMBER: _ClassVar[int]
    QUOTA_DAY_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    send_id: str
    campaign_id: str
    venture_id: str
    channel: _common_pb2.Channel
    decision: Decision
    deny_reasons: _containers.RepeatedScalarFieldContainer[DenyReason]
    remaining_quota_today: int
    quota_day: str
    policy: SendPolicy
    decide_time: _timestamp_pb2.Timestamp
    requested_by: _common_pb2.Actor
    def __init__(self, send_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., decision: _Optional[_Union[Decision, str]] = ..., deny_reasons: _Optional[_Iterable[_Union[DenyReason, str]]] = ..., remaining_quota_today: _Optional[int] = ..., quota_day: _Optional[str] = ..., policy: _Optional[_Union[SendPolicy, _Mapping]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., requested_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class CampaignHistoryEntry(_message.Message):
    __slots__ = ("action", "actor", "change_time", "reason", "from_status", "to_status", "changed_fields")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor: _common_pb2.Actor
    change_time: _timestamp_pb2.Timestamp
    reason: str
    from_status: CampaignStatus
    to_status: CampaignStatus
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, action: _Optional[str] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., from_status: _Optional[_Union[CampaignStatus, str]] = ..., to_status: _Optional[_Union[CampaignStatus, str]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateVentureRequest(_message.Message):
    __slots__ = ("venture", "request_id")
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    request_id: str
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateVentureResponse(_message.Message):
    __slots__ = ("venture",)
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ...) -> None: ...

class GetVentureRequest(_message.Message):
    __slots__ = ("venture_id",)
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    def __init__(self, venture_id: _Optional[str] = ...) -> None: ...

class GetVentureResponse(_message.Message):
    __slots__ = ("venture",)
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ...) -> None: ...

class ListVenturesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVenturesResponse(_message.Message):
    __slots__ = ("ventures", "next_page_token")
    VENTURES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ventures: _containers.RepeatedCompositeFieldContainer[Venture]
    next_page_token: str
    def __init__(self, ventures: _Optional[_Iterable[_Union[Venture, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateVentureRequest(_message.Message):
    __slots__ = ("venture", "update_mask", "request_id")
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateVentureResponse(_message.Message):
    __slots__ = ("venture",)
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ...) -> None: ...

class DeactivateVentureRequest(_message.Message):
    __slots__ = ("venture_id", "reason", "request_id")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    reason: str
    request_id: str
    def __init__(self, venture_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeactivateVentureResponse(_message.Message):
    __slots__ = ("venture",)
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ...) -> None: ...

class ActivateVentureRequest(_message.Message):
    __slots__ = ("venture_id", "reason", "request_id")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    reason: str
    request_id: str
    def __init__(self, venture_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ActivateVentureResponse(_message.Message):
    __slots__ = ("venture",)
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ...) -> None: ...

class CreateCampaignRequest(_message.Message):
    __slots__ = ("campaign", "request_id")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    request_id: str
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class GetCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("venture_id", "status", "page_size", "page_token")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    status: CampaignStatus
    page_size: int
    page_token: str
    def __init__(self, venture_id: _Optional[str] = ..., status: _Optional[_Union[CampaignStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[Campaign]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[Campaign, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateCampaignRequest(_message.Message):
    __slots__ = ("campaign", "update_mask", "request_id")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class StartCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class StartCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class PauseCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class PauseCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ResumeCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ResumeCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class StopCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class StopCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class CompleteCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CompleteCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ListCampaignHistoryRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCampaignHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CampaignHistoryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[CampaignHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetCampaignKillSwitchRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetCampaignKillSwitchResponse(_message.Message):
    __slots__ = ("campaign", "propagation")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    propagation: KillSwitchPropagation
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ..., propagation: _Optional[_Union[KillSwitchPropagation, _Mapping]] = ...) -> None: ...

class ClearCampaignKillSwitchRequest(_message.Message):
    __slots__ = ("campaign_id", "reason", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reason: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ClearCampaignKillSwitchResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class SetVentureKillSwitchRequest(_message.Message):
    __slots__ = ("venture_id", "reason", "request_id")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    reason: str
    request_id: str
    def __init__(self, venture_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetVentureKillSwitchResponse(_message.Message):
    __slots__ = ("venture", "propagation")
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    propagation: KillSwitchPropagation
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ..., propagation: _Optional[_Union[KillSwitchPropagation, _Mapping]] = ...) -> None: ...

class ClearVentureKillSwitchRequest(_message.Message):
    __slots__ = ("venture_id", "reason", "request_id")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    reason: str
    request_id: str
    def __init__(self, venture_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ClearVentureKillSwitchResponse(_message.Message):
    __slots__ = ("venture",)
    VENTURE_FIELD_NUMBER: _ClassVar[int]
    venture: Venture
    def __init__(self, venture: _Optional[_Union[Venture, _Mapping]] = ...) -> None: ...

class SetGlobalKillSwitchRequest(_message.Message):
    __slots__ = ("reason", "request_id")
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    reason: str
    request_id: str
    def __init__(self, reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetGlobalKillSwitchResponse(_message.Message):
    __slots__ = ("kill_switch", "propagation")
    KILL_SWITCH_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_FIELD_NUMBER: _ClassVar[int]
    kill_switch: KillSwitch
    propagation: KillSwitchPropagation
    def __init__(self, kill_switch: _Optional[_Union[KillSwitch, _Mapping]] = ..., propagation: _Optional[_Union[KillSwitchPropagation, _Mapping]] = ...) -> None: ...

class ClearGlobalKillSwitchRequest(_message.Message):
    __slots__ = ("reason", "request_id")
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    reason: str
    request_id: str
    def __init__(self, reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ClearGlobalKillSwitchResponse(_message.Message):
    __slots__ = ("kill_switch",)
    KILL_SWITCH_FIELD_NUMBER: _ClassVar[int]
    kill_switch: KillSwitch
    def __init__(self, kill_switch: _Optional[_Union[KillSwitch, _Mapping]] = ...) -> None: ...

class GetGlobalKillSwitchRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetGlobalKillSwitchResponse(_message.Message):
    __slots__ = ("kill_switch",)
    KILL_SWITCH_FIELD_NUMBER: _ClassVar[int]
    kill_switch: KillSwitch
    def __init__(self, kill_switch: _Optional[_Union[KillSwitch, _Mapping]] = ...) -> None: ...

class AuthorizeSendRequest(_message.Message):
    __slots__ = ("campaign_id", "channel", "send_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    channel: _common_pb2.Channel
    send_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., send_id: _Optional[str] = ...) -> None: ...

class AuthorizeSendResponse(_message.Message):
    __slots__ = ("verdict", "replayed")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    replayed: bool
    def __init__(self, verdict: _Optional[_Union[Verdict, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class BatchAuthorizeSendRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[AuthorizeSendRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[AuthorizeSendRequest, _Mapping]]] = ...) -> None: ...

class BatchAuthorizeSendResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AuthorizeSendResult]
    def __init__(self, results: _Optional[_Iterable[_Union[AuthorizeSendResult, _Mapping]]] = ...) -> None: ...

class AuthorizeSendResult(_message.Message):
    __slots__ = ("response", "error")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    response: AuthorizeSendResponse
    error: _common_pb2.ItemError
    def __init__(self, response: _Optional[_Union[AuthorizeSendResponse, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.ItemError, _Mapping]] = ...) -> None: ...

class CheckSafetyRequest(_message.Message):
    __slots__ = ("campaign_id", "channel")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    channel: _common_pb2.Channel
    def __init__(self, campaign_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ...) -> None: ...

class CheckSafetyResponse(_message.Message):
    __slots__ = ("verdict",)
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    def __init__(self, verdict: _Optional[_Union[Verdict, _Mapping]] = ...) -> None: ...

class ListVerdictsRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVerdictsResponse(_message.Message):
    __slots__ = ("verdicts", "next_page_token")
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    verdicts: _containers.RepeatedCompositeFieldContainer[Verdict]
    next_page_token: str
    def __init__(self, verdicts: _Optional[_Iterable[_Union[Verdict, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class KillSwitchPropagation(_message.Message):
    __slots__ = ("in_force_everywhere", "confirmed_replicas", "unconfirmed_replicas")
    IN_FORCE_EVERYWHERE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    UNCONFIRMED_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    in_force_everywhere: bool
    confirmed_replicas: _containers.RepeatedScalarFieldContainer[str]
    unconfirmed_replicas: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, in_force_everywhere: _Optional[bool] = ..., confirmed_replicas: _Optional[_Iterable[str]] = ..., unconfirmed_replicas: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchKillSwitchesRequest(_message.Message):
    __slots__ = ("replica_id", "ack_version")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    ACK_VERSION_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    ack_version: int
    def __init__(self, replica_id: _Optional[str] = ..., ack_version: _Optional[int] = ...) -> None: ...

class WatchKillSwitchesResponse(_message.Message):
    __slots__ = ("version", "global_engaged", "venture_ids", "campaign_ids", "lease_ms")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_ENGAGED_FIELD_NUMBER: _ClassVar[int]
    VENTURE_IDS_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_IDS_FIELD_NUMBER: _ClassVar[int]
    LEASE_MS_FIELD_NUMBER: _ClassVar[int]
    version: int
    global_engaged: bool
    venture_ids: _containers.RepeatedScalarFieldContainer[str]
    campaign_ids: _containers.RepeatedScalarFieldContainer[str]
    lease_ms: int
    def __init__(self, version: _Optional[int] = ..., global_engaged: _Optional[bool] = ..., venture_ids: _Optional[_Iterable[str]] = ..., campaign_ids: _Optional[_Iterable[str]] = ..., lease_ms: _Optional[int] = ...) -> None: ...
