"""Enrolment use cases: enrol, unenrol, move, list, and the campaign's sequence status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aicmo_common import pages
from aicmo_common.access import WRITERS, Caller
from aicmo_common.errors import FailedPrecondition, FieldErrors, NotFound, Unavailable
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound
from aicmo_distribution.sequences import enrollments, store
from aicmo_distribution.sequences.progress import FINAL_STATES, State, Stop, stopped
from aicmo_distribution.sequences.service import SequenceVersion, get
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sends import check_id

MAX_LEAD_IDS = 10_000
ENROL_PAGE = 500
# The states the API shows: SETTLED is a lead waiting for its next move.
SHOWN_STATES = {str(State.SETTLED): str(State.WAITING)}


def shown_state(state: str) -> str:
    return SHOWN_STATES.get(state, state)


@dataclass
class Enrolled:
    enrolled: int = 0
    already: int = 0
    rows: list[dict] = field(default_factory=list)


def _check_ids(errors: FieldErrors, lead_ids: Sequence[str]) -> None:
    if len(lead_ids) > MAX_LEAD_IDS:
        errors.add("lead_ids", f"must list at most {MAX_LEAD_IDS} ids")
    for index, lead_id in enumerate(lead_ids[:MAX_LEAD_IDS]):
        if not lead_id or len(lead_id) > 64 or not lead_id.isprintable():
            errors.add(f"lead_ids[{index}]", "must be 1 to 64 printable characters")


async def enroll(deps: Deps, *, campaign_id: str, lead_ids: Sequence[str],
                 consented_only: bool, source_channel: str, version: int, caller: Caller
                 ) -> Enrolled:
    """Enrols the listed leads (or every active lead of the campaign the filter admits) in
    the version; a lead already enrolled in the campaign keeps its enrolment."""
    caller.require(WRITERS, "EnrollLeads")
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    _check_ids(errors, lead_ids)
    if len(source_channel) > 64:
        errors.add("source_channel", "must be at most 64 characters")
    if version < 0:
        errors.add("version", "must not be negative")
    errors.raise_if_any()
    sequence = await get(deps, campaign_id, version, caller)
    answer = Enrolled()
    if lead_ids:
        await _enroll_page(deps, sequence, list(dict.fromkeys(lead_ids)), caller, answer)
        rows = await deps.uow.read(enrollments.of_leads, campaign_id, list(lead_ids))
        answer.rows = [rows[lead_id] for lead_id in lead_ids if lead_id in rows]
        return answer
    token = ""
    while True:
        try:
            page = await deps.leads.campaign_leads(
                campaign_id, sequence.venture_id, consented_only=consented_only,
                source_channel=source_channel, page_token=token, page_size=ENROL_PAGE)
        except (DependencyFailure, PeerNotFound) as failure:
            raise Unavailable(f"cannot page the campaign's leads: {failure}; the leads "
                              f"enrolled so far ({answer.enrolled}) stay enrolled",
                              reason="DEPENDENCY_UNAVAILABLE") from None
        await _enroll_page(deps, sequence, page.lead_ids, caller, answer)
        token = page.next_page_token
        if not token:
            return answer


async def _enroll_page(deps: Deps, sequence: SequenceVersion, lead_ids: list[str],
                       caller: Caller, answer: Enrolled) -> None:
    if not lead_ids:
        return
    now = deps.clock()
    rows = [enrollments.new_row(campaign_id=sequence.campaign_id, lead_id=lead_id,
                                venture_id=sequence.venture_id, version=sequence.version,
                                now=now) for lead_id in lead_ids]
    for row in rows:
        row["due_at"] = now  # the first step's wait counts from the first tick

    def insert(session) -> int:
        added = enrollments.enroll(session, rows)
        repo.record_audit(session, [repo.audit_event(
            action="enrollment.created", entity_type="enrollment", entity_id=row["id"],
            actor=caller.actor.label, venture_id=sequence.venture_id,
            context={"campaign_id": sequence.campaign_id, "lead_id": row["lead_id"],
                     "version": sequence.version}, now=now)
            for row in rows if row["lead_id"] in added])
        return len(added)

    added = await deps.uow.write(insert)
    answer.enrolled += added
    answer.already += len(rows) - added


async def _one(deps: Deps, campaign_id: str, lead_id: str, caller: Caller) -> dict:
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    check_id(errors, "lead_id", lead_id)
    errors.raise_if_any()
    await get(deps, campaign_id, 0, caller)  # the campaign exists and the caller sees it
    row = (await deps.uow.read(enrollments.of_leads, campaign_id, [lead_id])).get(lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id} is not enrolled in campaign {campaign_id}")
    return row


async def unenroll(deps: Deps, *, campaign_id: str, lead_id: str, reason: str,
                   caller: Caller) -> dict:
    caller.require(WRITERS, "UnenrollLead")
    if len(reason) > 500:
        errors = FieldErrors()
        errors.add("reason", "must be at most 500 characters")
        errors.raise_if_any()
    row = await _one(deps, campaign_id, lead_id, caller)
    if row["state"] in FINAL_STATES:
        return row
    now = deps.clock()

    def stop(session) -> dict:
        for stopped_row in enrollments.stop_leads(session, campaign_id, [lead_id], {
                **stopped(Stop.MANUAL, reason.strip() or "unenrolled"), "updated_at": now}):
            repo.audit(session, action="enrollment.stopped", entity_type="enrollment",
                       entity_id=stopped_row["id"], actor=caller.actor.label,
                       venture_id=stopped_row["venture_id"],
                       context={"campaign_id": campaign_id, "lead_id": lead_id,
                                "stop_reason": str(Stop.MANUAL),
                                "step": stopped_row["step"]}, now=now)
        return enrollments.of_leads(session, campaign_id, [lead_id])[lead_id]

    return await deps.uow.write(stop)


async def move(deps: Deps, *, campaign_id: str, lead_id: str, step_key: str, version: int,
               caller: Caller) -> dict:
    caller.require(WRITERS, "MoveEnrollment")
    errors = FieldErrors()
    if not step_key:
        errors.add("step_key", "is required")
    if version < 0:
        errors.add("version", "must not be negative")
    errors.raise_if_any()
    row = await _one(deps, campaign_id, lead_id, caller)
    target = await get(deps, campaign_id, version or row["version"], caller)
    keys = [step.key for step in target.definition.steps]
    if step_key not in keys:
        errors.add("step_key", f"version {target.version} has no step {step_key!r}")
        errors.raise_if_any()
    if row["state"] == str(State.SENDING):
        raise FailedPrecondition("the lead's current step is on its way; move it once it "
                                 "has settled", reason="FAILED_PRECONDITION")
    now = deps.clock()
    values = {"state": str(State.WAITING), "version": target.version,
              "step": keys.index(step_key) + 1, "due_at": now, "stop_reason": "",
              "detail": f"moved to step {step_key!r} by {caller.actor.label}",
              "updated_at": now}

    def change(session) -> dict:
        if not enrollments.change(session, row["id"], values, states=[row["state"]]):
            raise FailedPrecondition("the enrolment changed meanwhile; read it and retry",
                                     reason="FAILED_PRECONDITION")
        repo.audit(session, action="enrollment.moved", entity_type="enrollment",
                   entity_id=row["id"], actor=caller.actor.label, venture_id=row["venture_id"],
                   context={"campaign_id": campaign_id, "lead_id": lead_id,
                            "version": target.version, "step": values["step"]}, now=now)
        return enrollments.of_leads(session, campaign_id, [lead_id])[lead_id]

    return await deps.uow.write(change)


async def list_enrollments(deps: Deps, *, campaign_id: str, state: str | None, size: int,
                           token: str, caller: Caller) -> tuple[list[dict], str]:
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    size = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    await get(deps, campaign_id, 0, caller)
    filters = {"campaign": campaign_id, "state": state or ""}
    after = pages.moment_position(token, filters)
    rows = await deps.uow.read(lambda s: enrollments.page(
        s, campaign_id=campaign_id, state=state, after=after, limit=size + 1))
    if len(rows) <= size:
        return rows, ""
    rows = rows[:size]
    return rows, pages.moment_token(rows[-1]["enrolled_at"], rows[-1]["id"], filters)


@dataclass
class StepCounts:
    key: str
    number: int
    waiting: int = 0
    sending: int = 0
    sent: int = 0
    replied: int = 0
    stopped: dict[str, int] = field(default_factory=dict)
    sent_by_template: dict[str, int] = field(default_factory=dict)


@dataclass
class Status:
    steps: list[StepCounts]
    states: dict[str, int]
    stopped: dict[str, int]
    total: int


async def status(deps: Deps, campaign_id: str, caller: Caller) -> Status:
    sequence = await get(deps, campaign_id, 0, caller)
    steps = [StepCounts(step.key, index + 1)
             for index, step in enumerate(sequence.definition.steps)]

    def read(session):
        return (enrollments.counts(session, campaign_id),
                store.step_sends(session, campaign_id, len(steps)))

    counts, sends = await deps.uow.read(read)
    states: dict[str, int] = {}
    stops: dict[str, int] = {}
    for number, state, reason, count in counts:
        shown = shown_state(state)
        states[shown] = states.get(shown, 0) + count
        at = steps[number - 1] if 0 < number <= len(steps) else None
        if state == str(State.STOPPED):
            stops[reason] = stops.get(reason, 0) + count
            if at is not None:
                at.stopped[reason] = at.stopped.get(reason, 0) + count
        elif at is not None and shown == str(State.WAITING):
            at.waiting += count
        elif at is not None and state == str(State.SENDING):
            at.sending += count
    sent_by, replied_by = sends
    for (number, template_id), sent in sent_by.items():
        if 0 < number <= len(steps):
            steps[number - 1].sent += sent
            steps[number - 1].sent_by_template[template_id or ""] = sent
    for number, replied in replied_by.items():
        if 0 < number <= len(steps):
            steps[number - 1].replied = replied
    return Status(steps, states, stops, sum(states.values()))



async def step_keys(deps: Deps, rows: Sequence[dict]) -> list[str]:
    """The key of each row's step in its version ("" for a final row)."""
    wanted = {(row["campaign_id"], row["version"]) for row in rows}

    def read(session) -> dict[tuple[str, int], list[str]]:
        found = {}
        for campaign_id, number in wanted:
            version = store.version(session, campaign_id, number)
            found[(campaign_id, number)] = ([step["key"] for step in
                                             version["definition"]["steps"]]
                                            if version is not None else [])
        return found

    keys = await deps.uow.read(read) if wanted else {}
    answers = []
    for row in rows:
        listed = keys.get((row["campaign_id"], row["version"]), [])
        final = row["state"] in FINAL_STATES
        answers.append("" if final or not 0 < row["step"] <= len(listed)
                       else listed[row["step"] - 1])
    return answers
