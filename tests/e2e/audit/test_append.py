"""Appending through real gRPC: idempotence by event id, authorisation, and bad input that
names every field and writes nothing."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aicmo.audit.v1 import audit_pb2
from aicmo_common.errors import decode_rpc_error
from tests.conftest import bearer
from tests.e2e.audit.conftest import append_request, make_event


async def _count(audit, token: str) -> int:
    total = 0
    async for chunk in audit.stub.ExportEvents(audit_pb2.ExportEventsRequest(),
                                                metadata=bearer(token)):
        total += len(chunk.entries)
    return total


async def test_the_service_reports_serving(audit):
    health = health_pb2_grpc.HealthStub(audit.channel)
    answer = await health.Check(health_pb2.HealthCheckRequest(
        service="aicmo.audit.v1.AuditService"))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_the_same_batch_twice_stores_each_event_once(audit, tokens):
    batch = append_request(*(make_event(entity_id=f"c{i}", context={"i": i}) for i in range(5)))
    first = await audit.stub.AppendEvents(batch, metadata=bearer(tokens.service))
    assert first.appended_count == 5
    assert [entry.sequence for entry in first.entries] == [1, 2, 3, 4, 5]
    assert [entry.event.id for entry in first.entries] == [e.id for e in batch.events]
    again = await audit.stub.AppendEvents(batch, metadata=bearer(tokens.service))
    assert again.appended_count == 0
    assert list(again.entries) == list(first.entries)
    assert await _count(audit, tokens.admin) == 5


async def test_omit_entries_acknowledges_with_the_count_and_stores_the_same(audit, tokens):
    batch = append_request(*(make_event(entity_id=f"o{i}") for i in range(3)))
    batch.omit_entries = True
    answer = await audit.stub.AppendEvents(batch, metadata=bearer(tokens.service))
    assert answer.appended_count == 3 and not answer.entries
    # The same events asked for with their entries: stored once, in order, chain intact.
    batch.omit_entries = False
    again = await audit.stub.AppendEvents(batch, metadata=bearer(tokens.service))
    assert again.appended_count == 0
    assert [entry.sequence for entry in again.entries] == [1, 2, 3]
    assert again.entries[1].previous_hash == again.entries[0].hash


async def test_a_batch_mixing_new_and_stored_events_appends_only_the_new(audit, tokens):
    stored = make_event()
    await audit.stub.AppendEvents(append_request(stored), metadata=bearer(tokens.service))
    fresh = make_event(entity_id="c2")
    answer = await audit.stub.AppendEvents(append_request(fresh, stored, fresh),
                                           metadata=bearer(tokens.admin))
    assert answer.appended_count == 1
    assert [entry.sequence for entry in answer.entries] == [2, 1, 2]
    assert answer.entries[1].hash == answer.entries[0].previous_hash


async def test_the_stored_entry_keeps_every_field(audit, tokens):
    event = make_event(context={"count": 3, "ratio": 0.5, "ids": ["a", "b"],
                                "nested": {"ok": True, "none": None}})
    [entry] = (await audit.stub.AppendEvents(append_request(event),
                                             metadata=bearer(tokens.service))).entries
    assert entry.event == event
    assert entry.previous_hash == "0" * 64 and len(entry.hash) == 64
    assert entry.recorded_at.seconds > 0


@pytest.mark.parametrize("role", ["viewer", "operator", "viewer_v1"])
async def test_only_services_and_admins_may_append(audit, tokens, role):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.AppendEvents(append_request(make_event()),
                                      metadata=bearer(getattr(tokens, role)))
    details = decode_rpc_error(caught.value)
    assert (details.code, details.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                              "ROLE_NOT_ALLOWED")
    assert await _count(audit, tokens.admin) == 0


async def test_appending_needs_a_token(audit):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.AppendEvents(append_request(make_event()))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_venture_scoped_service_appends_only_its_own_venture(audit, tokens):
    await audit.stub.AppendEvents(append_request(make_event(venture_id="v1")),
                                  metadata=bearer(tokens.service_v1))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.AppendEvents(append_request(make_event(venture_id="v1"),
                                                     make_event(venture_id="v2")),
                                      metadata=bearer(tokens.service_v1))
    assert decode_rpc_error(caught.value).reason == "VENTURE_SCOPE"
    assert await _count(audit, tokens.admin) == 1


async def test_bad_input_names_every_field_and_writes_nothing(audit, tokens):
    no_time = make_event()
    no_time.ClearField("occurred_at")
    oversized = make_event(context={"blob": "x" * 40_000})
    batch = append_request(
        make_event(),
        make_event(event_id="not-a-uuid"),
        make_event(entity_id="", action="", actor=""),
        no_time,
        oversized,
        make_event(entity_id="e" * 200, venture_id="v" * 65),
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.AppendEvents(batch, metadata=bearer(tokens.service))
    details = decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.fields == [
        "events[1].id",
        "events[2].entity_id", "events[2].action", "events[2].actor",
        "events[3].occurred_at",
        "events[4].context",
        "events[5].entity_id", "events[5].venture_id",
    ]
    assert await _count(audit, tokens.admin) == 0


async def test_an_empty_or_oversized_batch_is_refused(audit, tokens):
    for batch in (append_request(), append_request(*(make_event() for _ in range(1001)))):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await audit.stub.AppendEvents(batch, metadata=bearer(tokens.service))
        assert decode_rpc_error(caught.value).fields == ["events"]
    assert await _count(audit, tokens.admin) == 0
