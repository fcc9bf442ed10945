"""Sequence use cases: create, read, list, update (a new version), validate, preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from aicmo_common import pages
from aicmo_common.access import MANAGERS, Caller
from aicmo_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldErrors,
    NotFound,
    Unavailable,
)
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.peers import CampaignFacts, DependencyFailure, PeerNotFound
from aicmo_distribution.domain.sends import request_fingerprint
from aicmo_distribution.sequences import store
from aicmo_distribution.sequences.definition import (
    Definition,
    PlannedStep,
    TemplateFacts,
    problems,
    timeline,
)
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sends import check_id


@dataclass(frozen=True)
class SequenceVersion:
    """One stored version, with the venture's zone its calendar is read in."""

    campaign_id: str
    venture_id: str
    version: int
    definition: Definition
    time_zone: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Target:
    """The campaign a sequence belongs to, and its venture's time zone."""

    campaign: CampaignFacts
    time_zone: str


async def _target(deps: Deps, campaign_id: str, caller: Caller) -> Target:
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    errors.raise_if_any()
    try:
        campaign = await deps.venture.campaign(campaign_id)
        venture = await deps.venture.venture(campaign.venture_id)
    except PeerNotFound:
        raise NotFound(f"campaign {campaign_id} does not exist") from None
    except DependencyFailure as failure:
        raise Unavailable(f"cannot read the campaign: {failure.detail}",
                          reason="DEPENDENCY_UNAVAILABLE") from None
    if not caller.may_see(campaign.venture_id):
        raise NotFound(f"campaign {campaign_id} does not exist")
    return Target(campaign, venture.timezone or "UTC")


async def _problems(deps: Deps, target: Target, definition: Definition
                    ) -> list[tuple[str, str]]:
    ids = {v.template_id for step in definition.steps for v in step.variants if v.template_id}

    def read(session) -> dict[str, TemplateFacts | None]:
        found: dict[str, TemplateFacts | None] = {}
        for template_id in ids:
            template = repo.as_template(repo.get_template(session, template_id))
            found[template_id] = (None if template is None
                                  else TemplateFacts(template.venture_id, template.channel))
        return found

    templates = await deps.uow.read(read) if ids else {}
    return problems(definition, venture_id=target.campaign.venture_id,
                    time_zone=target.time_zone, templates=templates)


def _raise(found: Iterable[tuple[str, str]]) -> None:
    errors = FieldErrors()
    for path, description in found:
        errors.add(path, description)
    errors.raise_if_any("INVALID_SEQUENCE")


def _version(row: dict, time_zone: str) -> SequenceVersion:
    return SequenceVersion(row["campaign_id"], row["venture_id"], row["version"],
                           Definition.from_dict(row["definition"]), time_zone,
                           row["created_at"])


async def create(deps: Deps, *, request_id: str, campaign_id: str, definition: Definition,
                 caller: Caller) -> SequenceVersion:
    caller.require(MANAGERS, "CreateSequence")
    errors = FieldErrors()
    check_id(errors, "request_id", request_id)
    check_id(errors, "sequence.campaign_id", campaign_id)
    errors.raise_if_any()
    target = await _target(deps, campaign_id, caller)
    fingerprint = request_fingerprint({"campaign": campaign_id,
                                       "definition": definition.as_dict()})
    existing = await deps.uow.read(store.by_request, request_id)
    if existing is not None:
        if existing["request_hash"] != fingerprint:
            raise FailedPrecondition("this request_id was used for a different sequence",
                                     reason="REQUEST_ID_REUSED")
        return _version(existing, target.time_zone)
    _raise(await _problems(deps, target, definition))
    now = deps.clock()
    values = {"campaign_id": campaign_id, "version": 1,
              "venture_id": target.campaign.venture_id, "name": definition.name.strip(),
              "definition": definition.as_dict(), "request_id": request_id,
              "request_hash": fingerprint, "created_at": now}

    def insert(session) -> dict | None:
        if not store.add_version(session, values):
            return None
        repo.audit(session, action="sequence.created", entity_type="sequence",
                   entity_id=campaign_id, actor=caller.actor.label,
                   venture_id=target.campaign.venture_id, request_id=request_id,
                   context={"version": 1, "steps": len(definition.steps)}, now=now)
        return store.version(session, campaign_id, 1)

    created = await deps.uow.write(insert)
    if created is None:
        raced = await deps.uow.read(store.by_request, request_id)
        if raced is not None and raced["request_hash"] == fingerprint:
            return _version(raced, target.time_zone)
        raise AlreadyExists(f"campaign {campaign_id} already has a sequence; update it "
                            "(UpdateSequence) to make a new version",
                            reason="SEQUENCE_EXISTS")
    return _version(created, target.time_zone)


async def update(deps: Deps, *, campaign_id: str, definition: Definition, base_version: int,
                 caller: Caller) -> SequenceVersion:
    caller.require(MANAGERS, "UpdateSequence")
    errors = FieldErrors()
    check_id(errors, "sequence.campaign_id", campaign_id)
    if base_version < 0:
        errors.add("base_version", "must not be negative")
    errors.raise_if_any()
    target = await _target(deps, campaign_id, caller)
    latest = await deps.uow.read(store.version, campaign_id, 0)
    if latest is None:
        raise NotFound(f"campaign {campaign_id} has no sequence")
    if base_version and base_version != latest["version"]:
        raise FailedPrecondition(
            f"the sequence changed: the latest version is {latest['version']}, the change "
            f"was made from {base_version}", reason="VERSION_MISMATCH")
    _raise(await _problems(deps, target, definition))
    now = deps.clock()
    number = latest["version"] + 1
    values = {"campaign_id": campaign_id, "version": number,
              "venture_id": target.campaign.venture_id, "name": definition.name.strip(),
              "definition": definition.as_dict(), "request_id": None, "request_hash": "",
              "created_at": now}

    def insert(session) -> dict | None:
        if not store.add_version(session, values):
            return None
        repo.audit(session, action="sequence.updated", entity_type="sequence",
                   entity_id=campaign_id, actor=caller.actor.label,
                   venture_id=target.campaign.venture_id,
                   context={"version": number, "steps": len(definition.steps)}, now=now)
        return store.version(session, campaign_id, number)

    created = await deps.uow.write(insert)
    if created is None:
        raise FailedPrecondition("the sequence changed while this version was being made; "
                                 "read it again and retry", reason="VERSION_MISMATCH")
    return _version(created, target.time_zone)


async def get(deps: Deps, campaign_id: str, number: int, caller: Caller) -> SequenceVersion:
    if number < 0:
        errors = FieldErrors()
        errors.add("version", "must not be negative")
        errors.raise_if_any()
    target = await _target(deps, campaign_id, caller)
    row = await deps.uow.read(store.version, campaign_id, number)
    if row is None:
        raise NotFound(f"campaign {campaign_id} has no sequence" if not number
                       else f"campaign {campaign_id}'s sequence has no version {number}")
    return _version(row, target.time_zone)


async def list_latest(deps: Deps, *, venture_id: str, size: int, token: str, caller: Caller
                      ) -> tuple[list[SequenceVersion], str]:
    errors = FieldErrors()
    check_id(errors, "venture_id", venture_id, required=False)
    size = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    venture = caller.venture_for(venture_id)
    filters = {"venture": venture}
    after = pages.decode(token, filters)
    if after is not None and not isinstance(after, str):
        raise pages.bad_token()
    rows = await deps.uow.read(lambda s: store.latest_versions(
        s, venture_id=venture or None, after=after or "", limit=size + 1))
    found, next_token = pages.page_of(rows, size, lambda row: row["campaign_id"], filters)
    zones: dict[str, str] = {}
    versions = []
    for row in found:
        if row["venture_id"] not in zones:
            try:
                zones[row["venture_id"]] = (await deps.venture.venture(row["venture_id"])
                                            ).timezone or "UTC"
            except (PeerNotFound, DependencyFailure):
                zones[row["venture_id"]] = ""
        versions.append(_version(row, zones[row["venture_id"]]))
    return versions, next_token


async def validate(deps: Deps, *, campaign_id: str, definition: Definition, caller: Caller
                   ) -> list[tuple[str, str]]:
    target = await _target(deps, campaign_id, caller)
    return await _problems(deps, target, definition)


async def preview(deps: Deps, *, campaign_id: str, lead_id: str, start: dt.datetime | None,
                  number: int, caller: Caller) -> tuple[list[PlannedStep], str]:
    errors = FieldErrors()
    check_id(errors, "lead_id", lead_id, required=False)
    errors.raise_if_any()
    sequence = await get(deps, campaign_id, number, caller)
    calendar = sequence.definition.calendar.in_zone(sequence.time_zone)
    return timeline(sequence.definition, calendar, start=start or deps.clock(),
                    campaign_id=campaign_id, lead_id=lead_id), sequence.time_zone
