"""Proto messages <-> domain records: the one mapping of the leads RPCs. Unknown enum
numbers become values validation refuses, so a client with a newer contract gets
INVALID_ARGUMENT, never a silent default."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_leads.domain.capture import (
    NO_QUALIFICATION,
    PROFILE_FIELDS,
    Qualification,
    RawCapture,
    Utm,
)
from aicmo_leads.domain.consent import ConsentEvidence, ConsentStatus
from aicmo_leads.domain.contactability import BlockReason, DeliveryChannel, LeadState
from aicmo_leads.domain.identifiers import IdentifierKind
from aicmo_leads.domain.lead import (
    CaptureOutcome,
    CaptureResult,
    ConsentRecordView,
    LeadRecord,
    SuppressionRecord,
    SuppressionScope,
    TouchRecord,
)
from aicmo_leads.domain.validation import Violation
from aicmo_leads.service_layer.capture import CaptureAnswer
from aicmo_leads.service_layer.reading import ContactabilityAnswer

CONSENT_FROM_PROTO = {pb.CONSENT_STATUS_UNSPECIFIED: "", pb.CONSENT_STATUS_UNKNOWN: "unknown",
                      pb.CONSENT_STATUS_CONSENTED: "consented", pb.CONSENT_STATUS_DNC: "dnc"}
CONSENT_TO_PROTO = {ConsentStatus.UNKNOWN: pb.CONSENT_STATUS_UNKNOWN,
                    ConsentStatus.CONSENTED: pb.CONSENT_STATUS_CONSENTED,
                    ConsentStatus.DNC: pb.CONSENT_STATUS_DNC}
LINKEDIN_STATUS = {pb.LINKEDIN_CONNECTION_STATUS_UNSPECIFIED: "",
                   pb.LINKEDIN_CONNECTION_STATUS_NOT_CONNECTED: "not_connected",
                   pb.LINKEDIN_CONNECTION_STATUS_PENDING: "pending",
                   pb.LINKEDIN_CONNECTION_STATUS_CONNECTED: "connected"}
EMAIL_VALIDITY = {pb.EMAIL_VALIDITY_UNSPECIFIED: "", pb.EMAIL_VALIDITY_VALID: "valid",
                  pb.EMAIL_VALIDITY_INVALID: "invalid", pb.EMAIL_VALIDITY_RISKY: "risky"}
LEAD_GRADE = {pb.LEAD_GRADE_UNSPECIFIED: "", pb.LEAD_GRADE_A: "A", pb.LEAD_GRADE_B: "B",
              pb.LEAD_GRADE_C: "C", pb.LEAD_GRADE_D: "D"}
KIND_FROM_PROTO = {pb.IDENTIFIER_KIND_EMAIL: IdentifierKind.EMAIL,
                   pb.IDENTIFIER_KIND_PHONE: IdentifierKind.PHONE,
                   pb.IDENTIFIER_KIND_LINKEDIN: IdentifierKind.LINKEDIN}
KIND_TO_PROTO = {kind: number for number, kind in KIND_FROM_PROTO.items()}
STATE_FROM_PROTO = {pb.LEAD_STATE_ACTIVE: LeadState.ACTIVE, pb.LEAD_STATE_MERGED: LeadState.MERGED,
                    pb.LEAD_STATE_ERASED: LeadState.ERASED}
STATE_TO_PROTO = {state: number for number, state in STATE_FROM_PROTO.items()}
OUTCOME_TO_PROTO = {CaptureOutcome.CREATED: pb.CAPTURE_OUTCOME_CREATED,
                    CaptureOutcome.MATCHED: pb.CAPTURE_OUTCOME_MATCHED,
                    CaptureOutcome.REJECTED: pb.CAPTURE_OUTCOME_REJECTED}
SCOPE_FROM_PROTO = {pb.SUPPRESSION_SCOPE_UNSPECIFIED: SuppressionScope.VENTURE,
                    pb.SUPPRESSION_SCOPE_VENTURE: SuppressionScope.VENTURE,
                    pb.SUPPRESSION_SCOPE_GLOBAL: SuppressionScope.GLOBAL}
SCOPE_TO_PROTO = {SuppressionScope.VENTURE: pb.SUPPRESSION_SCOPE_VENTURE,
                  SuppressionScope.GLOBAL: pb.SUPPRESSION_SCOPE_GLOBAL}
CHANNEL_FROM_PROTO = {common_pb2.CHANNEL_EMAIL: DeliveryChannel.EMAIL,
                      common_pb2.CHANNEL_LINKEDIN: DeliveryChannel.LINKEDIN,
                      common_pb2.CHANNEL_SMS: DeliveryChannel.SMS,
                      common_pb2.CHANNEL_WEBHOOK: DeliveryChannel.WEBHOOK}
REASON_TO_PROTO = {BlockReason.DNC: pb.CONTACTABILITY_REASON_DNC,
                   BlockReason.SUPPRESSED: pb.CONTACTABILITY_REASON_SUPPRESSED,
                   BlockReason.ERASED: pb.CONTACTABILITY_REASON_ERASED,
                   BlockReason.NO_ADDRESS_FOR_CHANNEL:
                       pb.CONTACTABILITY_REASON_NO_ADDRESS_FOR_CHANNEL,
                   BlockReason.CONSENT_REQUIRED_UNKNOWN:
                       pb.CONTACTABILITY_REASON_CONSENT_REQUIRED_UNKNOWN,
                   BlockReason.MERGED: pb.CONTACTABILITY_REASON_MERGED}

# google.protobuf.Timestamp's valid range: 0001-01-01 to 9999-12-31.
_MIN_SECONDS, _MAX_SECONDS = -62135596800, 253402300799


def enum_value(mapping: dict[int, str], number: int) -> str:
    """The domain value of a wire enum, or a marker validation refuses."""
    return mapping.get(number, f"?{number}")


def consent_from_proto(number: int) -> str:
    return enum_value(CONSENT_FROM_PROTO, number)


def timestamp_from_proto(message, name: str, path: str,
                         problems: list[Violation]) -> dt.datetime | None:
    """A set Timestamp field as an aware datetime; None when unset or out of range."""
    if not message.HasField(name):
        return None
    stamp = getattr(message, name)
    if not (_MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS) or not 0 <= stamp.nanos < 10**9:
        problems.append(Violation(path, "is not a valid timestamp"))
        return None
    return stamp.ToDatetime(tzinfo=dt.UTC)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def timestamp_to_proto(moment: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    """``Timestamp.FromDatetime`` (a naive time is UTC) in plain arithmetic, several times
    cheaper: every answer carries a handful of these."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    delta = moment - _EPOCH
    return timestamp_pb2.Timestamp(seconds=delta.days * 86400 + delta.seconds,
                                   nanos=delta.microseconds * 1000)


def evidence_from_proto(message: pb.ConsentEvidence, path: str,
                        problems: list[Violation]) -> ConsentEvidence:
    return ConsentEvidence(
        source=message.source, form_url=message.form_url, ip_address=message.ip_address,
        consent_text_version=message.consent_text_version,
        consent_time=timestamp_from_proto(message, "consent_time", path + "consent_time",
                                          problems))


def qualification_from_proto(message: pb.Qualification, path: str,
                             problems: list[Violation]) -> Qualification:
    return Qualification(
        decision_maker_name=message.decision_maker_name,
        decision_maker_role=message.decision_maker_role,
        decision_maker_email=message.decision_maker_email,
        budget_range=message.budget_range, pain_points=tuple(message.pain_points),
        buying_signals=tuple(message.buying_signals),
        intent_signals=tuple(message.intent_signals),
        referral_source=message.referral_source,
        linkedin_connection_status=enum_value(LINKEDIN_STATUS,
                                              message.linkedin_connection_status),
        qualification_notes=message.qualification_notes,
        email_validity=enum_value(EMAIL_VALIDITY, message.email_validity),
        lead_grade=enum_value(LEAD_GRADE, message.lead_grade),
        conversion_probability=(message.conversion_probability
                                if message.HasField("conversion_probability") else None),
        fit_score=message.fit_score if message.HasField("fit_score") else None,
        proposal_generated_at=timestamp_from_proto(message, "proposal_generate_time",
                                                   path + "proposal_generate_time", problems))


def capture_from_proto(message: pb.LeadCapture, prefix: str = "") -> tuple[RawCapture,
                                                                         list[Violation]]:
    """The raw capture, and the violations found while reading it (bad timestamps)."""
    problems: list[Violation] = []
    utm = message.utm
    return RawCapture(
        venture_id=message.venture_id, campaign_id=message.campaign_id, email=message.email,
        phone=message.phone, linkedin_url=message.linkedin_url, name=message.name,
        first_name=message.first_name, company=message.company, title=message.title,
        industry=message.industry, company_size=message.company_size,
        source_channel=message.source_channel, source_reference=message.source_reference,
        utm=Utm(campaign=utm.campaign, content=utm.content, source=utm.source,
                medium=utm.medium, term=utm.term),
        consent_status=consent_from_proto(message.consent_status),
        consent_evidence=(evidence_from_proto(message.consent_evidence,
                                              prefix + "consent_evidence.", problems)
                          if message.HasField("consent_evidence") else None),
        value_currency=message.value_estimate.currency_code,
        value_amount_minor=message.value_estimate.amount_minor,
        attributes=dict(message.attributes),
        # Most captures carry none; an unset message reads as the empty qualification.
        qualification=(qualification_from_proto(message.qualification,
                                                prefix + "qualification.", problems)
                       if message.HasField("qualification") else NO_QUALIFICATION),
    ), problems


def evidence_to_proto(evidence: ConsentEvidence | None) -> pb.ConsentEvidence | None:
    if evidence is None:
        return None
    return pb.ConsentEvidence(source=evidence.source, form_url=evidence.form_url,
                              ip_address=evidence.ip_address,
                              consent_text_version=evidence.consent_text_version,
                              consent_time=timestamp_to_proto(evidence.consent_time))


def _reversed(mapping: dict[int, str]) -> dict[str, int]:
    return {text: number for number, text in mapping.items()}


LINKEDIN_STATUS_TO_PROTO = _reversed(LINKEDIN_STATUS)
EMAIL_VALIDITY_TO_PROTO = _reversed(EMAIL_VALIDITY)
LEAD_GRADE_TO_PROTO = _reversed(LEAD_GRADE)


def qualification_to_proto(q: Qualification) -> pb.Qualification:
    message = pb.Qualification(
        decision_maker_name=q.decision_maker_name, decision_maker_role=q.decision_maker_role,
        decision_maker_email=q.decision_maker_email, budget_range=q.budget_range,
        pain_points=q.pain_points, buying_signals=q.buying_signals,
        intent_signals=q.intent_signals, referral_source=q.referral_source,
        linkedin_connection_status=LINKEDIN_STATUS_TO_PROTO.get(q.linkedin_connection_status,
                                                                0),
        qualification_notes=q.qualification_notes,
        email_validity=EMAIL_VALIDITY_TO_PROTO.get(q.email_validity, 0),
        lead_grade=LEAD_GRADE_TO_PROTO.get(q.lead_grade, 0),
        proposal_generate_time=timestamp_to_proto(q.proposal_generated_at))
    if q.conversion_probability is not None:
        message.conversion_probability = q.conversion_probability
    if q.fit_score is not None:
        message.fit_score = q.fit_score
    return message


def touch_to_proto(touch: TouchRecord | None) -> pb.Touch | None:
    if touch is None:
        return None
    return pb.Touch(
        touch_id=str(touch.id), lead_id=touch.lead_id, campaign_id=touch.campaign_id,
        source_channel=touch.source_channel, source_reference=touch.source_reference,
        utm=pb.UtmParameters(campaign=touch.utm.campaign, content=touch.utm.content,
                             source=touch.utm.source, medium=touch.utm.medium,
                             term=touch.utm.term),
        touch_time=timestamp_to_proto(touch.touched_at))


def lead_to_proto(lead: LeadRecord) -> pb.Lead:
    first_touch = touch_to_proto(lead.first_touch)
    # A new lead's first touch is its last one.
    last_touch = (first_touch if lead.last_touch is lead.first_touch
                  else touch_to_proto(lead.last_touch))
    return pb.Lead(
        lead_id=lead.id, venture_id=lead.venture_id, state=STATE_TO_PROTO[lead.state],
        identity_hash=lead.identity_hash, email=lead.email, phone=lead.phone,
        linkedin_url=lead.linkedin_url,
        identifiers=[pb.Identifier(kind=KIND_TO_PROTO[i.kind], value=i.value)
                     for i in lead.identifiers],
        name=lead.profile["name"], first_name=lead.profile["first_name"],
        company=lead.profile["company"], title=lead.profile["title"],
        industry=lead.profile["industry"], company_size=lead.profile["company_size"],
        consent_status=CONSENT_TO_PROTO[lead.consent_status],
        consent_evidence=evidence_to_proto(lead.consent_evidence),
        value_estimate=pb.ValueEstimate(currency_code=lead.value_currency,
                                        amount_minor=lead.value_amount_minor),
        attributes=lead.attributes, qualification=qualification_to_proto(lead.qualification),
        first_touch=first_touch, last_touch=last_touch,
        touch_count=lead.touch_count, merged_into_lead_id=lead.merged_into,
        create_time=timestamp_to_proto(lead.created_at),
        update_time=timestamp_to_proto(lead.updated_at),
        erase_time=timestamp_to_proto(lead.erased_at))


def consent_record_to_proto(record: ConsentRecordView) -> pb.ConsentRecord:
    return pb.ConsentRecord(
        record_id=str(record.id), lead_id=record.lead_id,
        from_status=CONSENT_TO_PROTO[record.from_status],
        to_status=CONSENT_TO_PROTO[record.to_status],
        change_time=timestamp_to_proto(record.changed_at),
        actor=common_pb2.Actor(subject=record.actor.subject, role=record.actor.role),
        source=record.source, evidence=evidence_to_proto(record.evidence),
        reason=record.reason, request_id=record.request_id)


def suppression_to_proto(entry: SuppressionRecord) -> pb.SuppressionEntry:
    return pb.SuppressionEntry(
        entry_id=entry.id, kind=KIND_TO_PROTO[entry.kind], identifier_hmac=entry.hmac,
        scope=SCOPE_TO_PROTO[entry.scope], venture_id=entry.venture_id, reason=entry.reason,
        create_time=timestamp_to_proto(entry.created_at))


def contactability_to_proto(answer: ContactabilityAnswer) -> pb.CheckContactabilityResponse:
    """The check's answer; the lead only when allowed."""
    verdict = answer.verdict
    return pb.CheckContactabilityResponse(
        allowed=verdict.allowed, reasons=[REASON_TO_PROTO[r] for r in verdict.reasons],
        address=verdict.address,
        lead=lead_to_proto(answer.lead) if answer.lead is not None else None,
        venture_id=answer.venture_id, consent_status=CONSENT_TO_PROTO[answer.consent_status],
        merged_into_lead_id=answer.merged_into)


def capture_answer_to_proto(answer: CaptureAnswer) -> pb.CaptureLeadResponse:
    """CaptureLead's answer: the lead and the touch as they are after the capture."""
    result = answer.result
    return pb.CaptureLeadResponse(
        lead=lead_to_proto(answer.lead), outcome=OUTCOME_TO_PROTO[result.outcome],
        matched_on=KIND_TO_PROTO[result.matched_on] if result.matched_on else 0,
        merged_lead_ids=list(result.merged_lead_ids), suppressed=result.suppressed,
        touch=touch_to_proto(answer.touch))


def import_row_to_proto(row_number: int, result: CaptureResult | None,
                        violations: list[Violation]) -> pb.ImportRowResult:
    """One import row's answer: its outcome, or (no result) the violations it was refused
    for."""
    if result is None:
        return pb.ImportRowResult(
            row_number=row_number, outcome=pb.CAPTURE_OUTCOME_REJECTED,
            violations=[pb.ImportFieldViolation(field=v.field, description=v.description)
                        for v in violations])
    return pb.ImportRowResult(
        row_number=row_number, outcome=OUTCOME_TO_PROTO[result.outcome],
        lead_id=result.lead_id,
        matched_on=(KIND_TO_PROTO[result.matched_on]
                    if result.outcome is CaptureOutcome.MATCHED and result.matched_on
                    else 0),
        merged_lead_ids=list(result.merged_lead_ids), suppressed=result.suppressed)


def profile_from_proto(lead: pb.Lead) -> dict[str, str]:
    """The profile fields of a lead message, by domain name."""
    return {name: getattr(lead, name) for name in PROFILE_FIELDS}
