"""What the log holds: events as appended, entries in the chain, checkpoints, faults."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass

# The previous hash of the first entry: no entry comes before it.
GENESIS_HASH = "0" * 64

# A batch larger than this is refused; relays send 200 at a time by default.
MAX_BATCH_EVENTS = 1000
# The canonical encoding of one event's context may not exceed this (ids and reasons only).
MAX_CONTEXT_BYTES = 32 * 1024

# The longest value each text field may hold (the same limits as every service's outbox).
FIELD_LIMITS: Mapping[str, int] = {
    "service": 32,
    "entity_type": 64,
    "entity_id": 128,
    "action": 64,
    "actor": 256,
    "venture_id": 64,
    "request_id": 128,
}
REQUIRED_FIELDS = ("service", "entity_type", "entity_id", "action", "actor")


@dataclass(frozen=True, slots=True)
class Event:
    """One fact as its producing service described it. ``occurred_at`` is UTC, to the
    microsecond; ``context`` is already in canonical form (see ``chain.canonical_value``)."""

    id: str
    occurred_at: dt.datetime
    service: str
    entity_type: str
    entity_id: str
    action: str
    actor: str
    venture_id: str
    request_id: str
    context: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Entry:
    """An event at its place in the chain."""

    sequence: int
    event: Event
    recorded_at: dt.datetime
    previous_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of the chain at one moment: any later edit or cut before it shows."""

    sequence: int
    hash: str
    created_at: dt.datetime
    created_by: str


SYSTEM_ACTOR = "system"


class ChainFault(enum.Enum):
    """Why an entry did not match during verification."""

    CONTENT_ALTERED = "content_altered"
    LINK_BROKEN = "link_broken"
    ENTRY_MISSING = "entry_missing"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    TAIL_MISSING = "tail_missing"


@dataclass(frozen=True, slots=True)
class Fault:
    """The first entry that did not match, and why."""

    sequence: int
    kind: ChainFault
    detail: str


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of verifying a range of the chain."""

    start_sequence: int
    end_sequence: int
    entries_checked: int
    checkpoints_checked: int
    head_hash: str
    fault: Fault | None

    @property
    def valid(self) -> bool:
        return self.fault is None


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which entries a query wants; every field that is set must match."""

    venture_id: str | None = None
    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    service: str | None = None
    start_time: dt.datetime | None = None  # inclusive
    end_time: dt.datetime | None = None  # exclusive
    start_sequence: int | None = None  # inclusive
    end_sequence: int | None = None  # inclusive
