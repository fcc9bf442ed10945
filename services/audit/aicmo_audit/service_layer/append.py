"""Appending events to the chain, and checkpoints of its head."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aicmo_audit.adapters.repository import LogRepository
from aicmo_audit.domain import chain
from aicmo_audit.domain.model import SYSTEM_ACTOR, Checkpoint, Entry, Event
from aicmo_common.errors import FailedPrecondition


@dataclass(frozen=True)
class AppendResult:
    """One entry per requested event (new or already stored), and how many are new."""

    entries: list[Entry]
    appended: int


def append_events(session: Session, events: Sequence[Event], *, recorded_at: dt.datetime,
                  checkpoint_every: int) -> AppendResult:
    """Appends the events not yet stored, in order, under the chain lock.

    An event id already stored (earlier, or earlier in this same batch) yields its stored entry
    and adds nothing. A periodic checkpoint is written at every multiple of
    ``checkpoint_every`` that the batch passes.
    """
    repository = LogRepository(session)
    repository.lock_chain()
    known = repository.entries_by_event_ids(event.id for event in events)
    old_head, head_hash = repository.head()
    head = old_head
    results: list[Entry] = []
    added: list[Entry] = []
    for event in events:
        entry = known.get(event.id)
        if entry is None:
            entry = chain.next_entry(head, head_hash, event, recorded_at)
            head, head_hash = entry.sequence, entry.hash
            known[event.id] = entry
            added.append(entry)
        results.append(entry)
    repository.add_entries(added)
    for sequence in chain.checkpoint_sequences(old_head, head, checkpoint_every):
        entry = added[sequence - old_head - 1]
        repository.add_checkpoint(Checkpoint(entry.sequence, entry.hash,
                                             chain.utc(recorded_at), SYSTEM_ACTOR))
    return AppendResult(results, len(added))


def create_checkpoint(session: Session, *, now: dt.datetime, actor: str) -> Checkpoint:
    """A checkpoint at the current head; the existing one when the head has not moved."""
    repository = LogRepository(session)
    # Under the chain lock the head cannot move while the checkpoint is written.
    repository.lock_chain()
    sequence, hash_ = repository.head()
    if sequence == 0:
        raise FailedPrecondition("the audit log is empty, so it has no head to checkpoint",
                                 reason="AUDIT_LOG_EMPTY")
    existing = repository.checkpoint_at(sequence)
    if existing is not None:
        return existing
    checkpoint = Checkpoint(sequence, hash_, chain.utc(now), actor)
    repository.add_checkpoint(checkpoint)
    return checkpoint
