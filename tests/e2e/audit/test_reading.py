"""Reading through real gRPC: filters and page tokens, an entity's trail, the streaming export,
checkpoints, and venture-scoped readers who see only their own venture."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from aicmo.audit.v1 import audit_pb2
from aicmo_common.errors import decode_rpc_error
from tests.conftest import bearer
from tests.e2e.audit.conftest import BASE_TIME, append_request, make_event
from tests.e2e.audit.running_audit import running_audit


@pytest.fixture
async def populated(audit, tokens):
    """Twelve entries: ventures v1/v2, two actors, three campaigns, an hour apart."""
    events = []
    for i in range(12):
        events.append(make_event(
            venture_id="v1" if i % 3 else "v2",
            actor="operator:ops@test" if i % 2 else "service:svc-venture",
            action="campaign.created" if i < 3 else "campaign.paused",
            entity_id=f"c{i % 3}", occurred_at=BASE_TIME + dt.timedelta(hours=i),
            context={"i": i}))
    await audit.stub.AppendEvents(append_request(*events), metadata=bearer(tokens.service))
    return audit, events


def _ids(entries) -> list[int]:
    return [entry.event.context["i"] for entry in entries]


async def _list(audit, token, **fields) -> list:
    """Every page of a ListEvents query, following the page tokens."""
    entries, token_value = [], ""
    while True:
        answer = await audit.stub.ListEvents(
            audit_pb2.ListEventsRequest(page_token=token_value, **fields),
            metadata=bearer(token))
        entries.extend(answer.entries)
        token_value = answer.next_page_token
        if not token_value:
            return entries


async def test_filters_combine(populated, tokens):
    audit, _ = populated
    assert _ids(await _list(audit, tokens.viewer)) == list(range(12))
    assert _ids(await _list(audit, tokens.viewer, venture_id="v2")) == [0, 3, 6, 9]
    assert _ids(await _list(audit, tokens.viewer, actor="operator:ops@test",
                            venture_id="v1")) == [1, 5, 7, 11]
    assert _ids(await _list(audit, tokens.viewer, action="campaign.created")) == [0, 1, 2]
    assert _ids(await _list(audit, tokens.viewer, entity_type="campaign",
                            entity_id="c1")) == [1, 4, 7, 10]
    assert _ids(await _list(audit, tokens.viewer, service="leads")) == []
    request = audit_pb2.ListEventsRequest()
    request.start_time.FromDatetime(BASE_TIME + dt.timedelta(hours=3))
    request.end_time.FromDatetime(BASE_TIME + dt.timedelta(hours=6))
    answer = await audit.stub.ListEvents(request, metadata=bearer(tokens.viewer))
    assert _ids(answer.entries) == [3, 4, 5]


async def test_pages_follow_their_tokens_and_a_token_is_bound_to_its_filters(
        populated, tokens):
    audit, _ = populated
    first = await audit.stub.ListEvents(audit_pb2.ListEventsRequest(page_size=5),
                                        metadata=bearer(tokens.viewer))
    assert _ids(first.entries) == [0, 1, 2, 3, 4] and first.next_page_token
    assert _ids(await _list(audit, tokens.viewer, page_size=5)) == list(range(12))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.ListEvents(audit_pb2.ListEventsRequest(
            page_size=5, venture_id="v1", page_token=first.next_page_token),
            metadata=bearer(tokens.viewer))
    assert decode_rpc_error(caught.value).fields == ["page_token"]


async def test_bad_list_requests_name_their_fields(audit, tokens):
    request = audit_pb2.ListEventsRequest(page_size=-1)
    request.start_time.FromDatetime(BASE_TIME)
    request.end_time.FromDatetime(BASE_TIME)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.ListEvents(request, metadata=bearer(tokens.viewer))
    assert decode_rpc_error(caught.value).fields == ["end_time", "page_size"]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.GetTrail(audit_pb2.GetTrailRequest(), metadata=bearer(tokens.viewer))
    assert decode_rpc_error(caught.value).fields == ["entity_type", "entity_id"]


async def test_the_trail_of_one_entity_is_in_order(populated, tokens):
    audit, _ = populated
    answer = await audit.stub.GetTrail(
        audit_pb2.GetTrailRequest(entity_type="campaign", entity_id="c2", page_size=2),
        metadata=bearer(tokens.viewer))
    assert _ids(answer.entries) == [2, 5]
    rest = await audit.stub.GetTrail(
        audit_pb2.GetTrailRequest(entity_type="campaign", entity_id="c2",
                                  page_token=answer.next_page_token),
        metadata=bearer(tokens.viewer))
    assert _ids(rest.entries) == [8, 11] and rest.next_page_token == ""


async def test_a_venture_scoped_reader_sees_only_its_venture(populated, tokens):
    audit, _ = populated
    mine = [1, 2, 4, 5, 7, 8, 10, 11]
    assert _ids(await _list(audit, tokens.viewer_v1)) == mine
    assert _ids(await _list(audit, tokens.viewer_v1, venture_id="v1")) == mine
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.ListEvents(audit_pb2.ListEventsRequest(venture_id="v2"),
                                    metadata=bearer(tokens.viewer_v1))
    assert decode_rpc_error(caught.value).reason == "VENTURE_SCOPE"
    trail = await audit.stub.GetTrail(
        audit_pb2.GetTrailRequest(entity_type="campaign", entity_id="c0"),
        metadata=bearer(tokens.viewer_v1))
    assert trail.entries == []  # c0 belongs to v2
    exported = []
    async for chunk in audit.stub.ExportEvents(audit_pb2.ExportEventsRequest(),
                                                metadata=bearer(tokens.viewer_v1)):
        exported.extend(chunk.entries)
    assert _ids(exported) == mine
    for call, request in ((audit.stub.VerifyChain, audit_pb2.VerifyChainRequest()),
                          (audit.stub.CreateCheckpoint, audit_pb2.CreateCheckpointRequest())):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call(request, metadata=bearer(tokens.viewer_v1))
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_export_streams_a_range_in_chunks(audit, tokens):
    total = 1203
    for start in range(0, total, 401):
        await audit.stub.AppendEvents(
            append_request(*(make_event(context={"i": i}) for i in range(start, start + 401))),
            metadata=bearer(tokens.service))
    chunks = []
    async for chunk in audit.stub.ExportEvents(audit_pb2.ExportEventsRequest(),
                                                metadata=bearer(tokens.viewer)):
        chunks.append([entry.sequence for entry in chunk.entries])
    assert [len(chunk) for chunk in chunks] == [500, 500, 203]
    assert [s for chunk in chunks for s in chunk] == list(range(1, total + 1))
    ranged = []
    async for chunk in audit.stub.ExportEvents(
            audit_pb2.ExportEventsRequest(start_sequence=499, end_sequence=1001),
            metadata=bearer(tokens.viewer)):
        ranged.extend(entry.sequence for entry in chunk.entries)
    assert ranged == list(range(499, 1002))


async def test_checkpoints_are_taken_periodically_and_listed_newest_first(
        database_url, tokens):
    async with running_audit(database_url, AICMO_AUDIT_CHECKPOINT_EVERY="4") as audit:
        await audit.stub.AppendEvents(append_request(*(make_event() for _ in range(10))),
                                      metadata=bearer(tokens.service))
        taken = await audit.stub.CreateCheckpoint(audit_pb2.CreateCheckpointRequest(),
                                                  metadata=bearer(tokens.operator))
        assert (taken.checkpoint.sequence, taken.checkpoint.created_by) == (
            10, "operator:ops@test")
        first = await audit.stub.ListCheckpoints(
            audit_pb2.ListCheckpointsRequest(page_size=2), metadata=bearer(tokens.viewer_v1))
        assert [c.sequence for c in first.checkpoints] == [10, 8]
        rest = await audit.stub.ListCheckpoints(
            audit_pb2.ListCheckpointsRequest(page_size=2, page_token=first.next_page_token),
            metadata=bearer(tokens.viewer))
        assert [c.sequence for c in rest.checkpoints] == [4] and not rest.next_page_token
        assert rest.checkpoints[0].created_by == "system"
        verdict = await audit.stub.VerifyChain(audit_pb2.VerifyChainRequest(),
                                               metadata=bearer(tokens.viewer))
        assert verdict.valid and verdict.checkpoints_checked == 3
