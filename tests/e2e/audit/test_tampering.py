"""Tamper evidence through real gRPC: the database refuses rewrites, and once its triggers are
dropped VerifyChain still finds an edited entry, a removed one, a rewritten tail and a cut-off
tail (against a checkpoint kept elsewhere)."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from aicmo.audit.v1 import audit_pb2
from aicmo_audit.domain import chain
from aicmo_audit.domain.model import Event
from aicmo_common.db import create_db_engine
from aicmo_common.errors import decode_rpc_error
from tests.conftest import bearer
from tests.e2e.audit.conftest import append_request, make_event


@pytest.fixture
def raw(database_url):
    """A direct connection to the audit database, as an attacker with its credentials."""
    engine = create_db_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def _drop_triggers(engine) -> None:
    with engine.begin() as connection:
        for table in ("audit_log", "audit_checkpoint"):
            if engine.dialect.name == "sqlite":
                connection.execute(text(f"DROP TRIGGER {table}_refuse_update"))
                connection.execute(text(f"DROP TRIGGER {table}_refuse_delete"))
            else:
                connection.execute(text(f"DROP TRIGGER {table}_refuse_change ON {table}"))


async def _fill(audit, tokens, count: int) -> list[audit_pb2.AuditEntry]:
    answer = await audit.stub.AppendEvents(
        append_request(*(make_event(entity_id=f"c{i}", context={"i": i})
                         for i in range(count))),
        metadata=bearer(tokens.service))
    return list(answer.entries)


async def _verify(audit, tokens, **fields) -> audit_pb2.VerifyChainResponse:
    return await audit.stub.VerifyChain(audit_pb2.VerifyChainRequest(**fields),
                                        metadata=bearer(tokens.admin))


async def test_raw_rewrites_are_refused_and_the_chain_still_verifies(audit, tokens, raw):
    await _fill(audit, tokens, 6)
    await audit.stub.CreateCheckpoint(audit_pb2.CreateCheckpointRequest(),
                                      metadata=bearer(tokens.operator))
    statements = ["UPDATE audit_log SET actor = 'admin:mallory' WHERE sequence = 3",
                  "DELETE FROM audit_log WHERE sequence > 4",
                  "DELETE FROM audit_checkpoint"]
    if raw.dialect.name == "postgresql":
        statements += ["TRUNCATE audit_log", "TRUNCATE audit_checkpoint"]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), raw.begin() as connection:
            connection.execute(text(statement))
    verdict = await _verify(audit, tokens)
    assert verdict.valid and verdict.entries_checked == 6 and verdict.checkpoints_checked == 1


async def test_an_edited_entry_is_reported_at_its_sequence(audit, tokens, raw):
    entries = await _fill(audit, tokens, 8)
    _drop_triggers(raw)
    with raw.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'admin:mallory' "
                                "WHERE sequence = 5"))
    verdict = await _verify(audit, tokens)
    assert not verdict.valid
    assert verdict.failed_sequence == 5
    assert verdict.fault == audit_pb2.CHAIN_FAULT_CONTENT_ALTERED
    assert verdict.entries_checked == 4 and verdict.end_sequence == 4
    assert verdict.head_hash == entries[3].hash
    # The range before the edit still verifies.
    assert (await _verify(audit, tokens, end_sequence=4)).valid


async def test_a_removed_entry_is_reported_as_missing(audit, tokens, raw):
    await _fill(audit, tokens, 6)
    _drop_triggers(raw)
    with raw.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE sequence = 3"))
    verdict = await _verify(audit, tokens)
    assert (verdict.valid, verdict.failed_sequence, verdict.fault) == (
        False, 3, audit_pb2.CHAIN_FAULT_ENTRY_MISSING)
    later = await _verify(audit, tokens, start_sequence=4)
    assert (later.valid, later.failed_sequence, later.fault) == (
        False, 3, audit_pb2.CHAIN_FAULT_ENTRY_MISSING)


async def test_a_cut_off_tail_is_reported_against_a_checkpoint_kept_elsewhere(
        audit, tokens, raw):
    await _fill(audit, tokens, 10)
    kept = (await audit.stub.CreateCheckpoint(audit_pb2.CreateCheckpointRequest(),
                                              metadata=bearer(tokens.operator))).checkpoint
    assert kept.sequence == 10
    _drop_triggers(raw)
    with raw.begin() as connection:
        # A careful attacker removes the stored checkpoints along with the tail.
        connection.execute(text("DELETE FROM audit_log WHERE sequence > 7"))
        connection.execute(text("DELETE FROM audit_checkpoint"))
    # Without the kept checkpoint the shortened chain is consistent in itself...
    assert (await _verify(audit, tokens)).valid
    # ...but not with the checkpoint exported earlier.
    verdict = await _verify(audit, tokens, checkpoint=kept)
    assert not verdict.valid
    assert (verdict.failed_sequence, verdict.fault) == (8, audit_pb2.CHAIN_FAULT_TAIL_MISSING)
    assert "10" in verdict.detail


async def test_a_stored_checkpoint_left_behind_also_reveals_a_cut(audit, tokens, raw):
    await _fill(audit, tokens, 6)
    await audit.stub.CreateCheckpoint(audit_pb2.CreateCheckpointRequest(),
                                      metadata=bearer(tokens.service))
    _drop_triggers(raw)
    with raw.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE sequence > 2"))
    verdict = await _verify(audit, tokens)
    assert (verdict.valid, verdict.failed_sequence, verdict.fault) == (
        False, 3, audit_pb2.CHAIN_FAULT_TAIL_MISSING)


async def test_a_rewritten_and_rehashed_tail_does_not_match_the_checkpoint(
        audit, tokens, raw):
    entries = await _fill(audit, tokens, 6)
    kept = (await audit.stub.CreateCheckpoint(audit_pb2.CreateCheckpointRequest(),
                                              metadata=bearer(tokens.admin))).checkpoint
    _drop_triggers(raw)
    # Rewrite entries 4..6 with a different actor and recompute every hash from 4 on, so the
    # chain is consistent in itself.
    previous = entries[2].hash
    with raw.begin() as connection:
        for original in entries[3:]:
            source = original.event
            event = Event(source.id, source.occurred_at.ToDatetime(tzinfo=dt.UTC),
                          source.service, source.entity_type, source.entity_id, source.action,
                          "admin:mallory", source.venture_id, source.request_id,
                          chain.canonical_value(dict(source.context)))
            forged = chain.next_entry(original.sequence - 1, previous, event,
                                      original.recorded_at.ToDatetime(tzinfo=dt.UTC))
            connection.execute(text("UPDATE audit_log SET actor = :actor, hash = :hash, "
                                    "previous_hash = :previous WHERE sequence = :sequence"),
                               {"actor": "admin:mallory", "hash": forged.hash,
                                "previous": previous, "sequence": forged.sequence})
            previous = forged.hash
        connection.execute(text("DELETE FROM audit_checkpoint"))
    assert (await _verify(audit, tokens)).valid
    verdict = await _verify(audit, tokens, checkpoint=kept)
    assert (verdict.valid, verdict.failed_sequence, verdict.fault) == (
        False, 6, audit_pb2.CHAIN_FAULT_CHECKPOINT_MISMATCH)


async def test_a_checkpoint_before_the_range_is_still_compared(audit, tokens, raw):
    entries = await _fill(audit, tokens, 5)
    kept = audit_pb2.Checkpoint(sequence=2, hash=entries[1].hash)
    assert (await _verify(audit, tokens, start_sequence=4, checkpoint=kept)).valid
    wrong = audit_pb2.Checkpoint(sequence=2, hash=entries[2].hash)
    verdict = await _verify(audit, tokens, start_sequence=4, checkpoint=wrong)
    assert (verdict.valid, verdict.failed_sequence, verdict.fault) == (
        False, 2, audit_pb2.CHAIN_FAULT_CHECKPOINT_MISMATCH)


async def test_a_range_beyond_the_log_reports_the_first_missing_entry(audit, tokens):
    await _fill(audit, tokens, 3)
    verdict = await _verify(audit, tokens, start_sequence=2, end_sequence=9)
    assert (verdict.valid, verdict.failed_sequence, verdict.fault) == (
        False, 4, audit_pb2.CHAIN_FAULT_ENTRY_MISSING)
    assert (verdict.start_sequence, verdict.end_sequence, verdict.entries_checked) == (2, 3, 2)


async def test_verify_request_fields_are_checked(audit, tokens):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _verify(audit, tokens, start_sequence=5, end_sequence=2,
                      checkpoint=audit_pb2.Checkpoint(sequence=0, hash="XYZ"))
    assert decode_rpc_error(caught.value).fields == [
        "end_sequence", "checkpoint.sequence", "checkpoint.hash"]


async def test_an_empty_log_verifies_and_has_no_head_to_checkpoint(audit, tokens):
    verdict = await _verify(audit, tokens)
    assert verdict.valid and verdict.entries_checked == 0
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit.stub.CreateCheckpoint(audit_pb2.CreateCheckpointRequest(),
                                          metadata=bearer(tokens.admin))
    details = decode_rpc_error(caught.value)
    assert (details.code, details.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                              "AUDIT_LOG_EMPTY")
