"""The outbox relay against a real audit server on port 0, on SQLite and PostgreSQL: delivery in
order, no loss while audit is down, no duplicate after a redelivery, shutdown delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import MetaData, select, update

from aicmo.audit.v1 import audit_pb2
from aicmo_common.auth import Role
from aicmo_common.db import Database
from aicmo_common.outbox import (
    AuditEvent,
    OutboxRelay,
    emit,
    event_outbox_table,
    outbox_table,
    record,
)
from tests.conftest import bearer
from tests.e2e.audit.running_audit import RunningAudit, running_audit
from tests.support.waiting import wait_for


@pytest.fixture
def outbox(database_url):
    """A service database holding only an outbox table (audit's tables live beside it)."""
    metadata = MetaData()
    table = outbox_table(metadata)
    database = Database(database_url, workers=4)
    metadata.create_all(database.engine)
    yield database, table
    database.close()


def _events(count: int, *, start: dt.datetime | None = None, **fields) -> list[AuditEvent]:
    base = start or dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    return [AuditEvent(entity_type="campaign", entity_id=f"c{i}", action="campaign.created",
                       actor="operator:ops", venture_id="v1",
                       context={"index": i, "reason": "test"},
                       occurred_at=base + dt.timedelta(seconds=i), **fields)
            for i in range(count)]


def _record(database: Database, table, events: list[AuditEvent]) -> None:
    database.transact(lambda session: record(session, table, "venture", *events))


async def _stored_ids(audit: RunningAudit, token: str) -> list[str]:
    ids = []
    async for chunk in audit.stub.ExportEvents(audit_pb2.ExportEventsRequest(),
                                                metadata=bearer(token)):
        ids.extend(entry.event.id for entry in chunk.entries)
    return ids


def _relay(database, table, address, token, **options) -> OutboxRelay:
    options.setdefault("timeout_seconds", 2.0)
    return OutboxRelay(database, table, audit_address=address, token=token, **options)


async def test_flush_delivers_pending_events_in_order_once(outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    events = _events(7)
    # Recorded out of order: the relay must still deliver by occurred_at.
    _record(database, table, events[4:])
    _record(database, table, events[:4])
    async with running_audit(database_url) as audit:
        relay = _relay(database, table, audit.address, token, batch_size=3)
        try:
            assert await relay.flush() == 7
            assert await relay.flush() == 0
            assert await relay.pending_count() == 0
        finally:
            await relay.stop()
        assert await _stored_ids(audit, token) == [event.id for event in events]
        stored = await audit.stub.ListEvents(audit_pb2.ListEventsRequest(),
                                             metadata=bearer(token))
        first = stored.entries[0].event
        assert (first.service, first.actor, first.venture_id) == ("venture", "operator:ops", "v1")
        assert dict(first.context) == {"index": 0, "reason": "test"}
        assert first.occurred_at.ToDatetime(tzinfo=dt.UTC) == events[0].occurred_at


async def test_redelivery_after_a_lost_acknowledgement_stores_nothing_twice(
        outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    events = _events(5)
    _record(database, table, events)
    async with running_audit(database_url) as audit:
        relay = _relay(database, table, audit.address, token)
        try:
            assert await relay.flush() == 5
            # As if the relay crashed after audit stored the batch but before marking it.
            database.transact(lambda session: session.execute(
                update(table).values(delivered_at=None)))
            assert await relay.flush() == 5
        finally:
            await relay.stop()
        assert sorted(await _stored_ids(audit, token)) == sorted(e.id for e in events)


async def test_without_an_audit_address_events_stay_pending(outbox):
    database, table = outbox
    _record(database, table, _events(3))
    relay = _relay(database, table, None, "unused")
    await relay.start()
    assert await relay.flush() == 0
    await relay.stop()
    assert await relay.pending_count() == 3


async def test_audit_down_then_restarted_on_the_same_port_loses_nothing(
        outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    first, second = _events(4), _events(6, start=dt.datetime(2025, 3, 2, tzinfo=dt.UTC))
    async with running_audit(database_url) as audit:
        port = audit.port
        relay = _relay(database, table, audit.address, token, timeout_seconds=0.5)
        _record(database, table, first)
        assert await relay.flush() == 4
    try:
        # Audit is down: the burst stays in the outbox and every try is counted.
        _record(database, table, second)
        assert await relay.flush() == 0
        assert await relay.flush() == 0
        assert await relay.pending_count() == 6
        attempts = database.read(lambda session: session.execute(
            select(table.c.attempts).where(table.c.delivered_at.is_(None))).scalars().all())
        assert attempts == [2] * 6
        async with running_audit(database_url, port=port) as restarted:
            assert await relay.flush() == 6
            ids = await _stored_ids(restarted, token)
            assert sorted(ids) == sorted(e.id for e in first + second)
            verdict = await restarted.stub.VerifyChain(audit_pb2.VerifyChainRequest(),
                                                       metadata=bearer(token))
            assert verdict.valid and verdict.entries_checked == 10
    finally:
        await relay.stop()


async def test_background_loop_retries_with_backoff_until_audit_returns(
        outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    async with running_audit(database_url) as audit:
        port = audit.port
    _record(database, table, _events(5))
    relay = _relay(database, table, f"127.0.0.1:{port}", token, interval_seconds=0.02,
                   max_backoff_seconds=0.2, timeout_seconds=0.5)
    await relay.start()
    try:
        async def retried() -> bool:
            attempts = database.read(lambda session: session.execute(
                select(table.c.attempts)).scalars().all())
            return min(attempts) >= 3

        await wait_for(retried, within=10, what="three attempts of every event")
        async with running_audit(database_url, port=port) as restarted:
            async def drained() -> bool:
                return await relay.pending_count() == 0

            await wait_for(drained, within=10, what="an empty outbox")
            assert len(await _stored_ids(restarted, token)) == 5
    finally:
        await relay.stop()


async def test_notify_wakes_the_loop_and_stop_delivers_what_is_left(
        outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    async with running_audit(database_url) as audit:
        # A long interval: only notify() (and stop()) can explain a prompt delivery.
        relay = _relay(database, table, audit.address, token, interval_seconds=60)
        await relay.start()
        try:
            _record(database, table, _events(3))
            relay.notify()

            async def drained() -> bool:
                return await relay.pending_count() == 0

            await wait_for(drained, within=10, what="an empty outbox")
            _record(database, table, _events(2, start=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)))
        finally:
            await relay.stop()
        assert await relay.pending_count() == 0
        assert len(await _stored_ids(audit, token)) == 5


async def test_an_event_audit_refuses_does_not_block_the_others(outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    good = _events(3)
    poison = AuditEvent(entity_type="lead", entity_id="l1", action="lead.captured",
                        actor="service:svc-leads", context={"blob": "x" * 40_000},
                        occurred_at=good[0].occurred_at + dt.timedelta(milliseconds=500))
    _record(database, table, [*good, poison])
    async with running_audit(database_url) as audit:
        relay = _relay(database, table, audit.address, token)
        try:
            assert await relay.flush() == 3
            assert relay.rejected_ids == {poison.id}
        finally:
            await relay.stop()
        assert sorted(await _stored_ids(audit, token)) == sorted(e.id for e in good)
    pending = database.read(lambda session: session.execute(
        select(table.c.id).where(table.c.delivered_at.is_(None))).scalars().all())
    assert pending == [poison.id]


async def test_relay_token_must_carry_the_service_role(outbox, database_url, signer):
    database, table = outbox
    _record(database, table, _events(2))
    async with running_audit(database_url) as audit:
        relay = _relay(database, table, audit.address,
                       lambda: signer.issue("viewer@test", Role.VIEWER))
        try:
            assert await relay.flush() == 0
        finally:
            await relay.stop()
    assert await relay.pending_count() == 2


def test_events_are_recorded_with_the_change_transaction(outbox):
    database, table = outbox
    events = _events(2)

    def change_that_fails(session) -> None:
        record(session, table, "venture", *events)
        raise RuntimeError("the change itself failed")

    with pytest.raises(RuntimeError):
        database.transact(change_that_fails)
    assert database.read(lambda session: session.execute(select(table.c.id)).all()) == []


async def test_notify_from_a_database_thread_wakes_the_loop(outbox, database_url, signer):
    database, table = outbox
    token = signer.service_token("venture")
    async with running_audit(database_url) as audit:
        relay = _relay(database, table, audit.address, token, interval_seconds=60)
        await relay.start()
        try:
            def change(session) -> None:
                record(session, table, "venture", *_events(2))

            await database.run(change)
            await database.offload(relay.notify)  # as an after-commit hook on a worker thread

            async def drained() -> bool:
                return await relay.pending_count() == 0

            await wait_for(drained, within=10, what="an empty outbox")
        finally:
            await relay.stop()


class RecordingDestination:
    """A peer that takes batches, refuses the rows whose payload says so, and can be down."""

    name = "peer"
    max_batch = 50

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.down = False
        self.closed = 0

    async def send(self, rows: list[dict]) -> None:
        if self.down:
            raise ConnectionError("peer down")
        bad = [i for i, row in enumerate(rows) if row["payload"].get("bad")]
        if bad:
            raise ValueError(bad)
        self.batches.append([row["id"] for row in rows])

    def refused(self, error: Exception, size: int) -> set[int]:
        return set(error.args[0]) if isinstance(error, ValueError) else set()

    async def close(self) -> None:
        self.closed += 1


async def test_an_event_outbox_goes_to_its_own_destination_once_and_in_order(database_url):
    metadata = MetaData()
    table = event_outbox_table(metadata, "peer_outbox")
    database = Database(database_url, workers=2)
    metadata.create_all(database.engine)
    base = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    try:
        ids = [f"e{i}" for i in range(5)]
        database.transact(lambda session: [
            emit(session, table, "feedback", {"n": i, "bad": i == 2}, event_id=event_id,
                 occurred_at=base + dt.timedelta(seconds=i))
            for i, event_id in reversed(list(enumerate(ids)))])
        peer = RecordingDestination()
        relay = OutboxRelay(database, table, destination=peer, batch_size=10)

        peer.down = True
        assert await relay.flush() == 0 and await relay.pending_count() == 5
        assert peer.closed == 1  # a failed call drops the connection

        peer.down = False
        assert await relay.flush() == 4
        assert peer.batches == [["e0", "e1", "e3", "e4"]]  # oldest first, the refused one out
        assert relay.rejected_ids == {"e2"} and await relay.pending_count() == 1
        assert await relay.flush() == 0 and len(peer.batches) == 1  # nothing sent twice
        with pytest.raises(ValueError, match="between 1 and 50"):
            OutboxRelay(database, table, destination=peer, batch_size=51)
    finally:
        database.close()
