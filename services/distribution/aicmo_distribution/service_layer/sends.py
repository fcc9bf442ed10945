"""Use cases about single sends: create (idempotent), read, list, count, settle."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from aicmo_common import pages
from aicmo_common.access import MANAGERS, READERS, WRITERS, Caller
from aicmo_common.errors import (
    Aborted,
    FailedPrecondition,
    FieldErrors,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.domain.peers import CampaignFacts, DependencyFailure, PeerNotFound
from aicmo_distribution.domain.sends import (
    CHANNELS,
    SendJob,
    SendState,
    dedupe_key,
    request_fingerprint,
)
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.feedback import store as feedback_store
from aicmo_distribution.sequences import hooks as sequence_hooks
from aicmo_distribution.service_layer.batch_answers import BatchAnswers
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sending import SendPath

MAX_ID = 128


@dataclass(frozen=True)
class SendRequest:
    """A CreateSend, as the service layer sees it."""

    request_id: str
    campaign_id: str
    lead_id: str
    channel: str
    template_id: str
    message: tpl.MessageContent | None
    step: int
    dry_run: bool

    def fingerprint(self) -> str:
        message = self.message or tpl.MessageContent()
        return request_fingerprint({
            "campaign": self.campaign_id, "lead": self.lead_id, "channel": self.channel,
            "template": self.template_id, "subject": message.subject,
            "text": message.body_text, "html": message.body_html, "step": self.step,
            "dry_run": self.dry_run})


def created_page(rows: list[dict], limit: int, filters: object) -> tuple[list[dict], str]:
    """At most ``limit`` of ``rows`` (read with ``limit + 1``), and the next page's token:
    the keyset (created_at, id) of the lists ordered by creation (sends, templates, runs)."""
    return pages.page_of(rows, limit, lambda row: [row["created_at"].isoformat(), row["id"]],
                         filters)


def check_id(errors: FieldErrors, name: str, value: str, *, required: bool = True) -> None:
    if not value:
        if required:
            errors.add(name, "is required")
    elif len(value) > MAX_ID or not value.isprintable():
        errors.add(name, f"must be at most {MAX_ID} printable characters")


def validate_send(request: SendRequest) -> int:
    """Checks every field; returns the step (0 means 1)."""
    errors = FieldErrors()
    check_id(errors, "request_id", request.request_id)
    check_id(errors, "campaign_id", request.campaign_id)
    check_id(errors, "lead_id", request.lead_id)
    if request.channel not in CHANNELS:
        errors.add("channel", "is required (EMAIL, LINKEDIN, SMS or WEBHOOK)")
    if bool(request.template_id) == (request.message is not None):
        errors.add("template_id", "exactly one of template_id and message is required")
    check_id(errors, "template_id", request.template_id, required=False)
    if request.step < 0 or request.step > 1000:
        errors.add("step", "must be between 1 and 1000 (0 means 1)")
    unknown = False
    if request.message is not None and request.channel in CHANNELS:
        try:
            tpl.analyse(request.message, channel=request.channel)
        except tpl.TemplateProblem as problem:
            errors.add(problem.field, str(problem))
            unknown = problem.unknown
    errors.raise_if_any("UNKNOWN_TEMPLATE_VARIABLE" if unknown and len(errors.violations) == 1
                        else None)
    return request.step or 1


async def create_send(deps: Deps, path: SendPath, request: SendRequest, caller: Caller
                      ) -> tuple[SendJob | None, bool]:
    caller.require(WRITERS, "CreateSend")
    step = validate_send(request)
    request = SendRequest(**{**request.__dict__, "step": step})
    fingerprint = request.fingerprint()
    key = None if request.dry_run else dedupe_key(request.campaign_id, request.lead_id, step)

    def read(session) -> tuple[Template | None, SendJob | None, SendJob | None,
                               dict[str, str]]:
        # One read transaction (one hand-off to a database thread) for everything the checks
        # below and the send path need (the feedback that stops mail to the person included);
        # a job recorded after this read is caught by the insert's conflict.
        found = (repo.get_template(session, request.template_id) if request.template_id
                 else None)
        by_request, by_key = repo.send_by_request_or_dedupe(session, request.request_id, key)
        stops = feedback_store.stopped_leads(session, [request.lead_id], request.channel,
                                             request.campaign_id)
        return (repo.as_template(found), repo.as_send_job(by_request),
                repo.as_send_job(by_key), stops)

    template, existing, first, stops = await deps.uow.read(read)
    if request.template_id:
        if template is None or not caller.may_see(template.venture_id):
            raise NotFound(f"template {request.template_id} does not exist")
        if template.channel != request.channel:
            raise InvalidArgument([_violation("channel",
                                              f"must be the template's channel "
                                              f"({template.channel})")])

    if existing is not None:
        return await _replay(path, existing, fingerprint, caller, by_request=True), True

    campaign: CampaignFacts | None = None
    try:
        campaign = await deps.venture.campaign(request.campaign_id)
    except PeerNotFound:
        raise NotFound(f"campaign {request.campaign_id} does not exist") from None
    except DependencyFailure as failure:
        if caller.token_venture is not None:
            # The caller's scope cannot be checked without the campaign: refuse, record nothing.
            raise Unavailable(f"cannot check the campaign: {failure.detail}",
                              reason="DEPENDENCY_UNAVAILABLE") from None
    if campaign is not None:
        if not caller.may_see(campaign.venture_id):
            raise NotFound(f"campaign {request.campaign_id} does not exist")
        if template is not None and template.venture_id != campaign.venture_id:
            raise InvalidArgument([_violation("template_id",
                                              "belongs to another venture than the campaign")])

    if first is not None:
        return await _replay(path, first, None, caller, by_request=False), True

    now = deps.clock()
    send_id = str(uuid.uuid4())
    message = request.message
    values = {
        "id": send_id, "request_id": request.request_id, "request_hash": fingerprint,
        "dedupe_key": key, "campaign_id": request.campaign_id,
        "venture_id": campaign.venture_id if campaign else "", "lead_id": request.lead_id,
        "channel": request.channel, "step": step, "template_id": request.template_id or None,
        "inline_subject": message.subject if message else None,
        "inline_body_text": message.body_text if message else None,
        "inline_body_html": message.body_html if message else None,
        "run_id": None, "dry_run": request.dry_run, "state": str(SendState.QUEUED),
        "block_reasons": "", "transient": False, "detail": "recorded",
        "delivery_attempts": 0, "check_attempts": 1, "verdict_sequence": 0, "message_id": "",
        "remaining_quota": 0, "next_attempt_at": None,
        # Claimed from the start: the worker must not pick up a send this call is driving.
        "claimed_by": deps.replica, "claim_expires_at": now + deps.settings.claim_ttl,
        "created_at": now, "updated_at": now, "updated_day": repo.day_of(now), "sent_at": None,
        "resolution_note": "",
    }

    def insert(session) -> SendJob | None:
        inserted = repo.as_send_job(repo.insert_send(session, values))
        if inserted is None:
            return None
        repo.audit(session, action="send.created", entity_type="send", entity_id=send_id,
                   actor=caller.actor.label, venture_id=values["venture_id"],
                   request_id=request.request_id,
                   context={"campaign_id": request.campaign_id, "lead_id": request.lead_id,
                            "channel": request.channel, "step": step,
                            "template_id": request.template_id, "dry_run": request.dry_run},
                   now=now)
        return inserted

    job = await deps.uow.write(insert)
    if job is None:
        # Another call took the request id or the (campaign, lead, step) just now.
        raced = repo.as_send_job(await deps.uow.read(repo.send_by_request,
                                                     request.request_id))
        if raced is not None:
            return await _replay(path, raced, fingerprint, caller, by_request=True), True
        first = repo.as_send_job(await deps.uow.read(repo.send_by_dedupe, key)
                                 if key else None)
        if first is None:
            # A concurrent call won and then vanished (rolled back): ABORTED says "retry".
            raise Aborted("the send could not be recorded; retry", reason="ABORTED")
        return await _replay(path, first, None, caller, by_request=False), True
    # The template just read goes along, so the path does not read it again.
    answers = BatchAnswers(stops={(job.lead_id, job.channel, job.campaign_id):
                                  stops.get(job.lead_id)})
    return await path.drive_claimed(job, template=template, answers=answers), False


async def _replay(path: SendPath, job: SendJob, fingerprint: str | None,
                  caller: Caller, *, by_request: bool) -> SendJob | None:
    if by_request and fingerprint is not None and job.request_hash != fingerprint:
        raise FailedPrecondition("this request_id was used for a different send",
                                 reason="REQUEST_ID_REUSED",
                                 metadata={"send_id": job.id})
    if job.venture_id and not caller.may_see(job.venture_id):
        raise NotFound("send does not exist")
    if job.final or job.dry_run:
        return job
    # Not final (transiently blocked, deferred, retrying, queued): a retry runs the path again;
    # the claim makes sure only one pass runs at a time and SENDING is never repeated.
    return await path.drive_existing(job.id)


def _violation(field_name: str, description: str) -> FieldViolation:
    return FieldViolation(field_name, description)


async def get_send(deps: Deps, send_id: str, caller: Caller) -> SendJob:
    job = repo.as_send_job(await deps.uow.read(repo.get_send, send_id) if send_id
                           else None)
    # A send recorded without a venture (its campaign could not be read) is no scoped
    # caller's: may_see("") is False for them.
    if job is None or not caller.may_see(job.venture_id):
        raise NotFound(f"send {send_id} does not exist")
    return job


async def list_sends(deps: Deps, *, caller: Caller, campaign_id: str, lead_id: str,
                     state: str | None, channel: str | None, run_id: str, size: int,
                     token: str) -> tuple[list[SendJob], str]:
    errors = FieldErrors()
    limit = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    filters = {"campaign_id": campaign_id, "lead_id": lead_id, "state": state,
               "channel": channel, "run_id": run_id, "venture_id": caller.token_venture}
    rows = await deps.uow.read(repo.list_sends, filters=filters,
                               after=pages.moment_position(token, filters), limit=limit + 1)
    rows, token = created_page(rows, limit, filters)
    return repo.as_send_jobs(rows), token


async def resolve_unknown(deps: Deps, *, send_id: str, outcome: str, note: str,
                          caller: Caller) -> SendJob:
    caller.require(MANAGERS, "ResolveUnknownOutcome")
    errors = FieldErrors()
    check_id(errors, "send_id", send_id)
    if outcome not in (str(SendState.SENT), str(SendState.FAILED)):
        errors.add("outcome", "must be SEND_STATE_SENT or SEND_STATE_FAILED")
    if not note.strip():
        errors.add("note", "is required")
    elif len(note) > 1000:
        errors.add("note", "must be at most 1000 characters")
    errors.raise_if_any()
    job = await get_send(deps, send_id, caller)
    now = deps.clock()

    def settle(session) -> SendJob | None:
        settled = repo.settle_unknown(session, job.id, dict(
                    state=outcome, transient=False,
                    block_reasons="" if outcome == "SENT" else "DELIVERY_OUTCOME_UNKNOWN",
                    detail=f"settled as {outcome} after review",
                    resolution_note=f"{caller.actor.label}: {note.strip()}",
                    sent_at=now if outcome == "SENT" else None,
                    updated_at=now, updated_day=repo.day_of(now)))
        if not settled:
            return None
        repo.audit(session, action="send.resolved", entity_type="send", entity_id=job.id,
                   actor=caller.actor.label, venture_id=job.venture_id,
                   context={"outcome": outcome, "campaign_id": job.campaign_id,
                            "lead_id": job.lead_id}, now=now)
        if job.run_id and repo.complete_reviewed_run(session, job.run_id, now):
            repo.audit(session, action="run.completed", entity_type="run",
                       entity_id=job.run_id, actor=caller.actor.label,
                       venture_id=job.venture_id, context={"after_review": job.id},
                       now=now)
        resolved = repo.as_send_job(repo.get_send(session, job.id))
        sequence_hooks.step_settled(session, [resolved], now)
        return resolved

    settled = await deps.uow.write(settle)
    if settled is None:
        raise FailedPrecondition(f"send {send_id} is not in UNKNOWN_OUTCOME",
                                 reason="INVALID_TRANSITION")
    return settled


async def count_sends(deps: Deps, *, campaign_id: str, since: dt.datetime | None,
                      include_dry_run: bool, caller: Caller
                      ) -> tuple[int, int, list[tuple[str, str, str, int]]]:
    caller.require(READERS, "CountSends")
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    errors.raise_if_any()
    buckets = await deps.uow.read(repo.count_sends, campaign_id=campaign_id, since=since,
                                  include_dry_run=include_dry_run,
                                  venture_id=caller.token_venture)
    total = sum(n for *_, n in buckets)
    sent = sum(n for _, state, _, n in buckets if state == str(SendState.SENT))
    return total, sent, buckets
