"""A sequence definition and the rules it must keep, as pure values and functions.

A sequence is an ordered list of steps; a step's position (from 1) is its step number in the
campaign, the ``step`` of the (campaign, lead, step) key of its sends. A step goes on to the
next in the list unless it names ``next_step``, ends with ``last``, or a branch sends the lead
elsewhere; every such edge must point to a later step, so a sequence can have no cycle, and
every step must be reachable from the first.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from aicmo_common.business_time import (
    DEFAULT_DAYS,
    DEFAULT_END_MINUTE,
    DEFAULT_START_MINUTE,
    BusinessCalendar,
    add_business,
    calendar_errors,
)
from aicmo_distribution.domain.sends import CHANNELS

MAX_STEPS = 50
MAX_VARIANTS = 10
MAX_NAME = 200
MAX_WAIT_DAYS = 365
MAX_WAIT_HOURS = 1000
MAX_WEIGHT = 1000
MAX_HOLIDAYS = 400
KEY = re.compile(r"[a-z0-9_-]{1,64}")
# The answers a branch may name: the leads service's objection classes that are answers to
# the message (an unsubscribe in words stops everything; an out-of-office is no answer).
OBJECTIONS = ("INTERESTED", "MEETING_REQUEST", "NOT_NOW", "PRICE", "AUTHORITY", "NEED",
              "COMPETITOR", "OTHER")


class Condition(enum.StrEnum):
    ALWAYS = "ALWAYS"
    PREVIOUS_DELIVERED = "PREVIOUS_DELIVERED"
    PREVIOUS_NOT_DELIVERED = "PREVIOUS_NOT_DELIVERED"


@dataclass(frozen=True)
class Variant:
    template_id: str
    weight: int = 1


@dataclass(frozen=True)
class Branch:
    objections: tuple[str, ...]
    goto_step: str


@dataclass(frozen=True)
class Wait:
    business_days: int = 0
    business_hours: int = 0


@dataclass(frozen=True)
class Step:
    key: str
    channel: str
    variants: tuple[Variant, ...]
    wait: Wait = Wait()
    condition: Condition = Condition.ALWAYS
    branches: tuple[Branch, ...] = ()
    next_step: str = ""
    last: bool = False


@dataclass(frozen=True)
class Calendar:
    """The calendar's parts as given; the zone is the venture's."""

    days: tuple[int, ...] = ()
    start_minute: int = 0
    end_minute: int = 0
    holidays: tuple[str, ...] = ()

    def resolved(self) -> tuple[tuple[int, ...], int, int]:
        """Days and hours with the defaults filled in (Monday to Friday, 09:00 to 17:00)."""
        days = self.days or tuple(sorted(DEFAULT_DAYS))
        if self.start_minute == 0 and self.end_minute == 0:
            return days, DEFAULT_START_MINUTE, DEFAULT_END_MINUTE
        return days, self.start_minute, self.end_minute

    def in_zone(self, zone: str) -> BusinessCalendar:
        days, start, end = self.resolved()
        return BusinessCalendar(zone, frozenset(days), start, end,
                                frozenset(dt.date.fromisoformat(h) for h in self.holidays))

    def as_dict(self) -> dict[str, object]:
        return {"days": list(self.days), "start_minute": self.start_minute,
                "end_minute": self.end_minute, "holidays": list(self.holidays)}


@dataclass(frozen=True)
class Definition:
    """What an operator writes: the name, the steps and the calendar."""

    name: str
    steps: tuple[Step, ...]
    calendar: Calendar = Calendar()

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "calendar": self.calendar.as_dict(), "steps": [{
            "key": s.key, "channel": s.channel, "condition": str(s.condition),
            "variants": [{"template_id": v.template_id, "weight": v.weight}
                         for v in s.variants],
            "wait": {"business_days": s.wait.business_days,
                     "business_hours": s.wait.business_hours},
            "branches": [{"objections": list(b.objections), "goto_step": b.goto_step}
                         for b in s.branches],
            "next_step": s.next_step, "last": s.last} for s in self.steps]}

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> Definition:
        calendar = values.get("calendar") or {}
        assert isinstance(calendar, Mapping)
        steps = values.get("steps") or []
        assert isinstance(steps, list)
        return cls(str(values.get("name", "")), tuple(Step(
            key=s["key"], channel=s["channel"], condition=Condition(s["condition"]),
            variants=tuple(Variant(v["template_id"], v["weight"]) for v in s["variants"]),
            wait=Wait(s["wait"]["business_days"], s["wait"]["business_hours"]),
            branches=tuple(Branch(tuple(b["objections"]), b["goto_step"])
                           for b in s["branches"]),
            next_step=s["next_step"], last=s["last"]) for s in steps), Calendar(
            tuple(calendar.get("days") or ()), int(calendar.get("start_minute") or 0),
            int(calendar.get("end_minute") or 0), tuple(calendar.get("holidays") or ())))


@dataclass(frozen=True)
class TemplateFacts:
    """What validation needs to know of a template."""

    venture_id: str
    channel: str


@dataclass
class Problems:
    """Every problem found, as (field path, description)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, description: str) -> None:
        self.items.append((path, description))


def problems(definition: Definition, *, venture_id: str, time_zone: str,
             templates: Mapping[str, TemplateFacts | None],
             prefix: str = "sequence.") -> list[tuple[str, str]]:
    """Everything wrong with a definition for a campaign of ``venture_id``: shape, templates
    (unknown, another venture's, another channel's), edges that go back or nowhere (cycles),
    steps no path reaches. ``templates`` maps every template id the steps name."""
    found = Problems()
    name = definition.name.strip()
    if not name:
        found.add(f"{prefix}name", "is required")
    elif len(name) > MAX_NAME:
        found.add(f"{prefix}name", f"must be at most {MAX_NAME} characters")
    steps = definition.steps
    if not steps:
        found.add(f"{prefix}steps", "must list at least one step")
    elif len(steps) > MAX_STEPS:
        found.add(f"{prefix}steps", f"must list at most {MAX_STEPS} steps")
    _check_calendar(definition.calendar, time_zone, found, prefix)
    positions: dict[str, int] = {}
    for index, step in enumerate(steps[:MAX_STEPS]):
        path = f"{prefix}steps[{index}]"
        if not KEY.fullmatch(step.key):
            found.add(f"{path}.key", "must be 1 to 64 of a-z, 0-9, '_' and '-'")
        elif step.key in positions:
            found.add(f"{path}.key", f"{step.key!r} is the key of steps[{positions[step.key]}]")
        else:
            positions[step.key] = index
        _check_step(step, path, venture_id, templates, found)
    for index, step in enumerate(steps[:MAX_STEPS]):
        path = f"{prefix}steps[{index}]"
        for target, where in _edges(step, path):
            if target not in positions:
                found.add(where, f"names no step of this sequence: {target!r}")
            elif positions[target] <= index:
                found.add(where, f"goes back to step {target!r}: sequences cannot loop")
    if not found.items:
        reached = reachable(definition)
        for index, step in enumerate(steps):
            if step.key not in reached:
                found.add(f"{prefix}steps[{index}]",
                          f"step {step.key!r} cannot be reached from the first step")
    return found.items


def _check_calendar(calendar: Calendar, zone: str, found: Problems, prefix: str) -> None:
    if len(calendar.holidays) > MAX_HOLIDAYS:
        found.add(f"{prefix}calendar.holidays", f"must list at most {MAX_HOLIDAYS} dates")
        return
    days, start, end = calendar.resolved()
    for name, description in calendar_errors(zone, days, start, end, calendar.holidays):
        found.add(f"{prefix}calendar.{name}" if name != "time_zone" else "campaign_id",
                  description if name != "time_zone"
                  else f"the venture's time zone is not usable: {description}")


def _check_step(step: Step, path: str, venture_id: str,
                templates: Mapping[str, TemplateFacts | None], found: Problems) -> None:
    if step.channel not in CHANNELS:
        found.add(f"{path}.channel", "is required (EMAIL, LINKEDIN, SMS or WEBHOOK)")
    if not step.variants:
        found.add(f"{path}.variants", "must list at least one template")
    elif len(step.variants) > MAX_VARIANTS:
        found.add(f"{path}.variants", f"must list at most {MAX_VARIANTS} templates")
    seen: set[str] = set()
    for index, variant in enumerate(step.variants[:MAX_VARIANTS]):
        where = f"{path}.variants[{index}]"
        facts = templates.get(variant.template_id)
        if not variant.template_id:
            found.add(f"{where}.template_id", "is required")
        elif variant.template_id in seen:
            found.add(f"{where}.template_id", "is listed twice in this step")
        elif facts is None or facts.venture_id != venture_id:
            found.add(f"{where}.template_id",
                      f"template {variant.template_id!r} does not exist in the venture")
        elif step.channel in CHANNELS and facts.channel != step.channel:
            found.add(f"{where}.template_id",
                      f"is a {facts.channel} template; the step sends on {step.channel}")
        seen.add(variant.template_id)
        if not 1 <= variant.weight <= MAX_WEIGHT:
            found.add(f"{where}.weight", f"must be 1 to {MAX_WEIGHT}")
    if not 0 <= step.wait.business_days <= MAX_WAIT_DAYS:
        found.add(f"{path}.wait.business_days", f"must be 0 to {MAX_WAIT_DAYS}")
    if not 0 <= step.wait.business_hours <= MAX_WAIT_HOURS:
        found.add(f"{path}.wait.business_hours", f"must be 0 to {MAX_WAIT_HOURS}")
    for index, branch in enumerate(step.branches):
        where = f"{path}.branches[{index}]"
        if not branch.objections:
            found.add(f"{where}.objections", "must name at least one objection")
        for position, objection in enumerate(branch.objections):
            if objection not in OBJECTIONS:
                found.add(f"{where}.objections[{position}]",
                          f"{objection!r} is not one of {', '.join(OBJECTIONS)}")
    if step.last and step.next_step:
        found.add(f"{path}.next_step", "cannot be set on a last step")


def _edges(step: Step, path: str) -> list[tuple[str, str]]:
    edges = [(b.goto_step, f"{path}.branches[{i}].goto_step")
             for i, b in enumerate(step.branches)]
    if step.next_step:
        edges.append((step.next_step, f"{path}.next_step"))
    return edges


def successors(definition: Definition, index: int) -> list[int]:
    """The positions (0-based) a lead may go to after step ``index``."""
    positions = {step.key: i for i, step in enumerate(definition.steps)}
    step = definition.steps[index]
    following = following_step(definition, index)
    targets = [positions[b.goto_step] for b in step.branches if b.goto_step in positions]
    return targets + ([following] if following is not None else [])


def following_step(definition: Definition, index: int) -> int | None:
    """The position after step ``index`` when no branch applies (None: the sequence ends)."""
    step = definition.steps[index]
    if step.last:
        return None
    if step.next_step:
        return {s.key: i for i, s in enumerate(definition.steps)}.get(step.next_step)
    return index + 1 if index + 1 < len(definition.steps) else None


def reachable(definition: Definition) -> set[str]:
    seen: set[int] = set()
    todo = [0] if definition.steps else []
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        todo.extend(successors(definition, index))
    return {definition.steps[i].key for i in seen}


def pick_variant(step: Step, *, campaign_id: str, lead_id: str, number: int) -> Variant:
    """The variant a lead gets at a step: by weight, from a hash of (campaign, lead, step),
    so the same lead always gets the same one and the shares follow the weights."""
    total = sum(max(v.weight, 1) for v in step.variants)
    digest = hashlib.sha256(f"{campaign_id}|{lead_id}|{number}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % total
    for variant in step.variants:
        point -= max(variant.weight, 1)
        if point < 0:
            return variant
    return step.variants[-1]


@dataclass(frozen=True)
class PlannedStep:
    index: int
    step: Step
    variant: Variant
    due: dt.datetime


def timeline(definition: Definition, calendar: BusinessCalendar, *, start: dt.datetime,
             campaign_id: str, lead_id: str) -> list[PlannedStep]:
    """When each step would be due for a lead enrolled at ``start``, along the path with no
    branch taken and every condition met."""
    planned: list[PlannedStep] = []
    moment = start
    index: int | None = 0 if definition.steps else None
    while index is not None:
        step = definition.steps[index]
        moment = add_business(calendar, moment, days=step.wait.business_days,
                              hours=step.wait.business_hours)
        planned.append(PlannedStep(index, step, pick_variant(
            step, campaign_id=campaign_id, lead_id=lead_id, number=index + 1), moment))
        index = following_step(definition, index)
    return planned
