"""The transactional outbox: events are written with the change they describe.

A service adds its events to an outbox table of its own inside the same database transaction
as the change itself, so an event exists exactly when the change does. A relay
(``OutboxRelay``) delivers pending events to their destination and marks them delivered; the
destination applies each event id once, so a redelivery after a crash adds nothing.

Two kinds of outbox share the one relay: ``audit_outbox`` (``outbox_table``, ``record``) whose
events go to the audit service, and event outboxes (``event_outbox_table``, ``emit``) whose
events go to a peer service through an ``OutboxDestination`` of the service's own (for
example distribution's feedback for leads).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import grpc
from google.protobuf import struct_pb2, timestamp_pb2
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from aicmo_common.clients import open_channel
from aicmo_common.config import TlsConfig
from aicmo_common.db import Database
from aicmo_common.errors import decode_rpc_error
from aicmo_common.prepared import PreparedStatement, insert_values


def outbox_table(metadata: MetaData) -> Table:
    """Declares the ``audit_outbox`` table in a service's own metadata."""
    return Table(
        "audit_outbox",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("service", String(32), nullable=False),
        Column("entity_type", String(64), nullable=False),
        Column("entity_id", String(128), nullable=False),
        Column("action", String(64), nullable=False),
        Column("actor", String(256), nullable=False),
        Column("venture_id", String(64), nullable=False, default=""),
        Column("request_id", String(128), nullable=False, default=""),
        Column("context", JSON, nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        Index("ix_audit_outbox_pending", "delivered_at", "occurred_at"),
    )


def event_outbox_table(metadata: MetaData, name: str = "event_outbox") -> Table:
    """Declares an outbox of events for a peer service: a topic and a JSON payload each."""
    return Table(
        name,
        metadata,
        Column("id", String(200), primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("topic", String(64), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        Index(f"ix_{name}_pending", "delivered_at", "occurred_at"),
    )


def emit(session: Session, table: Table, topic: str, payload: Mapping[str, object], *,
         event_id: str | None = None, occurred_at: dt.datetime | None = None) -> str:
    """Adds one event to an event outbox within the session's current transaction; returns
    its id (``event_id``, by default a new UUID; ids are unique, so the caller's own key
    given as ``event_id`` cannot be emitted twice)."""
    event_id = event_id or str(uuid.uuid4())
    _insert(table).run(session.connection(), {
        "id": event_id, "occurred_at": occurred_at or dt.datetime.now(dt.UTC),
        "topic": topic, "payload": plain_json(payload),
        "attempts": 0, "delivered_at": None})
    return event_id


@dataclass(frozen=True)
class AuditEvent:
    """One fact for the compliance log. ``context`` holds ids, hashes and reasons only."""

    entity_type: str
    entity_id: str
    action: str
    actor: str
    venture_id: str = ""
    request_id: str = ""
    context: Mapping[str, object] = field(default_factory=dict)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC))


def outbox_row(service: str, event: AuditEvent) -> dict:
    """The ``audit_outbox`` row of ``event``: the one definition every writer uses."""
    return {
        "id": event.id,
        "occurred_at": event.occurred_at,
        "service": service,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "action": event.action,
        "actor": event.actor,
        "venture_id": event.venture_id or "",
        "request_id": event.request_id or "",
        "context": plain_json(event.context),
        "attempts": 0,
        "delivered_at": None,
    }


_SCALARS = (str, int, float, bool, type(None))


def plain_json(values: Mapping[str, object]) -> dict[str, object]:
    """``values`` as JSON stores them: plain scalars (and lists of them) as they are, anything
    else through a JSON round trip (``default=str``). Most contexts are ids and reasons, so
    the round trip, three encodings of the same values on the audit path, is the exception."""
    plain: dict[str, object] = {}
    for key, value in values.items():
        if type(key) is not str:
            break
        if type(value) in _SCALARS:
            plain[key] = value
        elif type(value) in (list, tuple) and all(type(item) in _SCALARS for item in value):
            plain[key] = list(value)
        else:
            break
    else:
        return plain
    return json.loads(json.dumps(dict(values), default=str))


def record(session: Session, table: Table, service: str, *events: AuditEvent) -> None:
    """Adds ``events`` to the outbox within the session's current transaction.

    Each row goes through one prepared insert on the session's own connection (see
    ``aicmo_common.prepared``): every change of every service writes at least one, so the
    statement is compiled once per table and dialect, not built per call."""
    if not events:
        return
    connection = session.connection()
    statement = _insert(table)
    for event in events:
        statement.run(connection, outbox_row(service, event))


@functools.lru_cache(maxsize=16)
def _insert(table: Table) -> PreparedStatement:
    return PreparedStatement(insert(table).values(insert_values(table)))


# --- The relay -------------------------------------------------------------------------------

log = logging.getLogger("aicmo.outbox")


@dataclass(frozen=True)
class _Pass:
    """What one delivery pass did."""

    delivered: int
    more: bool  # a full batch went out, so more may be waiting
    failed: bool


class OutboxDestination(Protocol):
    """Where a relay delivers an outbox's rows: one call per batch, applied once per id."""

    name: str  # for logs: "audit", "leads", ...
    max_batch: int  # the most rows the destination takes in one call

    async def send(self, rows: list[dict]) -> None:
        """Delivers ``rows`` (oldest first); raises when they were not all taken."""

    def refused(self, error: Exception, size: int) -> set[int]:
        """The positions of the batch the destination refused as invalid in ``error``
        (retrying cannot help them); empty when the failure may pass."""

    async def close(self) -> None:
        """Closes the connection; the next send opens a fresh one."""


class LazyStub:
    """A gRPC stub opened on first use and dropped by ``close`` (a destination reconnects at
    once after a failure instead of waiting out gRPC's reconnect backoff)."""

    def __init__(self, address: str, stub_class, *, token: Callable[[], str] | str,
                 timeout_seconds: float, tls: TlsConfig | None) -> None:
        self._address = address
        self._stub_class = stub_class
        self._token = token
        self.timeout = timeout_seconds
        self._tls = tls
        self._channel = None
        self._stub = None

    @property
    def stub(self):
        if self._stub is None:
            self._channel = open_channel(self._address, token=self._token,
                                         timeout_seconds=self.timeout, tls=self._tls)
            self._stub = self._stub_class(self._channel)
        return self._stub

    async def close(self) -> None:
        channel, self._channel, self._stub = self._channel, None, None
        if channel is not None:
            await channel.close()


class AuditDestination:
    """Delivers ``audit_outbox`` rows to the audit service with ``AppendEvents``."""

    name = "audit"
    max_batch = 1000  # audit's batch limit

    def __init__(self, address: str, *, token: Callable[[], str] | str,
                 timeout_seconds: float = 2.0, tls: TlsConfig | None = None) -> None:
        self._peer = LazyStub(address, audit_pb2_grpc.AuditServiceStub, token=token,
                              timeout_seconds=timeout_seconds, tls=tls)

    async def send(self, rows: list[dict]) -> None:
        request = audit_pb2.AppendEventsRequest(events=[_to_proto(row) for row in rows],
                                                omit_entries=True)
        await self._peer.stub.AppendEvents(request, timeout=self._peer.timeout)

    def refused(self, error: Exception, size: int) -> set[int]:
        if isinstance(error, grpc.aio.AioRpcError) \
                and error.code() is grpc.StatusCode.INVALID_ARGUMENT:
            return _rejected_indexes(error, size)
        return set()

    async def close(self) -> None:
        await self._peer.close()


class OutboxRelay:
    """Delivers a service's pending outbox rows to their destination, oldest first.

    Rows are read in ``occurred_at`` order, sent in one call and marked delivered in a
    transaction of their own. A failed call leaves them pending (``attempts`` counts tries) and
    the relay backs off exponentially. A crash between the call and the marking only causes a
    redelivery, which the destination ignores because it applies each event id once: nothing
    is lost and nothing is applied twice. The destination is ``destination``, or the audit
    service at ``audit_address``; with neither the relay does nothing and events stay pending
    until a relay with a destination runs.
    """

    def __init__(self, database: Database, table: Table, *, audit_address: str | None = None,
                 token: Callable[[], str] | str = "", interval_seconds: float = 0.5,
                 linger_seconds: float = 0.0, batch_size: int = 200, timeout_seconds: float = 2.0,
                 tls: TlsConfig | None = None, max_backoff_seconds: float = 5.0,
                 stop_timeout_seconds: float | None = None,
                 destination: OutboxDestination | None = None) -> None:
        if destination is None and audit_address is not None:
            destination = AuditDestination(audit_address, token=token,
                                           timeout_seconds=timeout_seconds, tls=tls)
        limit = destination.max_batch if destination is not None else AuditDestination.max_batch
        if batch_size < 1 or batch_size > limit:
            raise ValueError(f"batch_size must be between 1 and {limit} (the destination's "
                             "batch limit)")
        self._database = database
        self._table = table
        self._destination = destination
        self._interval = interval_seconds
        self._linger = max(linger_seconds, 0.0)
        self._batch_size = batch_size
        self._max_backoff = max(max_backoff_seconds, interval_seconds)
        self._stop_timeout = (timeout_seconds + 1.0 if stop_timeout_seconds is None
                              else stop_timeout_seconds)
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._lock = asyncio.Lock()
        self._failures = 0
        # Events audit refused as invalid: retrying cannot help and must not block the rows
        # behind them, so this process skips them; they stay pending (never lost) for review.
        self._rejected: set[str] = set()

    @property
    def enabled(self) -> bool:
        return self._destination is not None

    @property
    def rejected_ids(self) -> frozenset[str]:
        """Ids of events the destination refused as invalid; they stay pending in the outbox."""
        return frozenset(self._rejected)

    async def start(self) -> None:
        """Starts delivering in the background (does nothing without a destination)."""
        if not self.enabled:
            log.warning("no destination: events stay in the outbox %s", self._table.name)
            return
        if self._task is not None:
            return
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    def notify(self) -> None:
        """Asks the background loop for a pass now (after a commit that added events). Safe
        to call from any thread, such as a database worker."""
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            self._wake.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        """Stops the loop, delivers what it can once more within a short bound, then closes."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            task, self._task = self._task, None
            try:
                await asyncio.wait_for(asyncio.shield(task), self._stop_timeout)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.enabled:
            try:
                await asyncio.wait_for(self.flush(), self._stop_timeout)
            except TimeoutError:
                log.warning("outbox relay stopped with events still pending")
        if self._destination is not None:
            await self._destination.close()

    async def flush(self) -> int:
        """Delivers everything pending now; returns how many events were delivered.

        Stops at the first failed call (the rest stay pending); never raises for delivery
        failures.
        """
        if not self.enabled:
            return 0
        total = 0
        while True:
            outcome = await self._deliver_once()
            total += outcome.delivered
            if outcome.failed or not outcome.more:
                return total

    async def pending_count(self) -> int:
        """How many events are waiting for delivery."""
        table = self._table

        def count(session: Session) -> int:
            return session.execute(select(func.count()).select_from(table).where(
                table.c.delivered_at.is_(None))).scalar_one()

        return await self._database.run_read(count)

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the pass, so a notify() during the pass is not lost.
            self._wake.clear()
            try:
                outcome = await self._deliver_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything and retry
                log.exception("outbox relay pass failed")
                outcome = _Pass(0, False, True)
            if self._stopping:
                return
            if outcome.failed:
                delay = min(self._interval * (2 ** self._failures), self._max_backoff)
            elif outcome.more:
                continue
            else:
                delay = self._interval
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                continue
            if self._linger and not self._stopping:
                # Woken by a commit: let the events of the commits right behind it gather,
                # so a busy service sends a few large batches instead of many small ones
                # (audit's cost is mostly per call). Events wait at most this long more.
                await asyncio.sleep(self._linger)

    async def _deliver_once(self) -> _Pass:
        """One pass: read a batch, send it, mark it delivered (or count the attempt)."""
        async with self._lock:
            rows = await self._database.run_read(self._read_pending)
            if not rows:
                return _Pass(0, False, False)
            rows = [row for row in rows if row["id"] not in self._rejected]
            full = len(rows) >= self._batch_size
            rows = rows[:self._batch_size]
            if not rows:
                return _Pass(0, False, False)
            destination = self._destination
            try:
                await destination.send(rows)
            except Exception as error:  # noqa: BLE001 - any failure leaves the rows pending
                bad = destination.refused(error, len(rows))
                if bad:
                    for index in bad:
                        self._rejected.add(rows[index]["id"])
                    log.error("%s refused %d outbox events as invalid; they stay pending",
                              destination.name, len(bad), extra={"fields": {
                                  "event_ids": [rows[i]["id"] for i in sorted(bad)],
                                  "detail": str(error)[:300]}})
                    await self._database.run(self._count_attempt,
                                             [rows[i]["id"] for i in bad])
                    # The rest of the batch is fine: go again at once without them.
                    return _Pass(0, True, False)
                return await self._failed(rows, error)
            ids = [row["id"] for row in rows]
            await self._database.run(self._mark_delivered, ids)
            self._failures = 0
            return _Pass(len(ids), full, False)

    async def _failed(self, rows: list[dict], error: Exception) -> _Pass:
        self._failures += 1
        code = error.code().name if isinstance(error, grpc.aio.AioRpcError) else ""
        log.warning("%s delivery failed; %d events stay pending", self._destination.name,
                    len(rows), extra={"fields": {"code": code, "error": str(error)[:300],
                                                 "consecutive_failures": self._failures}})
        # A fresh channel reconnects at once next time instead of waiting out gRPC's own
        # reconnect backoff, which grows to minutes while the destination is down.
        await self._destination.close()
        try:
            await self._database.run(self._count_attempt, [row["id"] for row in rows])
        except Exception:  # noqa: BLE001 - the count is informational; delivery matters
            log.exception("could not count the failed delivery attempt")
        return _Pass(0, False, True)

    def _read_pending(self, session: Session) -> list[dict]:
        table = self._table
        rows = session.execute(
            select(table).where(table.c.delivered_at.is_(None))
            .order_by(table.c.occurred_at, table.c.id)
            .limit(self._batch_size + len(self._rejected))).mappings().all()
        return [dict(row) for row in rows]

    def _mark_delivered(self, session: Session, ids: list[str]) -> None:
        table = self._table
        session.execute(update(table).where(_id_in(session, table, ids),
                                            table.c.delivered_at.is_(None))
                        .values(delivered_at=dt.datetime.now(dt.UTC)))

    def _count_attempt(self, session: Session, ids: list[str]) -> None:
        table = self._table
        session.execute(update(table).where(_id_in(session, table, ids))
                        .values(attempts=table.c.attempts + 1))


def _id_in(session: Session, table: Table, ids: list[str]):
    """``id`` is one of ``ids``. On PostgreSQL one array parameter: psycopg prepares repeated
    statements, and a generic plan for a long IN list of parameters can become a sequential
    scan of the ever-growing outbox; ``= ANY(array)`` keeps to the primary key index."""
    if session.get_bind().dialect.name == "postgresql":
        return table.c.id == any_(bindparam("outbox_ids", ids, type_=ARRAY(String)))
    return table.c.id.in_(ids)


def _to_proto(row: Mapping[str, object]) -> audit_pb2.AuditEvent:
    occurred = row["occurred_at"]
    if occurred.tzinfo is None:  # SQLite hands back naive UTC
        occurred = occurred.replace(tzinfo=dt.UTC)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(occurred)
    context = struct_pb2.Struct()
    context.update(row["context"] or {})
    return audit_pb2.AuditEvent(
        id=row["id"], occurred_at=stamp, service=row["service"],
        entity_type=row["entity_type"], entity_id=row["entity_id"], action=row["action"],
        actor=row["actor"], venture_id=row["venture_id"] or "",
        request_id=row["request_id"] or "", context=context)


_EVENT_INDEX = re.compile(r"^events\[(\d+)\]")


def _rejected_indexes(error: grpc.aio.AioRpcError, size: int) -> set[int]:
    """The batch positions audit named as bad in its BadRequest details."""
    indexes = set()
    for violation in decode_rpc_error(error).field_violations:
        match = _EVENT_INDEX.match(violation.field)
        if match and int(match.group(1)) < size:
            indexes.add(int(match.group(1)))
    return indexes
