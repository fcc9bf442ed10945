"""The audit log under load: batched appends through the API, and the time to verify a long
chain.

A chain of a million entries through AppendEvents costs minutes of the bench's time budget, so
the part of it not appended through the API is appended in-process with the audit service's
own code path: ``aicmo_audit.service_layer.append.append_events`` in transactions of
``BUILD_BATCH`` events on the service's own ``Database``, which is exactly what the
AppendEvents handler runs after decoding the request (hashes, links and periodic checkpoints
included). Verification then goes through the real VerifyChain RPC of the running service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from dataclasses import dataclass

import grpc
from google.protobuf import struct_pb2

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from aicmo_audit.config import DEFAULT_CHECKPOINT_EVERY
from aicmo_audit.domain.model import Event
from aicmo_audit.service_layer.append import append_events
from aicmo_common.auth import Role, TokenSigner
from aicmo_common.db import Database
from bench.loadgen import LoadResult, run_load

BUILD_BATCH = 5000
VERIFY_DEADLINE_SECONDS = 3600.0


def _metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def _context(index: int) -> dict:
    """What a send event carries: ids, a keyed hash and a reason, never personal data."""
    return {"campaign_id": f"c-{index % 97}", "lead_id": f"lead-{index}",
            "identifier_hmac": hashlib.sha256(str(index).encode()).hexdigest(),
            "state": "SENT", "attempts": 1}


def _event_message(index: int, run: str) -> audit_pb2.AuditEvent:
    context = struct_pb2.Struct()
    context.update(_context(index))
    event = audit_pb2.AuditEvent(
        id=str(uuid.uuid4()), service="distribution", entity_type="send",
        entity_id=f"{run}-{index}", action="send.sent", actor="service:distribution",
        venture_id="bench-venture", request_id=str(uuid.uuid4()), context=context)
    event.occurred_at.GetCurrentTime()
    return event


async def append_batches(address: str, signer: TokenSigner, *, events: int, batch: int,
                         concurrency: int) -> tuple[float, LoadResult]:
    """Appends ``events`` in AppendEvents batches of ``batch``, ``concurrency`` batches in
    flight (as several services' relays do); returns events per second and the batch load."""
    meta = _metadata(signer.service_token("bench"))
    run = uuid.uuid4().hex[:8]
    batches = max(1, events // batch)
    # Built before the clock starts: the figure is the service's, not the client's encoding.
    requests = [audit_pb2.AppendEventsRequest(
        events=[_event_message(b * batch + i, run) for i in range(batch)])
        for b in range(batches)]
    async with grpc.aio.insecure_channel(address, options=[
            ("grpc.max_receive_message_length", 64 << 20)]) as channel:
        audit = audit_pb2_grpc.AuditServiceStub(channel)

        async def call(index: int) -> None:
            answer = await audit.AppendEvents(requests[index], metadata=meta, timeout=120)
            if answer.appended_count != batch:
                raise RuntimeError(f"appended {answer.appended_count} of {batch}")

        result = await run_load(call, total=batches, concurrency=concurrency)
    return (result.calls * batch / result.seconds if result.seconds else 0.0), result


def build_chain(database_url: str, entries: int) -> float:
    """Appends ``entries`` events in-process with the service's own append code; seconds."""
    database = Database(database_url, workers=1)
    run = uuid.uuid4()
    started = time.perf_counter()
    try:
        for first in range(0, entries, BUILD_BATCH):
            now = dt.datetime.now(dt.UTC)
            # Event ids are unique (the run's random high bits, the index in the low ones)
            # without paying for a random UUID per event, which is the bench's cost, not the
            # service's.
            batch = [Event(str(uuid.UUID(int=run.int ^ index)), now, "distribution", "send",
                           f"{run.hex[:8]}-{index}", "send.sent", "service:distribution",
                           "bench-venture", f"bench-{run.hex[:8]}-{index}", _context(index))
                     for index in range(first, min(first + BUILD_BATCH, entries))]
            database.transact(append_events, batch, recorded_at=now,
                              checkpoint_every=DEFAULT_CHECKPOINT_EVERY)
    finally:
        database.close()
    return time.perf_counter() - started


@dataclass(frozen=True)
class VerifyResult:
    seconds: float
    entries: int


async def verify_chain(address: str, signer: TokenSigner) -> VerifyResult:
    """Times one VerifyChain of the whole log through the API."""
    meta = _metadata(signer.issue("bench-auditor", Role.ADMIN))
    async with grpc.aio.insecure_channel(address) as channel:
        audit = audit_pb2_grpc.AuditServiceStub(channel)
        started = time.perf_counter()
        answer = await audit.VerifyChain(audit_pb2.VerifyChainRequest(), metadata=meta,
                                         timeout=VERIFY_DEADLINE_SECONDS)
        elapsed = time.perf_counter() - started
    if not answer.valid:
        raise RuntimeError(f"the chain did not verify: {answer.detail}")
    return VerifyResult(elapsed, answer.entries_checked)

