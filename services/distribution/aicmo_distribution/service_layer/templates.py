"""Template use cases: create, read, list, update (checked at save time), preview."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from aicmo_common import pages
from aicmo_common.access import MANAGERS, Caller
from aicmo_common.errors import FailedPrecondition, FieldErrors, NotFound, Unavailable
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound
from aicmo_distribution.domain.sends import CHANNELS, request_fingerprint
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sends import check_id, created_page

UPDATABLE = ("name", "message", "message.subject", "message.body_text", "message.body_html")


def _check(errors: FieldErrors, *, name: str, channel: str, content: tpl.MessageContent
           ) -> tuple[list[str], bool]:
    """Validates name and content; returns (variables, whether an unknown variable was the
    problem)."""
    if not name.strip():
        errors.add("template.name", "is required")
    elif len(name) > tpl.MAX_NAME:
        errors.add("template.name", f"must be at most {tpl.MAX_NAME} characters")
    if channel not in CHANNELS:
        errors.add("template.channel", "is required (EMAIL, LINKEDIN, SMS or WEBHOOK)")
        return [], False
    try:
        return tpl.analyse(content, channel=channel), False
    except tpl.TemplateProblem as problem:
        errors.add(f"template.{problem.field}", str(problem))
        return [], problem.unknown


def _raise(errors: FieldErrors, unknown: bool) -> None:
    errors.raise_if_any("UNKNOWN_TEMPLATE_VARIABLE" if unknown else None)


async def create_template(deps: Deps, *, venture_id: str, name: str, channel: str,
                          content: tpl.MessageContent, request_id: str,
                          caller: Caller) -> Template:
    caller.require(MANAGERS, "CreateTemplate")
    errors = FieldErrors()
    check_id(errors, "template.venture_id", venture_id)
    check_id(errors, "request_id", request_id, required=False)
    variables, unknown = _check(errors, name=name, channel=channel, content=content)
    _raise(errors, unknown)
    if not caller.may_see(venture_id):
        raise NotFound(f"venture {venture_id} does not exist")
    fingerprint = request_fingerprint({"venture": venture_id, "name": name, "channel": channel,
                                       "content": content.__dict__})
    if request_id:
        existing = repo.as_template(await deps.uow.read(repo.template_by_request,
                                                        request_id))
        if existing is not None:
            return _same(existing, fingerprint)
    now = deps.clock()
    template_id = str(uuid.uuid4())
    values = {"id": template_id, "venture_id": venture_id, "name": name.strip(),
              "channel": channel, "subject": content.subject, "body_text": content.body_text,
              "body_html": content.body_html, "variables": variables, "revision": 1,
              "request_id": request_id or None, "request_hash": fingerprint,
              "created_at": now, "updated_at": now}

    def insert(session) -> Template | None:
        if not repo.insert_template(session, values):
            return None
        repo.audit(session, action="template.created", entity_type="template",
                   entity_id=template_id, actor=caller.actor.label, venture_id=venture_id,
                   request_id=request_id,
                   context={"channel": channel, "variables": variables}, now=now)
        return repo.as_template(repo.get_template(session, template_id))

    created = await deps.uow.write(insert)
    if created is None:
        raced = repo.as_template(await deps.uow.read(repo.template_by_request, request_id))
        return _same(raced, fingerprint)
    return created


def _same(existing: Template, fingerprint: str) -> Template:
    if existing.request_hash != fingerprint:
        raise FailedPrecondition("this request_id was used for a different template",
                                 reason="REQUEST_ID_REUSED")
    return existing


async def get_template(deps: Deps, template_id: str, caller: Caller) -> Template:
    template = repo.as_template(await deps.uow.read(repo.get_template, template_id)
                                if template_id else None)
    if template is None or not caller.may_see(template.venture_id):
        raise NotFound(f"template {template_id} does not exist")
    return template


async def list_templates(deps: Deps, *, venture_id: str, channel: str | None, size: int,
                         token: str, caller: Caller) -> tuple[list[Template], str]:
    errors = FieldErrors()
    limit = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    venture_id = caller.venture_for(venture_id)
    filters = {"venture_id": venture_id, "channel": channel}
    rows = await deps.uow.read(repo.list_templates, venture_id=venture_id or None,
                               channel=channel, after=pages.moment_position(token, filters),
                               limit=limit + 1)
    rows, token = created_page(rows, limit, filters)
    return [repo.as_template(row) for row in rows], token


async def update_template(deps: Deps, *, template_id: str, name: str,
                          content: tpl.MessageContent, mask: Sequence[str],
                          caller: Caller) -> Template:
    caller.require(MANAGERS, "UpdateTemplate")
    errors = FieldErrors()
    check_id(errors, "template.id", template_id)
    if not mask:
        errors.add("update_mask", "names no field")
    bad = [p for p in mask if p not in UPDATABLE]
    if bad:
        errors.add("update_mask", f"unknown or immutable paths: {', '.join(bad)} "
                                  f"(allowed: {', '.join(UPDATABLE)})")
    errors.raise_if_any()
    template = await get_template(deps, template_id, caller)
    saved = template.message
    new_name = name if "name" in mask else template.name
    whole = "message" in mask
    merged = tpl.MessageContent(
        content.subject if whole or "message.subject" in mask else saved.subject,
        content.body_text if whole or "message.body_text" in mask else saved.body_text,
        content.body_html if whole or "message.body_html" in mask else saved.body_html)
    variables, unknown = _check(errors, name=new_name, channel=template.channel,
                                content=merged)
    _raise(errors, unknown)
    now = deps.clock()

    def change(session) -> Template:
        repo.update_template(session, template_id, {
            "name": new_name.strip(), "subject": merged.subject, "body_text": merged.body_text,
            "body_html": merged.body_html, "variables": variables,
            "revision": template.revision + 1, "updated_at": now})
        repo.audit(session, action="template.updated", entity_type="template",
                   entity_id=template_id, actor=caller.actor.label,
                   venture_id=template.venture_id,
                   context={"changed_fields": list(mask), "variables": variables}, now=now)
        return repo.as_template(repo.get_template(session, template_id))

    return await deps.uow.write(change)


async def preview(deps: Deps, *, template_id: str, content: tpl.MessageContent | None,
                  lead_id: str, campaign_id: str, step: int, caller: Caller
                  ) -> tpl.MessageContent:
    errors = FieldErrors()
    check_id(errors, "lead_id", lead_id)
    check_id(errors, "campaign_id", campaign_id)
    if bool(template_id) == (content is not None):
        errors.add("template_id", "exactly one of template_id and message is required")
    if step < 0 or step > 1000:
        errors.add("step", "must be between 1 and 1000 (0 means 1)")
    errors.raise_if_any()
    channel = "EMAIL"
    if template_id:
        template = await get_template(deps, template_id, caller)
        content, channel = template.message, template.channel
    else:
        try:
            tpl.analyse(content, channel=channel)
        except tpl.TemplateProblem as problem:
            errors.add(problem.field, str(problem))
            errors.raise_if_any("UNKNOWN_TEMPLATE_VARIABLE" if problem.unknown else None)
    try:
        campaign = await deps.venture.campaign(campaign_id)
        if not caller.may_see(campaign.venture_id):
            raise NotFound(f"campaign {campaign_id} does not exist")
        venture = await deps.venture.venture(campaign.venture_id)
        lead = await deps.leads.lead(lead_id)
    except PeerNotFound as missing:
        raise NotFound(str(missing)) from None
    except DependencyFailure as failure:
        raise Unavailable(failure.detail, reason="DEPENDENCY_UNAVAILABLE") from None
    if lead.get("venture_id") != campaign.venture_id:
        raise NotFound(f"lead {lead_id} does not exist in the campaign's venture")
    try:
        return tpl.render_message(
            content, channel=channel, lead=lead, campaign_id=campaign_id, step=step or 1,
            venture_id=campaign.venture_id, venture_name=venture.name, sender=venture.sender,
            unsubscribe_url=deps.unsubscribe.url(lead_id, campaign_id))
    except tpl.TemplateProblem as problem:
        raise FailedPrecondition(str(problem), reason="TEMPLATE_RENDER_FAILED") from None
