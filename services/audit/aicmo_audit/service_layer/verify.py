"""Verifying the chain: a streaming scan in chunks, each in its own short read transaction, so
a log of millions of entries is checked in bounded memory without blocking writers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from aicmo_audit.adapters.repository import LogRepository
from aicmo_audit.domain import chain
from aicmo_audit.domain.model import GENESIS_HASH, ChainFault, Fault, Verification
from aicmo_common.db import Database

VERIFY_CHUNK = 5000


@dataclass(frozen=True)
class ExpectedCheckpoint:
    """A checkpoint the caller kept elsewhere: only its sequence and hash matter."""

    sequence: int
    hash: str


@dataclass
class _Setup:
    head: int
    previous_hash: str | None
    stored: dict[int, str]


def _setup(session: Session, start: int) -> _Setup:
    repository = LogRepository(session)
    previous = GENESIS_HASH if start == 1 else repository.hash_at(start - 1)
    return _Setup(repository.head_sequence(), previous,
                  repository.checkpoint_hashes_from(start))


async def verify_chain(database: Database, *, start: int = 1, end: int | None = None,
                       checkpoint: ExpectedCheckpoint | None = None,
                       chunk_size: int = VERIFY_CHUNK) -> Verification:
    """Verifies entries ``start``..``end`` (``end`` None: up to the head when the scan began),
    the stored checkpoints from ``start`` on, and the caller's ``checkpoint``."""
    start = max(start, 1)
    setup = await database.run_read(_setup, start)
    head = setup.head
    effective_end = head if end is None else min(end, head)
    extra = 0  # checkpoints checked outside the scan

    def report(verifier: chain.ChainVerifier | None, fault: Fault | None) -> Verification:
        return Verification(
            start_sequence=start,
            end_sequence=verifier.last_sequence if verifier else start - 1,
            entries_checked=verifier.entries_checked if verifier else 0,
            checkpoints_checked=(verifier.checkpoints_checked if verifier else 0) + extra,
            head_hash=verifier.head_hash if verifier else "",
            fault=fault)

    if setup.previous_hash is None:
        return report(None, Fault(start - 1, ChainFault.ENTRY_MISSING,
                                  f"entry {start - 1}, which entry {start} links to, is "
                                  "missing"))

    expected = {sequence: hash_ for sequence, hash_ in setup.stored.items()
                if sequence <= effective_end}
    if checkpoint is not None and start <= checkpoint.sequence <= effective_end:
        expected[checkpoint.sequence] = checkpoint.hash
    verifier = chain.ChainVerifier(start, setup.previous_hash, expected)

    def scan(session: Session) -> int:
        chunk = LogRepository(session).chunk(after=verifier.last_sequence, end=effective_end,
                                             limit=chunk_size)
        verifier.feed(chunk)
        return len(chunk)

    while verifier.fault is None and verifier.last_sequence < effective_end:
        if await database.run_read(scan) == 0:
            break
    if verifier.fault is not None:
        return report(verifier, verifier.fault)

    # A checkpoint after the last entry proves that entries were cut off the end.
    beyond = [(sequence, hash_) for sequence, hash_ in setup.stored.items() if sequence > head]
    if checkpoint is not None and checkpoint.sequence > head:
        beyond.append((checkpoint.sequence, checkpoint.hash))
    if beyond:
        extra += 1
        sequence, hash_ = min(beyond)
        return report(verifier, chain.tail_fault(sequence, hash_, head))

    # The caller's checkpoint outside the scanned range is still compared with its entry.
    if checkpoint is not None and not start <= checkpoint.sequence <= effective_end:
        extra += 1
        stored = await database.run_read(
            lambda session: LogRepository(session).hash_at(checkpoint.sequence))
        if stored is None:
            return report(verifier, Fault(checkpoint.sequence, ChainFault.ENTRY_MISSING,
                                          f"the checkpoint names entry {checkpoint.sequence}, "
                                          "which is missing"))
        if stored != checkpoint.hash:
            return report(verifier, Fault(
                checkpoint.sequence, ChainFault.CHECKPOINT_MISMATCH,
                f"the checkpoint at {checkpoint.sequence} has hash {checkpoint.hash}, the "
                f"entry has {stored}"))
    return report(verifier, verifier.finish(end, effective_end))
