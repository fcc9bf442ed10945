"""Fixtures for the audit service through real gRPC: a running server per test and tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from aicmo.audit.v1 import audit_pb2
from aicmo_common.auth import Role, TokenSigner
from tests.e2e.audit.running_audit import running_audit

BASE_TIME = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Tokens:
    service: str
    admin: str
    operator: str
    viewer: str
    viewer_v1: str  # a reader scoped to venture v1
    service_v1: str  # a service token scoped to venture v1


@pytest.fixture
def tokens(signer: TokenSigner) -> Tokens:
    return Tokens(
        service=signer.service_token("venture"),
        admin=signer.issue("admin@test", Role.ADMIN),
        operator=signer.issue("ops@test", Role.OPERATOR),
        viewer=signer.issue("viewer@test", Role.VIEWER),
        viewer_v1=signer.issue("v1-viewer@test", Role.VIEWER, venture="v1"),
        service_v1=signer.issue("svc-v1", Role.SERVICE, venture="v1"),
    )


@pytest.fixture
async def audit(database_url):
    async with running_audit(database_url) as running:
        yield running


def make_event(*, venture_id: str = "v1", entity_type: str = "campaign",
               entity_id: str = "c1", action: str = "campaign.created",
               actor: str = "operator:ops@test", service: str = "venture",
               occurred_at: dt.datetime = BASE_TIME, context: dict | None = None,
               event_id: str | None = None) -> audit_pb2.AuditEvent:
    event = audit_pb2.AuditEvent(
        id=event_id or str(uuid.uuid4()), service=service, entity_type=entity_type,
        entity_id=entity_id, action=action, actor=actor, venture_id=venture_id,
        request_id=uuid.uuid4().hex)
    event.occurred_at.FromDatetime(occurred_at)
    event.context.update(context if context is not None else {"reason": "test"})
    return event


def append_request(*events: audit_pb2.AuditEvent) -> audit_pb2.AppendEventsRequest:
    return audit_pb2.AppendEventsRequest(events=list(events))
