"""The AuditService servicer: authorises, translates, and calls the use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from aicmo_audit.domain.model import EntryFilter
from aicmo_audit.entrypoints import messages
from aicmo_audit.service_layer import append, read, verify
from aicmo_common import pages
from aicmo_common.access import Caller
from aicmo_common.auth import MANAGERS, READERS, Role, current_principal
from aicmo_common.db import Database
from aicmo_common.errors import FieldErrors
from aicmo_common.unit_of_work import UnitOfWork

APPENDERS = frozenset({Role.SERVICE, Role.ADMIN})
CHECKPOINTERS = MANAGERS | {Role.SERVICE}


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    """Answers AuditService calls."""

    def __init__(self, database: Database, *, clock: Callable[[], dt.datetime],
                 checkpoint_every: int, verify_chunk: int = verify.VERIFY_CHUNK) -> None:
        self._database = database  # the streaming reads (verify, export) page it themselves
        self._uow = UnitOfWork(database)
        self._clock = clock
        self._checkpoint_every = checkpoint_every
        self._verify_chunk = verify_chunk

    async def AppendEvents(self, request, context):
        principal = current_principal()
        principal.require(APPENDERS, "AppendEvents")
        events, problems = messages.events_from_request(request)
        problems.raise_if_any()
        if principal.venture is not None:
            for event in events:
                principal.require_venture(event.venture_id)
        result = await self._uow.write(
            append.append_events, events, recorded_at=self._clock(),
            checkpoint_every=self._checkpoint_every)
        if request.omit_entries:
            return audit_pb2.AppendEventsResponse(appended_count=result.appended)
        return audit_pb2.AppendEventsResponse(
            entries=[messages.entry_to_proto(entry) for entry in result.entries],
            appended_count=result.appended)

    async def ListEvents(self, request, context):
        principal = current_principal()
        principal.require(READERS, "ListEvents")
        problems = FieldErrors()
        start, end = _time_range(request, problems)
        size = pages.page_size(request.page_size, errors=problems)
        problems.raise_if_any()
        where = EntryFilter(
            venture_id=Caller(principal).venture_for(request.venture_id) or None,
            actor=request.actor or None, action=request.action or None,
            entity_type=request.entity_type or None, entity_id=request.entity_id or None,
            service=request.service or None, start_time=start, end_time=end)
        entries, token = await self._uow.read(
            read.list_entries, where, page_size=size, page_token=request.page_token)
        return audit_pb2.ListEventsResponse(
            entries=[messages.entry_to_proto(entry) for entry in entries],
            next_page_token=token)

    async def GetTrail(self, request, context):
        principal = current_principal()
        principal.require(READERS, "GetTrail")
        problems = FieldErrors()
        if not request.entity_type:
            problems.add("entity_type", "is required")
        if not request.entity_id:
            problems.add("entity_id", "is required")
        size = pages.page_size(request.page_size, errors=problems)
        problems.raise_if_any()
        where = EntryFilter(venture_id=principal.venture, entity_type=request.entity_type,
                            entity_id=request.entity_id)
        entries, token = await self._uow.read(
            read.list_entries, where, page_size=size, page_token=request.page_token,
            query="trail")
        return audit_pb2.GetTrailResponse(
            entries=[messages.entry_to_proto(entry) for entry in entries],
            next_page_token=token)

    async def VerifyChain(self, request, context):
        principal = current_principal()
        principal.require(READERS, "VerifyChain")
        Caller(principal).require_unscoped("VerifyChain")
        problems = FieldErrors()
        if request.start_sequence < 0:
            problems.add("start_sequence", "must not be negative")
        if request.end_sequence < 0:
            problems.add("end_sequence", "must not be negative")
        elif request.end_sequence and request.end_sequence < max(request.start_sequence, 1):
            problems.add("end_sequence", "must not be before start_sequence")
        expected = None
        if request.HasField("checkpoint"):
            given = request.checkpoint
            if given.sequence < 1:
                problems.add("checkpoint.sequence", "must be 1 or more")
            if len(given.hash) != 64 or any(c not in "0123456789abcdef" for c in given.hash):
                problems.add("checkpoint.hash", "must be 64 lowercase hex digits")
            expected = verify.ExpectedCheckpoint(given.sequence, given.hash)
        problems.raise_if_any()
        result = await verify.verify_chain(
            self._database, start=request.start_sequence or 1,
            end=request.end_sequence or None, checkpoint=expected,
            chunk_size=self._verify_chunk)
        return messages.verification_to_proto(result)

    async def CreateCheckpoint(self, request, context):
        principal = current_principal()
        principal.require(CHECKPOINTERS, "CreateCheckpoint")
        Caller(principal).require_unscoped("CreateCheckpoint")
        checkpoint = await self._uow.write(append.create_checkpoint, now=self._clock(),
                                              actor=principal.actor)
        return audit_pb2.CreateCheckpointResponse(
            checkpoint=messages.checkpoint_to_proto(checkpoint))

    async def ListCheckpoints(self, request, context):
        current_principal().require(READERS, "ListCheckpoints")
        checkpoints, token = await self._uow.read(
            read.list_checkpoints, page_size=pages.page_size(request.page_size),
            page_token=request.page_token)
        return audit_pb2.ListCheckpointsResponse(
            checkpoints=[messages.checkpoint_to_proto(c) for c in checkpoints],
            next_page_token=token)

    async def ExportEvents(self, request, context):
        principal = current_principal()
        principal.require(READERS, "ExportEvents")
        problems = FieldErrors()
        start, end = _time_range(request, problems)
        if request.start_sequence < 0:
            problems.add("start_sequence", "must not be negative")
        if request.end_sequence < 0:
            problems.add("end_sequence", "must not be negative")
        problems.raise_if_any()
        where = EntryFilter(
            venture_id=Caller(principal).venture_for(request.venture_id) or None,
            start_time=start, end_time=end,
            start_sequence=request.start_sequence or None,
            end_sequence=request.end_sequence or None)
        async for chunk in read.export_entries(self._database, where):
            yield audit_pb2.ExportEventsResponse(
                entries=[messages.entry_to_proto(entry) for entry in chunk])


def _time_range(request, problems: FieldErrors):
    """The request's optional start_time and end_time, checked: each a real moment, the end
    after the start."""
    start = messages.optional_time(request.start_time, request.HasField("start_time"),
                                   "start_time", problems)
    end = messages.optional_time(request.end_time, request.HasField("end_time"), "end_time",
                                 problems)
    if start is not None and end is not None and end <= start:
        problems.add("end_time", "must be after start_time")
    return start, end
