"""The canonical encoding and the hash chain.

Each entry's hash is SHA-256 over the canonical JSON of its sequence, recorded time, event
fields and the previous entry's hash. Canonical JSON: keys sorted, no whitespace, UTF-8, numbers
that are whole written as integers (gRPC's Struct carries every number as a double, so ``3`` and
``3.0`` must encode alike), times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. The encoding is versioned
(``"v": 1``) so it can change without making old entries unverifiable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping

from aicmo_audit.domain.model import (
    GENESIS_HASH,
    ChainFault,
    Entry,
    Event,
    Fault,
)

ENCODING_VERSION = 1
# Whole numbers beyond this lose precision as doubles, so they stay floats.
_MAX_EXACT_INTEGER = 2**53


def canonical_value(value: object) -> object:
    """``value`` with whole floats as ints; refuses NaN and infinities (not JSON)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
        if value.is_integer() and abs(value) <= _MAX_EXACT_INTEGER:
            return int(value)
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return {str(key): canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    raise ValueError(f"values of type {type(value).__name__} cannot be encoded")


def canonical_json(value: object) -> str:
    """The canonical JSON text of an already canonical value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC (naive values, as SQLite returns them, are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def format_time(moment: dt.datetime) -> str:
    return utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def entry_document(sequence: int, recorded_at: dt.datetime, event: Event,
                   previous_hash: str) -> dict[str, object]:
    """Everything an entry's hash commits to."""
    return {
        "v": ENCODING_VERSION,
        "sequence": sequence,
        "recorded_at": format_time(recorded_at),
        "event_id": event.id,
        "occurred_at": format_time(event.occurred_at),
        "service": event.service,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "action": event.action,
        "actor": event.actor,
        "venture_id": event.venture_id,
        "request_id": event.request_id,
        "context": event.context,
        "previous_hash": previous_hash,
    }


def compute_hash(sequence: int, recorded_at: dt.datetime, event: Event,
                 previous_hash: str) -> str:
    document = canonical_json(entry_document(sequence, recorded_at, event, previous_hash))
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def next_entry(head_sequence: int, head_hash: str, event: Event,
               recorded_at: dt.datetime) -> Entry:
    """The entry that appends ``event`` after the head (sequence 0 and GENESIS_HASH when the
    log is empty)."""
    sequence = head_sequence + 1
    recorded = utc(recorded_at)
    return Entry(sequence=sequence, event=event, recorded_at=recorded,
                 previous_hash=head_hash,
                 hash=compute_hash(sequence, recorded, event, head_hash))


def checkpoint_sequences(old_head: int, new_head: int, every: int) -> range:
    """The sequences in (old_head, new_head] at which a periodic checkpoint is due."""
    if every <= 0:
        return range(0)
    first = (old_head // every + 1) * every
    return range(first, new_head + 1, every)


class ChainVerifier:
    """Checks entries fed in sequence order, chunk by chunk, and keeps the first fault.

    ``previous_hash`` is the hash the first fed entry must link to (GENESIS_HASH when the range
    starts at 1); ``checkpoints`` maps sequence -> expected hash for the checkpoints that fall
    inside the range.
    """

    def __init__(self, start_sequence: int, previous_hash: str,
                 checkpoints: Mapping[int, str] | None = None) -> None:
        self.start_sequence = start_sequence
        self._expected = start_sequence
        self._previous_hash = previous_hash
        self._checkpoints = dict(checkpoints or {})
        self.entries_checked = 0
        self.checkpoints_checked = 0
        self.fault: Fault | None = None

    @property
    def last_sequence(self) -> int:
        """The last sequence number checked (start - 1 before any)."""
        return self._expected - 1

    @property
    def head_hash(self) -> str:
        """The hash of the last entry checked."""
        return self._previous_hash

    def feed(self, entries: Iterable[Entry]) -> bool:
        """Checks ``entries``; returns False once a fault was found (stop feeding)."""
        if self.fault is not None:
            return False
        for entry in entries:
            if entry.sequence != self._expected:
                self.fault = Fault(self._expected, ChainFault.ENTRY_MISSING,
                                   f"sequence {self._expected} is missing; the next entry is "
                                   f"{entry.sequence}")
                return False
            actual = compute_hash(entry.sequence, entry.recorded_at, entry.event,
                                  entry.previous_hash)
            if actual != entry.hash:
                self.fault = Fault(entry.sequence, ChainFault.CONTENT_ALTERED,
                                   f"entry {entry.sequence} (event {entry.event.id}) hashes to "
                                   f"{actual}, not its stored hash {entry.hash}")
                return False
            if entry.previous_hash != self._previous_hash:
                self.fault = Fault(entry.sequence, ChainFault.LINK_BROKEN,
                                   f"entry {entry.sequence} links to {entry.previous_hash}, "
                                   f"but the entry before it hashes to {self._previous_hash}")
                return False
            expected_checkpoint = self._checkpoints.get(entry.sequence)
            if expected_checkpoint is not None:
                self.checkpoints_checked += 1
                if expected_checkpoint != entry.hash:
                    self.fault = Fault(entry.sequence, ChainFault.CHECKPOINT_MISMATCH,
                                       f"the checkpoint at {entry.sequence} has hash "
                                       f"{expected_checkpoint}, the entry has {entry.hash}")
                    return False
            self._previous_hash = entry.hash
            self._expected += 1
            self.entries_checked += 1
        return True

    def finish(self, end_sequence: int | None, head_sequence: int) -> Fault | None:
        """Closes the range: ``end_sequence`` is the last sequence asked for (None for "the
        head"); ``head_sequence`` is the last entry the log holds."""
        if self.fault is not None:
            return self.fault
        last = self.last_sequence
        wanted = head_sequence if end_sequence is None else end_sequence
        if last < wanted:
            self.fault = Fault(last + 1, ChainFault.ENTRY_MISSING,
                               f"the range ends at {wanted} but the log ends at {last}")
            return self.fault
        return None


def tail_fault(checkpoint_sequence: int, checkpoint_hash: str, head_sequence: int) -> Fault:
    """The fault for a checkpoint that names an entry after the log's last one."""
    return Fault(head_sequence + 1, ChainFault.TAIL_MISSING,
                 f"a checkpoint names entry {checkpoint_sequence} (hash {checkpoint_hash}) but "
                 f"the log ends at {head_sequence}: entries from {head_sequence + 1} are missing")


__all__ = [
    "GENESIS_HASH",
    "ChainVerifier",
    "canonical_json",
    "canonical_value",
    "checkpoint_sequences",
    "compute_hash",
    "entry_document",
    "format_time",
    "next_entry",
    "tail_fault",
    "utc",
]
