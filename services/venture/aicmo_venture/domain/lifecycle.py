"""The campaign status machine: DRAFT -> RUNNING <-> PAUSED -> STOPPED, RUNNING -> STOPPED,
RUNNING -> COMPLETED. STOPPED and COMPLETED are final."""

from __future__ import annotations

import enum

from aicmo_venture.domain.errors import InvalidTransition
from aicmo_venture.domain.model import CampaignStatus


class Verb(enum.StrEnum):
    """The explicit verbs that change a campaign's status."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    COMPLETE = "complete"


# verb -> (statuses it may be applied to, the status it leads to)
TRANSITIONS: dict[Verb, tuple[frozenset[CampaignStatus], CampaignStatus]] = {
    Verb.START: (frozenset({CampaignStatus.DRAFT}), CampaignStatus.RUNNING),
    Verb.PAUSE: (frozenset({CampaignStatus.RUNNING}), CampaignStatus.PAUSED),
    Verb.RESUME: (frozenset({CampaignStatus.PAUSED}), CampaignStatus.RUNNING),
    Verb.STOP: (frozenset({CampaignStatus.RUNNING, CampaignStatus.PAUSED}),
                CampaignStatus.STOPPED),
    Verb.COMPLETE: (frozenset({CampaignStatus.RUNNING}), CampaignStatus.COMPLETED),
}

# What the history and the audit trail call each verb's change.
ACTIONS: dict[Verb, str] = {
    Verb.START: "campaign.started",
    Verb.PAUSE: "campaign.paused",
    Verb.RESUME: "campaign.resumed",
    Verb.STOP: "campaign.stopped",
    Verb.COMPLETE: "campaign.completed",
}


def next_status(current: CampaignStatus, verb: Verb) -> CampaignStatus:
    """The status ``verb`` leads to from ``current``; InvalidTransition when not allowed."""
    sources, target = TRANSITIONS[verb]
    if current not in sources:
        raise InvalidTransition(current.name, target.name)
    return target


def allowed_pairs() -> set[tuple[CampaignStatus, CampaignStatus]]:
    """Every (from, to) status pair some verb allows."""
    return {(source, target) for sources, target in TRANSITIONS.values() for source in sources}


def verb_for(current: CampaignStatus, target: CampaignStatus) -> Verb | None:
    """The verb that moves ``current`` to ``target``, or None when none does."""
    for verb, (sources, to) in TRANSITIONS.items():
        if to is target and current in sources:
            return verb
    return None
