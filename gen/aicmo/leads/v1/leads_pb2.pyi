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

class ConsentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_STATUS_UNSPECIFIED: _ClassVar[ConsentStatus]
    CONSENT_STATUS_UNKNOWN: _ClassVar[ConsentStatus]
    CONSENT_STATUS_CONSENTED: _ClassVar[ConsentStatus]
    CONSENT_STATUS_DNC: _ClassVar[ConsentStatus]

class IdentifierKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDENTIFIER_KIND_UNSPECIFIED: _ClassVar[IdentifierKind]
    IDENTIFIER_KIND_EMAIL: _ClassVar[IdentifierKind]
    IDENTIFIER_KIND_PHONE: _ClassVar[IdentifierKind]
    IDENTIFIER_KIND_LINKEDIN: _ClassVar[IdentifierKind]

class LeadState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEAD_STATE_UNSPECIFIED: _ClassVar[LeadState]
    LEAD_STATE_ACTIVE: _ClassVar[LeadState]
    LEAD_STATE_MERGED: _ClassVar[LeadState]
    LEAD_STATE_ERASED: _ClassVar[LeadState]

class CaptureOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_OUTCOME_UNSPECIFIED: _ClassVar[CaptureOutcome]
    CAPTURE_OUTCOME_CREATED: _ClassVar[CaptureOutcome]
    CAPTURE_OUTCOME_MATCHED: _ClassVar[CaptureOutcome]
    CAPTURE_OUTCOME_REJECTED: _ClassVar[CaptureOutcome]

class SuppressionScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPPRESSION_SCOPE_UNSPECIFIED: _ClassVar[SuppressionScope]
    SUPPRESSION_SCOPE_VENTURE: _ClassVar[SuppressionScope]
    SUPPRESSION_SCOPE_GLOBAL: _ClassVar[SuppressionScope]

class ContactabilityReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTACTABILITY_REASON_UNSPECIFIED: _ClassVar[ContactabilityReason]
    CONTACTABILITY_REASON_DNC: _ClassVar[ContactabilityReason]
    CONTACTABILITY_REASON_SUPPRESSED: _ClassVar[ContactabilityReason]
    CONTACTABILITY_REASON_ERASED: _ClassVar[ContactabilityReason]
    CONTACTABILITY_REASON_NO_ADDRESS_FOR_CHANNEL: _ClassVar[ContactabilityReason]
    CONTACTABILITY_REASON_CONSENT_REQUIRED_UNKNOWN: _ClassVar[ContactabilityReason]
    CONTACTABILITY_REASON_MERGED: _ClassVar[ContactabilityReason]

class EmailValidity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMAIL_VALIDITY_UNSPECIFIED: _ClassVar[EmailValidity]
    EMAIL_VALIDITY_VALID: _ClassVar[EmailValidity]
    EMAIL_VALIDITY_INVALID: _ClassVar[EmailValidity]
    EMAIL_VALIDITY_RISKY: _ClassVar[EmailValidity]

class LinkedinConnectionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINKEDIN_CONNECTION_STATUS_UNSPECIFIED: _ClassVar[LinkedinConnectionStatus]
    LINKEDIN_CONNECTION_STATUS_NOT_CONNECTED: _ClassVar[LinkedinConnectionStatus]
    LINKEDIN_CONNECTION_STATUS_PENDING: _ClassVar[LinkedinConnectionStatus]
    LINKEDIN_CONNECTION_STATUS_CONNECTED: _ClassVar[LinkedinConnectionStatus]

class LeadGrade(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEAD_GRADE_UNSPECIFIED: _ClassVar[LeadGrade]
    LEAD_GRADE_A: _ClassVar[LeadGrade]
    LEAD_GRADE_B: _ClassVar[LeadGrade]
    LEAD_GRADE_C: _ClassVar[LeadGrade]
    LEAD_GRADE_D: _ClassVar[LeadGrade]

class FeedbackKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEEDBACK_KIND_UNSPECIFIED: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_BOUNCE_HARD: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_BOUNCE_SOFT: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_COMPLAINT: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_REPLY: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_AUTO_REPLY: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_UNSUBSCRIBE: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_NOTE: _ClassVar[FeedbackKind]

class Objection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTION_UNSPECIFIED: _ClassVar[Objection]
    OBJECTION_INTERESTED: _ClassVar[Objection]
    OBJECTION_MEETING_REQUEST: _ClassVar[Objection]
    OBJECTION_NOT_NOW: _ClassVar[Objection]
    OBJECTION_PRICE: _ClassVar[Objection]
    OBJECTION_AUTHORITY: _ClassVar[Objection]
    OBJECTION_NEED: _ClassVar[Objection]
    OBJECTION_COMPETITOR: _ClassVar[Objection]
    OBJECTION_UNSUBSCRIBE_REQUEST: _ClassVar[Objection]
    OBJECTION_OUT_OF_OFFICE: _ClassVar[Objection]
    OBJECTION_OTHER: _ClassVar[Objection]

class FeedbackEffect(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEEDBACK_EFFECT_UNSPECIFIED: _ClassVar[FeedbackEffect]
    FEEDBACK_EFFECT_IDENTIFIER_SUPPRESSED: _ClassVar[FeedbackEffect]
    FEEDBACK_EFFECT_LEAD_DNC: _ClassVar[FeedbackEffect]

class UnsubscribeReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNSUBSCRIBE_REASON_UNSPECIFIED: _ClassVar[UnsubscribeReason]
    UNSUBSCRIBE_REASON_TOO_FREQUENT: _ClassVar[UnsubscribeReason]
    UNSUBSCRIBE_REASON_NOT_RELEVANT: _ClassVar[UnsubscribeReason]
    UNSUBSCRIBE_REASON_NEVER_SIGNED_UP: _ClassVar[UnsubscribeReason]
    UNSUBSCRIBE_REASON_NO_LONGER_NEEDED: _ClassVar[UnsubscribeReason]
    UNSUBSCRIBE_REASON_OTHER: _ClassVar[UnsubscribeReason]
CONSENT_STATUS_UNSPECIFIED: ConsentStatus
CONSENT_STATUS_UNKNOWN: ConsentStatus
CONSENT_STATUS_CONSENTED: ConsentStatus
CONSENT_STATUS_DNC: ConsentStatus
IDENTIFIER_KIND_UNSPECIFIED: IdentifierKind
IDENTIFIER_KIND_EMAIL: IdentifierKind
IDENTIFIER_KIND_PHONE: IdentifierKind
IDENTIFIER_KIND_LINKEDIN: IdentifierKind
LEAD_STATE_UNSPECIFIED: LeadState
LEAD_STATE_ACTIVE: LeadState
LEAD_STATE_MERGED: LeadState
LEAD_STATE_ERASED: LeadState
CAPTURE_OUTCOME_UNSPECIFIED: CaptureOutcome
CAPTURE_OUTCOME_CREATED: CaptureOutcome
CAPTURE_OUTCOME_MATCHED: CaptureOutcome
CAPTURE_OUTCOME_REJECTED: CaptureOutcome
SUPPRESSION_SCOPE_UNSPECIFIED: SuppressionScope
SUPPRESSION_SCOPE_VENTURE: SuppressionScope
SUPPRESSION_SCOPE_GLOBAL: SuppressionScope
CONTACTABILITY_REASON_UNSPECIFIED: ContactabilityReason
CONTACTABILITY_REASON_DNC: ContactabilityReason
CONTACTABILITY_REASON_SUPPRESSED: ContactabilityReason
CONTACTABILITY_REASON_ERASED: ContactabilityReason
CONTACTABILITY_REASON_NO_ADDRESS_FOR_CHANNEL: ContactabilityReason
CONTACTABILITY_REASON_CONSENT_REQUIRED_UNKNOWN: ContactabilityReason
CONTACTABILITY_REASON_MERGED: ContactabilityReason
EMAIL_VALIDITY_UNSPECIFIED: EmailValidity
EMAIL_VALIDITY_VALID: EmailValidity
EMAIL_VALIDITY_INVALID: EmailValidity
EMAIL_VALIDITY_RISKY: EmailValidity
LINKEDIN_CONNECTION_STATUS_UNSPECIFIED: LinkedinConnectionStatus
LINKEDIN_CONNECTION_STATUS_NOT_CONNECTED: LinkedinConnectionStatus
LINKEDIN_CONNECTION_STATUS_PENDING: LinkedinConnectionStatus
LINKEDIN_CONNECTION_STATUS_CONNECTED: LinkedinConnectionStatus
LEAD_GRADE_UNSPECIFIED: LeadGrade
LEAD_GRADE_A: LeadGrade
LEAD_GRADE_B: LeadGrade
LEAD_GRADE_C: LeadGrade
LEAD_GRADE_D: LeadGrade
FEEDBACK_KIND_UNSPECIFIED: FeedbackKind
FEEDBACK_KIND_BOUNCE_HARD: FeedbackKind
FEEDBACK_KIND_BOUNCE_SOFT: FeedbackKind
FEEDBACK_KIND_COMPLAINT: FeedbackKind
FEEDBACK_KIND_REPLY: FeedbackKind
FEEDBACK_KIND_AUTO_REPLY: FeedbackKind
FEEDBACK_KIND_UNSUBSCRIBE: FeedbackKind
FEEDBACK_KIND_NOTE: FeedbackKind
OBJECTION_UNSPECIFIED: Objection
OBJECTION_INTERESTED: Objection
OBJECTION_MEETING_REQUEST: Objection
OBJECTION_NOT_NOW: Objection
OBJECTION_PRICE: Objection
OBJECTION_AUTHORITY: Objection
OBJECTION_NEED: Objection
OBJECTION_COMPETITOR: Objection
OBJECTION_UNSUBSCRIBE_REQUEST: Objection
OBJECTION_OUT_OF_OFFICE: Objection
OBJECTION_OTHER: Objection
FEEDBACK_EFFECT_UNSPECIFIED: FeedbackEffect
FEEDBACK_EFFECT_IDENTIFIER_SUPPRESSED: FeedbackEffect
FEEDBACK_EFFECT_LEAD_DNC: FeedbackEffect
UNSUBSCRIBE_REASON_UNSPECIFIED: UnsubscribeReason
UNSUBSCRIBE_REASON_TOO_FREQUENT: UnsubscribeReason
UNSUBSCRIBE_REASON_NOT_RELEVANT: UnsubscribeReason
UNSUBSCRIBE_REASON_NEVER_SIGNED_UP: UnsubscribeReason
UNSUBSCRIBE_REASON_NO_LONGER_NEEDED: UnsubscribeReason
UNSUBSCRIBE_REASON_OTHER: UnsubscribeReason

class ConsentEvidence(_message.Message):
    __slots__ = ("source", "form_url", "ip_address", "consent_text_version", "consent_time")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    FORM_URL_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_TEXT_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONSENT_TIME_FIELD_NUMBER: _ClassVar[int]
    source: str
    form_url: str
    ip_address: str
    consent_text_version: str
    consent_time: _timestamp_pb2.Timestamp
    def __init__(self, source: _Optional[str] = ..., form_url: _Optional[str] = ..., ip_address: _Optional[str] = ..., consent_text_version: _Optional[str] = ..., consent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UtmParameters(_message.Message):
    __slots__ = ("campaign", "content", "source", "medium", "term")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MEDIUM_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    campaign: str
    content: str
    source: str
    medium: str
    term: str
    def __init__(self, campaign: _Optional[str] = ..., content: _Optional[str] = ..., source: _Optional[str] = ..., medium: _Optional[str] = ..., term: _Optional[str] = ...) -> None: ...

class ValueEstimate(_message.Message):
    __slots__ = ("currency_code", "amount_minor")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    amount_minor: int
    def __init__(self, currency_code: _Optional[str] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class Qualification(_message.Message):
    __slots__ = ("decision_maker_name", "decision_maker_role", "decision_maker_email", "budget_range", "pain_points", "buying_signals", "intent_signals", "referral_source", "linkedin_connection_status", "qualification_notes", "email_validity", "lead_grade", "conversion_probability", "fit_score", "proposal_generate_time")
    DECISION_MAKER_NAME_FIELD_NUMBER: _ClassVar[int]
    DECISION_MAKER_ROLE_FIELD_NUMBER: _ClassVar[int]
    DECISION_MAKER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    BUDGET_RANGE_FIELD_NUMBER: _ClassVar[int]
    PAIN_POINTS_FIELD_NUMBER: _ClassVar[int]
    BUYING_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    INTENT_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_SOURCE_FIELD_NUMBER: _ClassVar[int]
    LINKEDIN_CONNECTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATION_NOTES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_VALIDITY_FIELD_NUMBER: _ClassVar[int]
    LEAD_GRADE_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    FIT_SCORE_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    decision_maker_name: str
    decision_maker_role: str
    decision_maker_email: str
    budget_range: str
    pain_points: _containers.RepeatedScalarFieldContainer[str]
    buying_signals: _containers.RepeatedScalarFieldContainer[str]
    intent_signals: _containers.RepeatedScalarFieldContainer[str]
    referral_source: str
    linkedin_connection_status: LinkedinConnectionStatus
    qualification_notes: str
    email_validity: EmailValidity
    lead_grade: LeadGrade
    conversion_probability: float
    fit_score: float
    proposal_generate_time: _timestamp_pb2.Timestamp
    def __init__(self, decision_maker_name: _Optional[str] = ..., decision_maker_role: _Optional[str] = ..., decision_maker_email: _Optional[str] = ..., budget_range: _Optional[str] = ..., pain_points: _Optional[_Iterable[str]] = ..., buying_signals: _Optional[_Iterable[str]] = ..., intent_signals: _Optional[_Iterable[str]] = ..., referral_source: _Optional[str] = ..., linkedin_connection_status: _Optional[_Union[LinkedinConnectionStatus, str]] = ..., qualification_notes: _Optional[str] = ..., email_validity: _Optional[_Union[EmailValidity, str]] = ..., lead_grade: _Optional[_Union[LeadGrade, str]] = ..., conversion_probability: _Optional[float] = ..., fit_score: _Optional[float] = ..., proposal_generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LeadCapture(_message.Message):
    __slots__ = ("venture_id", "campaign_id", "email", "phone", "linkedin_url", "name", "first_name", "company", "title", "industry", "company_size", "source_channel", "source_reference", "utm", "consent_status", "consent_evidence", "value_estimate", "attributes", "qualification")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    LINKEDIN_URL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    COMPANY_SIZE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    UTM_FIELD_NUMBER: _ClassVar[int]
    CONSENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    VALUE_ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATION_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    campaign_id: str
    email: str
    phone: str
    linkedin_url: str
    name: str
    first_name: str
    company: str
    title: str
    industry: str
    company_size: str
    source_channel: str
    source_reference: str
    utm: UtmParameters
    consent_status: ConsentStatus
    consent_evidence: ConsentEvidence
    value_estimate: ValueEstimate
    attributes: _containers.ScalarMap[str, str]
    qualification: Qualification
    def __init__(self, venture_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., linkedin_url: _Optional[str] = ..., name: _Optional[str] = ..., first_name: _Optional[str] = ..., company: _Optional[str] = ..., title: _Optional[str] = ..., industry: _Optional[str] = ..., company_size: _Optional[str] = ..., source_channel: _Optional[str] = ..., source_reference: _Optional[str] = ..., utm: _Optional[_Union[UtmParameters, _Mapping]] = ..., consent_status: _Optional[_Union[ConsentStatus, str]] = ..., consent_evidence: _Optional[_Union[ConsentEvidence, _Mapping]] = ..., value_estimate: _Optional[_Union[ValueEstimate, _Mapping]] = ..., attributes: _Optional[_Mapping[str, str]] = ..., qualification: _Optional[_Union[Qualification, _Mapping]] = ...) -> None: ...

class Identifier(_message.Message):
    __slots__ = ("kind", "value")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    kind: IdentifierKind
    value: str
    def __init__(self, kind: _Optional[_Union[IdentifierKind, str]] = ..., value: _Optional[str] = ...) -> None: ...

class Touch(_message.Message):
    __slots__ = ("touch_id", "lead_id", "campaign_id", "source_channel", "source_reference", "utm", "touch_time")
    TOUCH_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    UTM_FIELD_NUMBER: _ClassVar[int]
    TOUCH_TIME_FIELD_NUMBER: _ClassVar[int]
    touch_id: str
    lead_id: str
    campaign_id: str
    source_channel: str
    source_reference: str
    utm: UtmParameters
    touch_time: _timestamp_pb2.Timestamp
    def __init__(self, touch_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., source_channel: _Optional[str] = ..., source_reference: _Optional[str] = ..., utm: _Optional[_Union[UtmParameters, _Mapping]] = ..., touch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Lead(_message.Message):
    __slots__ = ("lead_id", "venture_id", "state", "identity_hash", "email", "phone", "linkedin_url", "identifiers", "name", "first_name", "company", "title", "industry", "company_size", "consent_status", "consent_evidence", "value_estimate", "attributes", "qualification", "first_touch", "last_touch", "touch_count", "merged_into_lead_id", "create_time", "update_time", "erase_time")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_HASH_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    LINKEDIN_URL_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    COMPANY_SIZE_FIELD_NUMBER: _ClassVar[int]
    CONSENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    VALUE_ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATION_FIELD_NUMBER: _ClassVar[int]
    FIRST_TOUCH_FIELD_NUMBER: _ClassVar[int]
    LAST_TOUCH_FIELD_NUMBER: _ClassVar[int]
    TOUCH_COUNT_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    venture_id: str
    state: LeadState
    identity_hash: str
    email: str
    phone: str
    linkedin_url: str
    identifiers: _containers.RepeatedCompositeFieldContainer[Identifier]
    name: str
    first_name: str
    company: str
    title: str
    industry: str
    company_size: str
    consent_status: ConsentStatus
    consent_evidence: ConsentEvidence
    value_estimate: ValueEstimate
    attributes: _containers.ScalarMap[str, str]
    qualification: Qualification
    first_touch: Touch
    last_touch: Touch
    touch_count: int
    merged_into_lead_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    erase_time: _timestamp_pb2.Timestamp
    def __init__(self, lead_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., state: _Optional[_Union[LeadState, str]] = ..., identity_hash: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., linkedin_url: _Optional[str] = ..., identifiers: _Optional[_Iterable[_Union[Identifier, _Mapping]]] = ..., name: _Optional[str] = ..., first_name: _Optional[str] = ..., company: _Optional[str] = ..., title: _Optional[str] = ..., industry: _Optional[str] = ..., company_size: _Optional[str] = ..., consent_status: _Optional[_Union[ConsentStatus, str]] = ..., consent_evidence: _Optional[_Union[ConsentEvidence, _Mapping]] = ..., value_estimate: _Optional[_Union[ValueEstimate, _Mapping]] = ..., attributes: _Optional[_Mapping[str, str]] = ..., qualification: _Optional[_Union[Qualification, _Mapping]] = ..., first_touch: _Optional[_Union[Touch, _Mapping]] = ..., last_touch: _Optional[_Union[Touch, _Mapping]] = ..., touch_count: _Optional[int] = ..., merged_into_lead_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., erase_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConsentRecord(_message.Message):
    __slots__ = ("record_id", "lead_id", "from_status", "to_status", "change_time", "actor", "source", "evidence", "reason", "request_id")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    lead_id: str
    from_status: ConsentStatus
    to_status: ConsentStatus
    change_time: _timestamp_pb2.Timestamp
    actor: _common_pb2.Actor
    source: str
    evidence: ConsentEvidence
    reason: str
    request_id: str
    def __init__(self, record_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., from_status: _Optional[_Union[ConsentStatus, str]] = ..., to_status: _Optional[_Union[ConsentStatus, str]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., source: _Optional[str] = ..., evidence: _Optional[_Union[ConsentEvidence, _Mapping]] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SuppressionEntry(_message.Message):
    __slots__ = ("entry_id", "kind", "identifier_hmac", "scope", "venture_id", "reason", "create_time")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_HMAC_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    kind: IdentifierKind
    identifier_hmac: str
    scope: SuppressionScope
    venture_id: str
    reason: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, entry_id: _Optional[str] = ..., kind: _Optional[_Union[IdentifierKind, str]] = ..., identifier_hmac: _Optional[str] = ..., scope: _Optional[_Union[SuppressionScope, str]] = ..., venture_id: _Optional[str] = ..., reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CaptureLeadRequest(_message.Message):
    __slots__ = ("request_id", "capture")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    capture: LeadCapture
    def __init__(self, request_id: _Optional[str] = ..., capture: _Optional[_Union[LeadCapture, _Mapping]] = ...) -> None: ...

class CaptureLeadResponse(_message.Message):
    __slots__ = ("lead", "outcome", "matched_on", "merged_lead_ids", "suppressed", "touch")
    LEAD_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ON_FIELD_NUMBER: _ClassVar[int]
    MERGED_LEAD_IDS_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    TOUCH_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    outcome: CaptureOutcome
    matched_on: IdentifierKind
    merged_lead_ids: _containers.RepeatedScalarFieldContainer[str]
    suppressed: bool
    touch: Touch
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ..., outcome: _Optional[_Union[CaptureOutcome, str]] = ..., matched_on: _Optional[_Union[IdentifierKind, str]] = ..., merged_lead_ids: _Optional[_Iterable[str]] = ..., suppressed: _Optional[bool] = ..., touch: _Optional[_Union[Touch, _Mapping]] = ...) -> None: ...

class ImportLeadsRequest(_message.Message):
    __slots__ = ("row_number", "capture")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    capture: LeadCapture
    def __init__(self, row_number: _Optional[int] = ..., capture: _Optional[_Union[LeadCapture, _Mapping]] = ...) -> None: ...

class ImportRowResult(_message.Message):
    __slots__ = ("row_number", "outcome", "lead_id", "matched_on", "violations", "merged_lead_ids", "suppressed")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ON_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    MERGED_LEAD_IDS_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    outcome: CaptureOutcome
    lead_id: str
    matched_on: IdentifierKind
    violations: _containers.RepeatedCompositeFieldContainer[ImportFieldViolation]
    merged_lead_ids: _containers.RepeatedScalarFieldContainer[str]
    suppressed: bool
    def __init__(self, row_number: _Optional[int] = ..., outcome: _Optional[_Union[CaptureOutcome, str]] = ..., lead_id: _Optional[str] = ..., matched_on: _Optional[_Union[IdentifierKind, str]] = ..., violations: _Optional[_Iterable[_Union[ImportFieldViolation, _Mapping]]] = ..., merged_lead_ids: _Optional[_Iterable[str]] = ..., suppressed: _Optional[bool] = ...) -> None: ...

class ImportFieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ImportSummary(_message.Message):
    __slots__ = ("import_id", "rows", "created", "matched", "rejected", "merged")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    MERGED_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    rows: int
    created: int
    matched: int
    rejected: int
    merged: int
    def __init__(self, import_id: _Optional[str] = ..., rows: _Optional[int] = ..., created: _Optional[int] = ..., matched: _Optional[int] = ..., rejected: _Optional[int] = ..., merged: _Optional[int] = ...) -> None: ...

class ImportLeadsResponse(_message.Message):
    __slots__ = ("results", "summary")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ImportRowResult]
    summary: ImportSummary
    def __init__(self, results: _Optional[_Iterable[_Union[ImportRowResult, _Mapping]]] = ..., summary: _Optional[_Union[ImportSummary, _Mapping]] = ...) -> None: ...

class GetLeadRequest(_message.Message):
    __slots__ = ("lead_id",)
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    def __init__(self, lead_id: _Optional[str] = ...) -> None: ...

class GetLeadResponse(_message.Message):
    __slots__ = ("lead",)
    LEAD_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ...) -> None: ...

class ListLeadsRequest(_message.Message):
    __slots__ = ("venture_id", "campaign_id", "consent_status", "source_channel", "state", "page_size", "page_token", "read_mask")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    campaign_id: str
    consent_status: ConsentStatus
    source_channel: str
    state: LeadState
    page_size: int
    page_token: str
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, venture_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., consent_status: _Optional[_Union[ConsentStatus, str]] = ..., source_channel: _Optional[str] = ..., state: _Optional[_Union[LeadState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ListLeadsResponse(_message.Message):
    __slots__ = ("leads", "next_page_token")
    LEADS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    leads: _containers.RepeatedCompositeFieldContainer[Lead]
    next_page_token: str
    def __init__(self, leads: _Optional[_Iterable[_Union[Lead, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLeadRequest(_message.Message):
    __slots__ = ("lead", "update_mask", "request_id")
    LEAD_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateLeadResponse(_message.Message):
    __slots__ = ("lead",)
    LEAD_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ...) -> None: ...

class UpdateConsentRequest(_message.Message):
    __slots__ = ("lead_id", "consent_status", "evidence", "reason", "request_id")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    consent_status: ConsentStatus
    evidence: ConsentEvidence
    reason: str
    request_id: str
    def __init__(self, lead_id: _Optional[str] = ..., consent_status: _Optional[_Union[ConsentStatus, str]] = ..., evidence: _Optional[_Union[ConsentEvidence, _Mapping]] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateConsentResponse(_message.Message):
    __slots__ = ("record", "lead")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    record: ConsentRecord
    lead: Lead
    def __init__(self, record: _Optional[_Union[ConsentRecord, _Mapping]] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ...) -> None: ...

class ListConsentHistoryRequest(_message.Message):
    __slots__ = ("lead_id", "page_size", "page_token")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    page_size: int
    page_token: str
    def __init__(self, lead_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsentHistoryResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ConsentRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[ConsentRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkDncRequest(_message.Message):
    __slots__ = ("lead_id", "identifier", "scope", "venture_id", "reason", "request_id")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    identifier: Identifier
    scope: SuppressionScope
    venture_id: str
    reason: str
    request_id: str
    def __init__(self, lead_id: _Optional[str] = ..., identifier: _Optional[_Union[Identifier, _Mapping]] = ..., scope: _Optional[_Union[SuppressionScope, str]] = ..., venture_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class MarkDncResponse(_message.Message):
    __slots__ = ("entries", "affected_lead_ids")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_LEAD_IDS_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[SuppressionEntry]
    affected_lead_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entries: _Optional[_Iterable[_Union[SuppressionEntry, _Mapping]]] = ..., affected_lead_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class EraseLeadRequest(_message.Message):
    __slots__ = ("lead_id", "reason", "request_id")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    reason: str
    request_id: str
    def __init__(self, lead_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class EraseLeadResponse(_message.Message):
    __slots__ = ("lead",)
    LEAD_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ...) -> None: ...

class CheckContactabilityRequest(_message.Message):
    __slots__ = ("lead_id", "channel", "consent_required")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CONSENT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    channel: _common_pb2.Channel
    consent_required: bool
    def __init__(self, lead_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., consent_required: _Optional[bool] = ...) -> None: ...

class CheckContactabilityResponse(_message.Message):
    __slots__ = ("allowed", "reasons", "address", "lead", "venture_id", "consent_status", "merged_into_lead_id")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reasons: _containers.RepeatedScalarFieldContainer[ContactabilityReason]
    address: str
    lead: Lead
    venture_id: str
    consent_status: ConsentStatus
    merged_into_lead_id: str
    def __init__(self, allowed: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[ContactabilityReason, str]]] = ..., address: _Optional[str] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ..., venture_id: _Optional[str] = ..., consent_status: _Optional[_Union[ConsentStatus, str]] = ..., merged_into_lead_id: _Optional[str] = ...) -> None: ...

class BatchCheckContactabilityRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CheckContactabilityRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[CheckContactabilityRequest, _Mapping]]] = ...) -> None: ...

class BatchCheckContactabilityResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CheckContactabilityResult]
    def __init__(self, results: _Optional[_Iterable[_Union[CheckContactabilityResult, _Mapping]]] = ...) -> None: ...

class CheckContactabilityResult(_message.Message):
    __slots__ = ("response", "error")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    response: CheckContactabilityResponse
    error: _common_pb2.ItemError
    def __init__(self, response: _Optional[_Union[CheckContactabilityResponse, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ExportLeadsRequest(_message.Message):
    __slots__ = ("venture_id", "campaign_id", "consent_status", "include_inactive")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    campaign_id: str
    consent_status: ConsentStatus
    include_inactive: bool
    def __init__(self, venture_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., consent_status: _Optional[_Union[ConsentStatus, str]] = ..., include_inactive: _Optional[bool] = ...) -> None: ...

class ExportLeadsResponse(_message.Message):
    __slots__ = ("lead",)
    LEAD_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ...) -> None: ...

class ListTouchesRequest(_message.Message):
    __slots__ = ("lead_id", "page_size", "page_token")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    page_size: int
    page_token: str
    def __init__(self, lead_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTouchesResponse(_message.Message):
    __slots__ = ("touches", "next_page_token")
    TOUCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    touches: _containers.RepeatedCompositeFieldContainer[Touch]
    next_page_token: str
    def __init__(self, touches: _Optional[_Iterable[_Union[Touch, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Classification(_message.Message):
    __slots__ = ("objection", "matched_terms", "classifier", "language")
    OBJECTION_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TERMS_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIER_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    objection: Objection
    matched_terms: _containers.RepeatedScalarFieldContainer[str]
    classifier: str
    language: str
    def __init__(self, objection: _Optional[_Union[Objection, str]] = ..., matched_terms: _Optional[_Iterable[str]] = ..., classifier: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class FeedbackInput(_message.Message):
    __slots__ = ("feedback_id", "lead_id", "kind", "channel", "identifier", "send_id", "campaign_id", "template_id", "occur_time", "evidence_sha256", "detail_code", "text")
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_SHA256_FIELD_NUMBER: _ClassVar[int]
    DETAIL_CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    lead_id: str
    kind: FeedbackKind
    channel: _common_pb2.Channel
    identifier: str
    send_id: str
    campaign_id: str
    template_id: str
    occur_time: _timestamp_pb2.Timestamp
    evidence_sha256: str
    detail_code: str
    text: str
    def __init__(self, feedback_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., kind: _Optional[_Union[FeedbackKind, str]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., identifier: _Optional[str] = ..., send_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., template_id: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evidence_sha256: _Optional[str] = ..., detail_code: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class FeedbackItem(_message.Message):
    __slots__ = ("feedback_id", "lead_id", "venture_id", "kind", "channel", "send_id", "campaign_id", "template_id", "occur_time", "record_time", "evidence_sha256", "detail_code", "classification", "effects", "unsubscribe_reason", "actor")
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SEND_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_SHA256_FIELD_NUMBER: _ClassVar[int]
    DETAIL_CODE_FIELD_NUMBER: _ClassVar[int]
    CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    EFFECTS_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    lead_id: str
    venture_id: str
    kind: FeedbackKind
    channel: _common_pb2.Channel
    send_id: str
    campaign_id: str
    template_id: str
    occur_time: _timestamp_pb2.Timestamp
    record_time: _timestamp_pb2.Timestamp
    evidence_sha256: str
    detail_code: str
    classification: Classification
    effects: _containers.RepeatedScalarFieldContainer[FeedbackEffect]
    unsubscribe_reason: UnsubscribeReason
    actor: str
    def __init__(self, feedback_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., kind: _Optional[_Union[FeedbackKind, str]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., send_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., template_id: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evidence_sha256: _Optional[str] = ..., detail_code: _Optional[str] = ..., classification: _Optional[_Union[Classification, _Mapping]] = ..., effects: _Optional[_Iterable[_Union[FeedbackEffect, str]]] = ..., unsubscribe_reason: _Optional[_Union[UnsubscribeReason, str]] = ..., actor: _Optional[str] = ...) -> None: ...

class ApplyFeedbackRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[FeedbackInput]
    def __init__(self, items: _Optional[_Iterable[_Union[FeedbackInput, _Mapping]]] = ...) -> None: ...

class FeedbackResult(_message.Message):
    __slots__ = ("feedback_id", "duplicate", "item", "error")
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    duplicate: bool
    item: FeedbackItem
    error: _common_pb2.ItemError
    def __init__(self, feedback_id: _Optional[str] = ..., duplicate: _Optional[bool] = ..., item: _Optional[_Union[FeedbackItem, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.ItemError, _Mapping]] = ...) -> None: ...

class ApplyFeedbackResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[FeedbackResult]
    def __init__(self, results: _Optional[_Iterable[_Union[FeedbackResult, _Mapping]]] = ...) -> None: ...

class RecordFeedbackRequest(_message.Message):
    __slots__ = ("lead_id", "text", "channel", "campaign_id", "request_id")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    text: str
    channel: _common_pb2.Channel
    campaign_id: str
    request_id: str
    def __init__(self, lead_id: _Optional[str] = ..., text: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordFeedbackResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: FeedbackItem
    def __init__(self, item: _Optional[_Union[FeedbackItem, _Mapping]] = ...) -> None: ...

class ListFeedbackRequest(_message.Message):
    __slots__ = ("lead_id", "campaign_id", "venture_id", "kinds", "page_size", "page_token")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    campaign_id: str
    venture_id: str
    kinds: _containers.RepeatedScalarFieldContainer[FeedbackKind]
    page_size: int
    page_token: str
    def __init__(self, lead_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., venture_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[FeedbackKind, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFeedbackResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[FeedbackItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[FeedbackItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TopObjectionsRequest(_message.Message):
    __slots__ = ("venture_id", "campaign_id", "template_id", "examples")
    VENTURE_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    venture_id: str
    campaign_id: str
    template_id: str
    examples: int
    def __init__(self, venture_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., template_id: _Optional[str] = ..., examples: _Optional[int] = ...) -> None: ...

class ObjectionCount(_message.Message):
    __slots__ = ("objection", "count", "example_feedback_ids")
    OBJECTION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_FEEDBACK_IDS_FIELD_NUMBER: _ClassVar[int]
    objection: Objection
    count: int
    example_feedback_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, objection: _Optional[_Union[Objection, str]] = ..., count: _Optional[int] = ..., example_feedback_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class TopObjectionsResponse(_message.Message):
    __slots__ = ("objections", "total")
    OBJECTIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    objections: _containers.RepeatedCompositeFieldContainer[ObjectionCount]
    total: int
    def __init__(self, objections: _Optional[_Iterable[_Union[ObjectionCount, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class RecordUnsubscribeReasonRequest(_message.Message):
    __slots__ = ("lead_id", "reason", "text", "campaign_id", "request_id")
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    lead_id: str
    reason: UnsubscribeReason
    text: str
    campaign_id: str
    request_id: str
    def __init__(self, lead_id: _Optional[str] = ..., reason: _Optional[_Union[UnsubscribeReason, str]] = ..., text: _Optional[str] = ..., campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordUnsubscribeReasonResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: FeedbackItem
    def __init__(self, item: _Optional[_Union[FeedbackItem, _Mapping]] = ...) -> None: ...
