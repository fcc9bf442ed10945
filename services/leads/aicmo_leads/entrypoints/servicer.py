"""The LeadsService servicer: authorise, translate, run the use case off the loop, translate
back. Every rule lives in the domain and the service layer."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_common import pages
from aicmo_common.access import WRITERS, Caller
from aicmo_common.auth import Principal, Role, current_principal
from aicmo_common.db import Database
from aicmo_common.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    item_error,
)
from aicmo_common.unit_of_work import UnitOfWork
from aicmo_leads.domain.capture import (
    RawCapture,
    ValidCapture,
    validate_capture,
    validate_evidence,
)
from aicmo_leads.domain.consent import ConsentSource, ConsentStatus
from aicmo_leads.domain.contactability import LeadState
from aicmo_leads.domain.identifiers import IdentifierError, forget_normalisations, normalise
from aicmo_leads.domain.lead import ImportTotals, SuppressionScope
from aicmo_leads.domain.lead_update import validate_update
from aicmo_leads.domain.validation import (
    LONG_TEXT,
    Violation,
    Violations,
    check_id,
    check_request_id,
    check_text,
)
from aicmo_leads.entrypoints import mapping as tr
from aicmo_leads.entrypoints.contactability_batches import ContactabilityBatches
from aicmo_leads.entrypoints.feedback import FeedbackEndpoints
from aicmo_leads.entrypoints.registration import MalformedRequest
from aicmo_leads.feedback.domain import SoftBouncePolicy
from aicmo_leads.feedback.ledger import Ledger
from aicmo_leads.objections import RulesClassifier
from aicmo_leads.service_layer import capture as capturing
from aicmo_leads.service_layer import consent as consenting
from aicmo_leads.service_layer import reading
from aicmo_leads.service_layer.unit import Settings

READERS = frozenset(Role)
EXPORT_CHUNK = 200
MAX_CONTACTABILITY_BATCH = 500


def _masked(lead: pb.Lead, mask) -> pb.Lead:
    """The lead with only the fields ``mask`` names."""
    trimmed = pb.Lead()
    mask.MergeMessage(lead, trimmed)
    return trimmed


def _invalid(violations: list[Violation], reason: str | None = None) -> InvalidArgument:
    return InvalidArgument([FieldViolation(v.field, v.description) for v in violations],
                           reason=reason)


def _wellformed(request: object) -> None:
    if isinstance(request, MalformedRequest):
        raise _invalid([Violation("request", request.description)])


@dataclass
class LeadsDependencies:
    """What the servicer runs on; tests swap the clock."""

    database: Database
    settings: Settings
    # The contactability read of many leads at once (``reading.check_contactability_many``),
    # on a connection of its own: the adapter is chosen where the service is wired.
    contactability_read: Callable[[Sequence[str]], dict]
    import_batch_size: int = 200
    # Called after every committed writing transaction (the outbox relay's wake-up).
    after_commit: Callable[[], None] | None = None
    soft_bounces: SoftBouncePolicy = SoftBouncePolicy()


class LeadsServicer:
    """aicmo.leads.v1.LeadsService."""

    def __init__(self, dependencies: LeadsDependencies) -> None:
        self._db = dependencies.database
        self._uow: UnitOfWork[object] = UnitOfWork(dependencies.database,
                                                   after_commit=dependencies.after_commit)
        self._settings = dependencies.settings
        self._batch = dependencies.import_batch_size
        # Distribution asks before every send: concurrent checks are read together, with
        # one statement outside any Session.
        self._contactability_read = dependencies.contactability_read
        self._contactability = ContactabilityBatches(self._db, self._contactability_read)
        self._feedback = FeedbackEndpoints(
            self._uow, Ledger(self._settings, dependencies.soft_bounces, RulesClassifier()))

    # --- capture -------------------------------------------------------------------------

    def _validated(self, raw: RawCapture, reading_problems: list[Violation], prefix: str,
                   default_source: str) -> tuple[ValidCapture | None, list[Violation]]:
        capture, problems = validate_capture(
            raw, now=self._settings.now(), default_region=self._settings.default_region,
            default_source_channel=default_source, prefix=prefix)
        return capture, reading_problems + problems.items

    async def CaptureLead(self, request: pb.CaptureLeadRequest, context) -> pb.CaptureLeadResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(WRITERS, "CaptureLead")
        problems = Violations()
        request_id = check_request_id(problems, "request_id", request.request_id)
        raw, reading_problems = tr.capture_from_proto(request.capture, "capture.")
        raw = dataclasses.replace(raw, venture_id=Caller(principal).venture_for(raw.venture_id))
        capture, violations = self._validated(raw, reading_problems, "capture.", "api")
        if problems.items or violations:
            raise _invalid(problems.items + violations)
        fingerprint = self._settings.keys.fingerprint(
            capture.venture_id.encode() + b"\0"
            + request.capture.SerializeToString(deterministic=True))
        call = capturing.CaptureCall(actor=Caller(principal).actor, source=ConsentSource.CAPTURE,
                                     request_id=request_id, fingerprint=fingerprint)
        answer = await self._uow.write(capturing.capture_lead, capture, call, self._settings)
        return tr.capture_answer_to_proto(answer)

    async def ImportLeads(self, request_iterator, context) -> AsyncIterator[pb.ImportLeadsResponse]:
        principal = current_principal()
        principal.require(WRITERS, "ImportLeads")
        import_id = str(uuid.uuid4())
        call = capturing.CaptureCall(actor=Caller(principal).actor, source=ConsentSource.IMPORT,
                                     import_id=import_id)
        totals = ImportTotals()
        ventures: set[str] = set()
        batch: list = []
        position = 0
        # One batch is written while the next is read and validated; answers keep the order.
        writing: asyncio.Task | None = None
        try:
            async for row in request_iterator:
                position += 1
                batch.append(self._import_row(principal, row, position, ventures))
                if len(batch) >= self._batch:
                    if writing is not None:
                        yield await writing
                    writing = asyncio.ensure_future(self._import_batch(batch, call, totals))
                    batch = []
            if writing is not None:
                yield await writing
                writing = None
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        if batch:
            yield await self._import_batch(batch, call, totals)
        await self._uow.write(capturing.record_import_summary, import_id, sorted(ventures),
                              totals, call.actor, self._settings.now())
        yield pb.ImportLeadsResponse(summary=pb.ImportSummary(
            import_id=import_id, rows=totals.rows, created=totals.created,
            matched=totals.matched, rejected=totals.rejected, merged=totals.merged))

    def _import_row(self, principal: Principal, row, position: int,
                    ventures: set[str]) -> tuple[int, ValidCapture | None, list[Violation]]:
        if isinstance(row, MalformedRequest):
            return position, None, [Violation("row", row.description)]
        number = row.row_number or position
        if number < 0:
            return position, None, [Violation("row_number", "must be zero or more")]
        raw, reading_problems = tr.capture_from_proto(row.capture)
        if not raw.venture_id and principal.venture:
            raw = dataclasses.replace(raw, venture_id=principal.venture)
        if principal.venture and raw.venture_id != principal.venture:
            return number, None, [Violation("venture_id", "is outside the token's venture")]
        capture, violations = self._validated(raw, reading_problems, "", "import")
        if capture is not None:
            ventures.add(capture.venture_id)
        return number, capture, violations

    async def _import_batch(self, batch, call, totals) -> pb.ImportLeadsResponse:
        results = await self._uow.write(capturing.import_rows, batch, call, self._settings,
                                        totals)
        for index, (_, result, _) in enumerate(results):
            if result is capturing.RUN_ALONE:
                # It lost a deadlock inside the batch; alone, it retries like a capture.
                results[index] = (await self._uow.write(capturing.import_rows, [batch[index]],
                                                        call, self._settings, totals))[0]
        return pb.ImportLeadsResponse(results=[
            tr.import_row_to_proto(number, result, violations)
            for number, result, violations in results])

    # --- reading -------------------------------------------------------------------------

    async def GetLead(self, request: pb.GetLeadRequest, context) -> pb.GetLeadResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "GetLead")
        lead = await self._uow.read(reading.get_lead, request.lead_id, principal.venture)
        return pb.GetLeadResponse(lead=tr.lead_to_proto(lead))

    def _filters(self, principal: Principal, venture_id: str, campaign_id: str,
                 consent: int, source_channel: str, states) -> reading.LeadFilter:
        problems = Violations()
        venture = Caller(principal).venture_for(venture_id)
        check_id(problems, "venture_id", venture, required=False)
        check_id(problems, "campaign_id", campaign_id, required=False)
        status = None
        if consent:
            try:
                status = ConsentStatus(tr.consent_from_proto(consent))
            except ValueError:
                problems.add("consent_status", "is not a known consent status")
        check_text(problems, "source_channel", source_channel, 64)
        if problems:
            raise _invalid(problems.items)
        return reading.LeadFilter(venture_id=venture or None, campaign_id=campaign_id,
                                  consent_status=status, source_channel=source_channel,
                                  states=states)

    async def ListLeads(self, request: pb.ListLeadsRequest, context) -> pb.ListLeadsResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "ListLeads")
        if request.state and request.state not in tr.STATE_FROM_PROTO:
            raise _invalid([Violation("state", "is not a known lead state")])
        state = tr.STATE_FROM_PROTO.get(request.state, LeadState.ACTIVE)
        filters = self._filters(principal, request.venture_id, request.campaign_id,
                                request.consent_status, request.source_channel, (state,))
        limit = pages.page_size(request.page_size)
        key = dataclasses.asdict(filters)
        after = pages.moment_position(request.page_token, key)
        mask = request.read_mask if request.HasField("read_mask") else None
        if mask is not None and mask.paths and not mask.IsValidForDescriptor(pb.Lead.DESCRIPTOR):
            raise _invalid([Violation("read_mask", "names a field that Lead does not have")])
        ids_only = mask is not None and list(mask.paths) == ["lead_id"]
        leads, following = await self._uow.read(reading.list_leads, filters, after, limit,
                                                    ids_only=ids_only)
        token = pages.moment_token(*following, key) if following else ""
        if ids_only:
            answers = [pb.Lead(lead_id=lead_id) for lead_id in leads]
        else:
            answers = [tr.lead_to_proto(lead) for lead in leads]
            if mask is not None and mask.paths:
                answers = [_masked(lead, mask) for lead in answers]
        return pb.ListLeadsResponse(leads=answers, next_page_token=token)

    async def ExportLeads(self, request: pb.ExportLeadsRequest,
                          context) -> AsyncIterator[pb.ExportLeadsResponse]:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "ExportLeads")
        states = ((LeadState.ACTIVE, LeadState.MERGED, LeadState.ERASED)
                  if request.include_inactive else (LeadState.ACTIVE,))
        filters = self._filters(principal, request.venture_id, request.campaign_id,
                                request.consent_status, "", states)
        after = None
        while True:
            # One bounded page per read transaction: memory stays flat whatever the size.
            leads, after = await self._uow.read(reading.list_leads, filters, after,
                                                   EXPORT_CHUNK)
            for lead in leads:
                yield pb.ExportLeadsResponse(lead=tr.lead_to_proto(lead))
            if after is None:
                return

    async def ListTouches(self, request: pb.ListTouchesRequest,
                          context) -> pb.ListTouchesResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "ListTouches")
        limit = pages.page_size(request.page_size)
        after = self._serial_position(request.page_token, request.lead_id)
        touches, following = await self._uow.read(
            reading.list_touches, request.lead_id, principal.venture, after, limit)
        token = pages.encode([following], request.lead_id) if following else ""
        return pb.ListTouchesResponse(touches=[tr.touch_to_proto(t) for t in touches],
                                      next_page_token=token)

    async def ListConsentHistory(self, request: pb.ListConsentHistoryRequest,
                                 context) -> pb.ListConsentHistoryResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "ListConsentHistory")
        limit = pages.page_size(request.page_size)
        after = self._serial_position(request.page_token, request.lead_id)
        records, following = await self._uow.read(
            reading.list_consent_history, request.lead_id, principal.venture, after, limit)
        token = pages.encode([following], request.lead_id) if following else ""
        return pb.ListConsentHistoryResponse(
            records=[tr.consent_record_to_proto(r) for r in records], next_page_token=token)

    @staticmethod
    def _serial_position(token: str, lead_id: str) -> int:
        position = pages.decode(token, lead_id)
        if position is None:
            return 0
        if len(position) != 1 or not isinstance(position[0], int):
            raise _invalid([Violation("page_token", "is not a token this service issued")])
        return position[0]

    async def CheckContactability(self, request: pb.CheckContactabilityRequest,
                                  context) -> pb.CheckContactabilityResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "CheckContactability")
        channel = tr.CHANNEL_FROM_PROTO.get(request.channel)
        if channel is None:
            raise _invalid([Violation("channel", "must be a known channel")])
        answer = await self._contactability.check(reading.ContactabilityCheck(
            request.lead_id, principal.venture, channel, request.consent_required))
        return tr.contactability_to_proto(answer)

    async def BatchCheckContactability(self, request: pb.BatchCheckContactabilityRequest,
                                       context) -> pb.BatchCheckContactabilityResponse:
        _wellformed(request)
        principal = current_principal()
        principal.require(READERS, "BatchCheckContactability")
        count = len(request.requests)
        if not 0 < count <= MAX_CONTACTABILITY_BATCH:
            raise _invalid([Violation("requests", f"holds {count} checks; 1 to "
                                                  f"{MAX_CONTACTABILITY_BATCH} are allowed")])
        problems = Violations()
        checks = []
        for index, item in enumerate(request.requests):
            channel = tr.CHANNEL_FROM_PROTO.get(item.channel)
            if channel is None:
                problems.add(f"requests[{index}].channel", "must be a known channel")
            checks.append(reading.ContactabilityCheck(item.lead_id, principal.venture, channel,
                                                      item.consent_required))
        if problems:
            raise _invalid(problems.items)
        # A campaign run asks for hundreds at once: one hop to a database thread and one
        # statement for the whole batch (not the queue of single calls, which would split it).
        outcomes = await self._db.offload(reading.check_contactability_many,
                                          self._contactability_read, checks)
        return pb.BatchCheckContactabilityResponse(results=[
            pb.CheckContactabilityResult(error=item_error(outcome))
            if isinstance(outcome, NotFound)
            else pb.CheckContactabilityResult(response=tr.contactability_to_proto(outcome))
            for outcome in outcomes])

    # --- changes -------------------------------------------------------------------------

    def _caller(self, principal: Principal, request_id: str, problems: Violations,
                action: str) -> Caller:
        principal.require(WRITERS, action)
        checked = check_request_id(problems, "request_id", request_id)
        return Caller(principal, checked)

    async def UpdateLead(self, request: pb.UpdateLeadRequest, context) -> pb.UpdateLeadResponse:
        _wellformed(request)
        principal = current_principal()
        problems = Violations()
        caller = self._caller(principal, request.request_id, problems, "UpdateLead")
        if not request.lead.lead_id:
            problems.add("lead.lead_id", "is required")
        lead = request.lead
        reading_problems: list[Violation] = []
        qualification = tr.qualification_from_proto(lead.qualification, "lead.qualification.",
                                                    reading_problems)
        paths = list(request.update_mask.paths)
        changes, update_problems = validate_update(
            paths, profile=tr.profile_from_proto(lead),
            value_currency=lead.value_estimate.currency_code,
            value_amount_minor=lead.value_estimate.amount_minor,
            attributes=dict(lead.attributes), qualification=qualification,
            now=self._settings.now(), default_region=self._settings.default_region)
        violations = problems.items + update_problems.items + reading_problems
        if violations:
            raise _invalid(violations)
        record = await self._uow.write(reading.update_lead, lead.lead_id, changes, paths,
                                       caller, self._settings)
        return pb.UpdateLeadResponse(lead=tr.lead_to_proto(record))

    async def UpdateConsent(self, request: pb.UpdateConsentRequest,
                            context) -> pb.UpdateConsentResponse:
        _wellformed(request)
        principal = current_principal()
        problems = Violations()
        caller = self._caller(principal, request.request_id, problems, "UpdateConsent")
        if not request.lead_id:
            problems.add("lead_id", "is required")
        target = None
        try:
            target = ConsentStatus(tr.consent_from_proto(request.consent_status))
        except ValueError:
            problems.add("consent_status", "must be UNKNOWN, CONSENTED or DNC")
        reason = check_text(problems, "reason", request.reason, LONG_TEXT, multiline=True)
        evidence = None
        reading_problems: list[Violation] = []
        if request.HasField("evidence"):
            raw = tr.evidence_from_proto(request.evidence, "evidence.", reading_problems)
            evidence = validate_evidence(problems, "evidence.", raw, self._settings.now())
            if evidence.empty:
                evidence = None
            elif evidence.consent_time is None:
                evidence = dataclasses.replace(evidence, consent_time=self._settings.now())
        if problems.items or reading_problems:
            raise _invalid(problems.items + reading_problems)
        record, lead = await self._uow.write(consenting.update_consent, request.lead_id,
                                             target, evidence, reason, caller, self._settings)
        return pb.UpdateConsentResponse(record=tr.consent_record_to_proto(record),
                                        lead=tr.lead_to_proto(lead))

    async def MarkDnc(self, request: pb.MarkDncRequest, context) -> pb.MarkDncResponse:
        _wellformed(request)
        principal = current_principal()
        problems = Violations()
        caller = self._caller(principal, request.request_id, problems, "MarkDnc")
        scope = tr.SCOPE_FROM_PROTO.get(request.scope)
        if scope is None:
            problems.add("scope", "must be VENTURE or GLOBAL")
        reason = check_text(problems, "reason", request.reason, LONG_TEXT, multiline=True)
        if not reason:
            problems.add("reason", "is required")
        target = consenting.DncTarget()
        which = request.WhichOneof("target")
        if which == "lead_id" and request.lead_id:
            target = consenting.DncTarget(lead_id=request.lead_id)
        elif which == "identifier":
            kind = tr.KIND_FROM_PROTO.get(request.identifier.kind)
            venture = Caller(principal).venture_for(request.venture_id)
            if scope is SuppressionScope.VENTURE:
                venture = check_id(problems, "venture_id", venture, required=True)
            if kind is None:
                problems.add("identifier.kind", "must be EMAIL, PHONE or LINKEDIN")
            else:
                try:
                    identifier = normalise(kind, request.identifier.value,
                                           default_region=self._settings.default_region)
                    target = consenting.DncTarget(identifier=identifier, venture_id=venture)
                except IdentifierError as error:
                    problems.add("identifier.value", str(error))
        else:
            problems.add("lead_id", "a lead_id or an identifier is required")
        if problems:
            raise _invalid(problems.items)
        entries, affected = await self._uow.write(consenting.mark_dnc, target, scope, reason,
                                                  caller, self._settings)
        return pb.MarkDncResponse(entries=[tr.suppression_to_proto(e) for e in entries],
                                  affected_lead_ids=affected)

    async def EraseLead(self, request: pb.EraseLeadRequest, context) -> pb.EraseLeadResponse:
        _wellformed(request)
        principal = current_principal()
        problems = Violations()
        caller = self._caller(principal, request.request_id, problems, "EraseLead")
        if not request.lead_id:
            problems.add("lead_id", "is required")
        reason = check_text(problems, "reason", request.reason, LONG_TEXT, multiline=True)
        if problems:
            raise _invalid(problems.items)
        lead = await self._uow.write(consenting.erase_lead, request.lead_id, reason, caller,
                                     self._settings)
        forget_normalisations()
        await self._db.offload(self._after_erasure)
        return pb.EraseLeadResponse(lead=tr.lead_to_proto(lead))

    # --- feedback (aicmo_leads.feedback) --------------------------------------------------

    async def ApplyFeedback(self, request, context) -> pb.ApplyFeedbackResponse:
        _wellformed(request)
        return await self._feedback.apply(request)

    async def RecordFeedback(self, request, context) -> pb.RecordFeedbackResponse:
        _wellformed(request)
        return await self._feedback.record(request)

    async def ListFeedback(self, request, context) -> pb.ListFeedbackResponse:
        _wellformed(request)
        return await self._feedback.list(request)

    async def TopObjections(self, request, context) -> pb.TopObjectionsResponse:
        _wellformed(request)
        return await self._feedback.top(request)

    async def RecordUnsubscribeReason(self, request,
                                      context) -> pb.RecordUnsubscribeReasonResponse:
        _wellformed(request)
        return await self._feedback.record_reason(request)

    def _after_erasure(self) -> None:
        """On SQLite, old page images of the erased rows may still sit in the write-ahead
        log; a checkpoint folds it into the (securely deleted) main file and truncates it."""
        if self._db.sqlite:
            connection = self._db.engine.raw_connection()
            try:
                # The raw driver connection runs in autocommit: a checkpoint cannot run inside
                # the BEGIN IMMEDIATE the engine would otherwise open.
                connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
