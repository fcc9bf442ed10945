"""Concurrent appenders through real gRPC keep one linear, gap-free, verifiable chain."""

from __future__ import annotations

import asyncio

import grpc

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from tests.conftest import bearer
from tests.e2e.audit.conftest import append_request, make_event

APPENDERS = 10
BATCHES = 6
BATCH_SIZE = 8


async def test_concurrent_appenders_keep_one_valid_chain(audit, tokens):
    batches = [[append_request(*(make_event(entity_id=f"a{appender}-b{batch}-{i}",
                                            context={"appender": appender, "i": i})
                                 for i in range(BATCH_SIZE)))
                for batch in range(BATCHES)] for appender in range(APPENDERS)]
    start = asyncio.Event()

    async def appender(index: int) -> list[audit_pb2.AppendEventsResponse]:
        # Each appender has its own connection, like separate service replicas.
        async with grpc.aio.insecure_channel(audit.address) as channel:
            stub = audit_pb2_grpc.AuditServiceStub(channel)
            await start.wait()
            answers = []
            for batch in batches[index]:
                answers.append(await stub.AppendEvents(batch, metadata=bearer(tokens.service),
                                                       timeout=30))
            # A relay redelivering a neighbour's batch concurrently adds nothing.
            neighbour = batches[(index + 1) % APPENDERS][0]
            answers.append(await stub.AppendEvents(neighbour, metadata=bearer(tokens.service),
                                                   timeout=30))
            return answers

    tasks = [asyncio.create_task(appender(i)) for i in range(APPENDERS)]
    await asyncio.sleep(0)
    start.set()
    results = await asyncio.gather(*tasks)
    total = APPENDERS * BATCHES * BATCH_SIZE
    assert sum(answer.appended_count for answers in results for answer in answers) == total
    for answers in results:
        for answer in answers[:-1]:
            # A batch's new entries are consecutive: no interleaving inside one append.
            sequences = [entry.sequence for entry in answer.entries]
            assert sequences == list(range(sequences[0], sequences[0] + BATCH_SIZE))

    exported = []
    async for chunk in audit.stub.ExportEvents(audit_pb2.ExportEventsRequest(),
                                                metadata=bearer(tokens.admin)):
        exported.extend(chunk.entries)
    assert [entry.sequence for entry in exported] == list(range(1, total + 1))
    assert len({entry.event.id for entry in exported}) == total
    for before, after in zip(exported, exported[1:], strict=False):
        assert after.previous_hash == before.hash
    verdict = await audit.stub.VerifyChain(audit_pb2.VerifyChainRequest(),
                                           metadata=bearer(tokens.admin))
    assert verdict.valid and verdict.entries_checked == total
