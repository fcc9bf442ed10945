"""The feedback RPCs of LeadsService: authorise, validate, translate, run the ledger's use
cases off the loop, translate back. The servicer hands each call here."""

from __future__ import annotations

import datetime as dt
import re

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_common import pages
from aicmo_common.access import WRITERS, Caller
from aicmo_common.auth import Principal, Role, current_principal
from aicmo_common.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    item_error,
)
from aicmo_common.unit_of_work import UnitOfWork
from aicmo_leads.domain.identifiers import IdentifierError, has_control_characters, normalise
from aicmo_leads.domain.validation import (
    Violations,
    check_id,
    check_request_id,
    check_text,
)
from aicmo_leads.entrypoints.mapping import CHANNEL_FROM_PROTO, timestamp_to_proto
from aicmo_leads.feedback import ledger as ledgering
from aicmo_leads.feedback.domain import (
    DEFAULT_EXAMPLES,
    DETAIL_CODE_MAX,
    FEEDBACK_ID_MAX,
    MAX_BATCH,
    MAX_EXAMPLES,
    REASON_TEXT_MAX,
    TEXT_MAX,
    Effect,
    FeedbackInput,
    FeedbackKind,
    FeedbackRecord,
    UnsubscribeReason,
    address_kind,
)
from aicmo_leads.feedback.store import FeedbackFilter
from aicmo_leads.objections import Intent

KIND_FROM_PROTO = {pb.FEEDBACK_KIND_BOUNCE_HARD: FeedbackKind.BOUNCE_HARD,
                   pb.FEEDBACK_KIND_BOUNCE_SOFT: FeedbackKind.BOUNCE_SOFT,
                   pb.FEEDBACK_KIND_COMPLAINT: FeedbackKind.COMPLAINT,
                   pb.FEEDBACK_KIND_REPLY: FeedbackKind.REPLY,
                   pb.FEEDBACK_KIND_AUTO_REPLY: FeedbackKind.AUTO_REPLY,
                   pb.FEEDBACK_KIND_UNSUBSCRIBE: FeedbackKind.UNSUBSCRIBE,
                   pb.FEEDBACK_KIND_NOTE: FeedbackKind.NOTE}
KIND_TO_PROTO = {kind: number for number, kind in KIND_FROM_PROTO.items()}
INTENT_TO_PROTO = {Intent.INTERESTED: pb.OBJECTION_INTERESTED,
                   Intent.MEETING_REQUEST: pb.OBJECTION_MEETING_REQUEST,
                   Intent.NOT_NOW: pb.OBJECTION_NOT_NOW, Intent.PRICE: pb.OBJECTION_PRICE,
                   Intent.AUTHORITY: pb.OBJECTION_AUTHORITY, Intent.NEED: pb.OBJECTION_NEED,
                   Intent.COMPETITOR: pb.OBJECTION_COMPETITOR,
                   Intent.UNSUBSCRIBE_REQUEST: pb.OBJECTION_UNSUBSCRIBE_REQUEST,
                   Intent.OUT_OF_OFFICE: pb.OBJECTION_OUT_OF_OFFICE,
                   Intent.OTHER: pb.OBJECTION_OTHER}
EFFECT_TO_PROTO = {Effect.IDENTIFIER_SUPPRESSED: pb.FEEDBACK_EFFECT_IDENTIFIER_SUPPRESSED,
                   Effect.LEAD_DNC: pb.FEEDBACK_EFFECT_LEAD_DNC}
REASON_FROM_PROTO = {pb.UNSUBSCRIBE_REASON_TOO_FREQUENT: UnsubscribeReason.TOO_FREQUENT,
                     pb.UNSUBSCRIBE_REASON_NOT_RELEVANT: UnsubscribeReason.NOT_RELEVANT,
                     pb.UNSUBSCRIBE_REASON_NEVER_SIGNED_UP: UnsubscribeReason.NEVER_SIGNED_UP,
                     pb.UNSUBSCRIBE_REASON_NO_LONGER_NEEDED:
                         UnsubscribeReason.NO_LONGER_NEEDED,
                     pb.UNSUBSCRIBE_REASON_OTHER: UnsubscribeReason.OTHER}
REASON_TO_PROTO = {reason: number for number, reason in REASON_FROM_PROTO.items()}
CHANNEL_TO_PROTO = {channel: number for number, channel in CHANNEL_FROM_PROTO.items()}
READERS = frozenset(Role)
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# No lead id is longer; a longer one (or one with NUL, which PostgreSQL refuses in a text
# parameter) is simply not found.
LEAD_ID_MAX = 36
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NO_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invalid(problems: Violations) -> InvalidArgument:
    return InvalidArgument([FieldViolation(v.field, v.description) for v in problems.items])


def _lead_id(value: str) -> str:
    """The lead id to look up: a longer one, or one with NUL (which PostgreSQL refuses in a
    text parameter), names no lead and is looked up as none."""
    return value if len(value) <= LEAD_ID_MAX and "\0" not in value else ""


def item_to_proto(record: FeedbackRecord) -> pb.FeedbackItem:
    item = pb.FeedbackItem(
        feedback_id=record.feedback_id, lead_id=record.lead_id, venture_id=record.venture_id,
        kind=KIND_TO_PROTO[record.kind],
        channel=CHANNEL_TO_PROTO.get(record.channel, common_pb2.CHANNEL_UNSPECIFIED),
        send_id=record.send_id, campaign_id=record.campaign_id,
        template_id=record.template_id, occur_time=timestamp_to_proto(record.occur_time),
        record_time=timestamp_to_proto(record.record_time), evidence_sha256=record.evidence_sha256,
        detail_code=record.detail_code,
        effects=[EFFECT_TO_PROTO[effect] for effect in record.effects],
        unsubscribe_reason=REASON_TO_PROTO.get(record.unsubscribe_reason, 0),
        actor=record.actor)
    if record.classification is not None:
        item.classification.CopyFrom(pb.Classification(
            objection=INTENT_TO_PROTO[record.classification.intent],
            matched_terms=list(record.classification.matched_terms),
            classifier=record.classification.classifier,
            language=record.classification.language))
    return item


class FeedbackEndpoints:
    """ApplyFeedback, RecordFeedback, ListFeedback, TopObjections, RecordUnsubscribeReason."""

    def __init__(self, unit_of_work: UnitOfWork[object], ledger: ledgering.Ledger) -> None:
        self._uow = unit_of_work
        self._ledger = ledger

    @staticmethod
    def _caller(principal: Principal, request_id: str = "") -> Caller:
        return Caller(principal, request_id)

    def _fingerprint(self, message, *, unkeyed: bool = False) -> str:
        """A keyed digest of the request; ``unkeyed``: without its request id, which is
        the key the digest is stored under."""
        if unkeyed:
            copy = type(message)()
            copy.CopyFrom(message)
            copy.request_id = ""
            message = copy
        return self._ledger.settings.keys.fingerprint(message.SerializeToString(
            deterministic=True))

    # --- ApplyFeedback -------------------------------------------------------------------

    async def apply(self, request: pb.ApplyFeedbackRequest) -> pb.ApplyFeedbackResponse:
        principal = current_principal()
        principal.require({Role.SERVICE}, "ApplyFeedback")
        count = len(request.items)
        problems = Violations()
        if not 0 < count <= MAX_BATCH:
            problems.add("items", f"holds {count} items; 1 to {MAX_BATCH} are allowed")
            raise _invalid(problems)
        items = [self._input(problems, f"items[{index}].", item)
                 for index, item in enumerate(request.items)]
        if problems:
            raise _invalid(problems)
        outcomes = await self._uow.write(ledgering.apply_feedback, items,
                                         self._caller(principal), self._ledger)
        results = []
        for given, outcome in zip(request.items, outcomes, strict=True):
            if isinstance(outcome, ledgering.Applied):
                results.append(pb.FeedbackResult(feedback_id=given.feedback_id,
                                                 duplicate=outcome.duplicate,
                                                 item=item_to_proto(outcome.record)))
            else:
                results.append(pb.FeedbackResult(feedback_id=given.feedback_id,
                                                 error=item_error(outcome)))
        return pb.ApplyFeedbackResponse(results=results)

    def _input(self, problems: Violations, at: str, item: pb.FeedbackInput) -> FeedbackInput:
        feedback_id = item.feedback_id
        if not feedback_id:
            problems.add(at + "feedback_id", "is required")
        elif len(feedback_id) > FEEDBACK_ID_MAX or not feedback_id.isprintable():
            problems.add(at + "feedback_id", f"must be 1-{FEEDBACK_ID_MAX} printable "
                                             "characters")
        if not item.lead_id:
            problems.add(at + "lead_id", "is required")
        kind = KIND_FROM_PROTO.get(item.kind)
        if kind is None:
            problems.add(at + "kind", "is required" if not item.kind
                         else "is not a known feedback kind")
        elif kind is FeedbackKind.NOTE:
            problems.add(at + "kind", "notes are recorded with RecordFeedback")
        channel = CHANNEL_FROM_PROTO.get(item.channel)
        if channel is None:
            problems.add(at + "channel", "is required" if not item.channel
                         else "must be a known channel")
        identifier_kind, identifier = None, ""
        if item.identifier and channel is not None:
            identifier_kind = address_kind(channel, item.identifier)
            try:
                identifier = normalise(identifier_kind, item.identifier,
                                       default_region=self._ledger.settings.default_region
                                       ).value
            except IdentifierError as error:
                problems.add(at + "identifier", str(error))
        for name, maximum in (("send_id", FEEDBACK_ID_MAX), ("detail_code", DETAIL_CODE_MAX)):
            value = getattr(item, name)
            if len(value) > maximum or not value.isprintable():
                problems.add(at + name, f"must be at most {maximum} printable characters")
        check_id(problems, at + "campaign_id", item.campaign_id, required=False)
        check_id(problems, at + "template_id", item.template_id, required=False)
        if item.evidence_sha256 and not SHA256_HEX.match(item.evidence_sha256):
            problems.add(at + "evidence_sha256", "must be 64 lower-case hex digits")
        if len(item.text) > TEXT_MAX:
            problems.add(at + "text", f"must be at most {TEXT_MAX} characters")
        occur = self._occur_time(problems, at + "occur_time", item)
        return FeedbackInput(
            feedback_id=feedback_id, lead_id=_lead_id(item.lead_id),
            kind=kind or FeedbackKind.REPLY, channel=channel,
            identifier_kind=identifier_kind if identifier else None,
            identifier=identifier, send_id=item.send_id, campaign_id=item.campaign_id,
            template_id=item.template_id, occur_time=occur,
            evidence_sha256=item.evidence_sha256, detail_code=item.detail_code,
            text=_NO_CONTROL.sub(" ", item.text), fingerprint=self._fingerprint(item))

    @staticmethod
    def _occur_time(problems: Violations, field: str, message) -> dt.datetime | None:
        if not message.HasField("occur_time"):
            return None
        stamp = message.occur_time
        if not 0 <= stamp.nanos < 10**9 or not 0 <= stamp.seconds <= 253402300799:
            problems.add(field, "must be a time between 1970 and 9999")
            return None
        return _EPOCH + dt.timedelta(seconds=stamp.seconds, microseconds=stamp.nanos // 1000)

    # --- RecordFeedback ------------------------------------------------------------------

    async def record(self, request: pb.RecordFeedbackRequest) -> pb.RecordFeedbackResponse:
        principal = current_principal()
        principal.require(WRITERS, "RecordFeedback")
        problems = Violations()
        request_id = self._request_id(problems, request.request_id)
        if not request.lead_id:
            problems.add("lead_id", "is required")
        if not request.text.strip():
            problems.add("text", "is required")
        elif len(request.text) > TEXT_MAX:
            problems.add("text", f"must be at most {TEXT_MAX} characters")
        elif has_control_characters(request.text, allow_newlines=True):
            problems.add("text", "must not contain control characters")
        channel = None
        if request.channel:
            channel = CHANNEL_FROM_PROTO.get(request.channel)
            if channel is None:
                problems.add("channel", "must be a known channel")
        check_id(problems, "campaign_id", request.campaign_id, required=False)
        if problems:
            raise _invalid(problems)
        note = FeedbackInput(feedback_id="", lead_id=_lead_id(request.lead_id),
                             kind=FeedbackKind.NOTE, channel=channel,
                             campaign_id=request.campaign_id, text=request.text,
                             fingerprint=self._fingerprint(request, unkeyed=True))
        record = await self._uow.write(ledgering.record_note, note, request_id,
                                       self._caller(principal, request_id), self._ledger)
        return pb.RecordFeedbackResponse(item=item_to_proto(record))

    @staticmethod
    def _request_id(problems: Violations, value: str) -> str:
        if not value:
            problems.add("request_id", "is required")
            return ""
        return check_request_id(problems, "request_id", value)

    # --- RecordUnsubscribeReason ---------------------------------------------------------

    async def record_reason(self, request: pb.RecordUnsubscribeReasonRequest
                            ) -> pb.RecordUnsubscribeReasonResponse:
        principal = current_principal()
        principal.require(WRITERS, "RecordUnsubscribeReason")
        problems = Violations()
        request_id = self._request_id(problems, request.request_id)
        if not request.lead_id:
            problems.add("lead_id", "is required")
        reason = REASON_FROM_PROTO.get(request.reason)
        if reason is None:
            problems.add("reason", "is required" if not request.reason
                         else "is not a known unsubscribe reason")
        text = check_text(problems, "text", request.text, REASON_TEXT_MAX, multiline=True)
        if reason is UnsubscribeReason.OTHER and not text and not any(
                v.field == "text" for v in problems.items):
            problems.add("text", "is required with OTHER")
        check_id(problems, "campaign_id", request.campaign_id, required=False)
        if problems:
            raise _invalid(problems)
        given = ledgering.ReasonGiven(lead_id=_lead_id(request.lead_id),
                                      reason=reason, text=text,
                                      campaign_id=request.campaign_id,
                                      fingerprint=self._fingerprint(request, unkeyed=True))
        record = await self._uow.write(ledgering.record_unsubscribe_reason, given,
                                       request_id, self._caller(principal, request_id),
                                       self._ledger)
        return pb.RecordUnsubscribeReasonResponse(item=item_to_proto(record))

    # --- reading -------------------------------------------------------------------------

    async def list(self, request: pb.ListFeedbackRequest) -> pb.ListFeedbackResponse:
        principal = current_principal()
        principal.require(READERS, "ListFeedback")
        problems = Violations()
        venture = Caller(principal).venture_for(request.venture_id)
        check_id(problems, "venture_id", venture, required=False)
        check_id(problems, "campaign_id", request.campaign_id, required=False)
        if not (request.lead_id or request.campaign_id or venture):
            problems.add("lead_id", "one of lead_id, campaign_id or venture_id is required")
        kinds = []
        for index, number in enumerate(request.kinds):
            if number not in KIND_FROM_PROTO:
                problems.add(f"kinds[{index}]", "is not a known feedback kind")
            elif KIND_FROM_PROTO[number] not in kinds:
                kinds.append(KIND_FROM_PROTO[number])
        if problems:
            raise _invalid(problems)
        if request.lead_id and not _lead_id(request.lead_id):
            raise NotFound("no such lead", reason="NOT_FOUND")
        filters = FeedbackFilter(lead_id=request.lead_id,
                                 campaign_id=request.campaign_id, venture_id=venture,
                                 kinds=tuple(sorted(kinds)))
        limit = pages.page_size(request.page_size)
        key = {"lead": filters.lead_id, "campaign": filters.campaign_id,
               "venture": filters.venture_id, "kinds": [k.value for k in filters.kinds]}
        position = pages.decode(request.page_token, key)
        before = None
        if position is not None:
            if len(position) != 1 or not isinstance(position[0], int):
                problems.add("page_token", "is not a token this service issued")
                raise _invalid(problems)
            before = position[0]
        records, following = await self._uow.read(
            ledgering.list_feedback, filters, principal.venture, before, limit)
        return pb.ListFeedbackResponse(
            items=[item_to_proto(record) for record in records],
            next_page_token=pages.encode([following], key) if following else "")

    async def top(self, request: pb.TopObjectionsRequest) -> pb.TopObjectionsResponse:
        principal = current_principal()
        principal.require(READERS, "TopObjections")
        problems = Violations()
        venture = check_id(problems, "venture_id",
                           Caller(principal).venture_for(request.venture_id), required=True)
        check_id(problems, "campaign_id", request.campaign_id, required=False)
        check_id(problems, "template_id", request.template_id, required=False)
        if not 0 <= request.examples <= MAX_EXAMPLES:
            problems.add("examples", f"must be 0 to {MAX_EXAMPLES}")
        if problems:
            raise _invalid(problems)
        filters = FeedbackFilter(venture_id=venture, campaign_id=request.campaign_id,
                                 template_id=request.template_id)
        counts, total = await self._uow.read(ledgering.top_objections, filters,
                                             request.examples or DEFAULT_EXAMPLES)
        return pb.TopObjectionsResponse(total=total, objections=[
            pb.ObjectionCount(objection=INTENT_TO_PROTO[found.intent], count=found.count,
                              example_feedback_ids=list(found.example_ids))
            for found in counts])
