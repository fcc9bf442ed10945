"""Finding NUL characters anywhere in a request: nested, repeated, maps and Struct values."""

from __future__ import annotations

from google.protobuf import struct_pb2

from aicmo.audit.v1 import audit_pb2
from aicmo.leads.v1 import leads_pb2
from aicmo_common.text import MAX_REPORTED, nul_fields


def test_clean_requests_have_no_findings() -> None:
    assert nul_fields(leads_pb2.CaptureLeadRequest(capture=leads_pb2.LeadCapture(
        email="ada@example.com", attributes={"plan": "pro"}))) == []


def test_nested_and_map_fields_are_named() -> None:
    request = leads_pb2.CaptureLeadRequest(capture=leads_pb2.LeadCapture(
        email="a\x00@example.com", attributes={"plan": "p\x00", "ok": "fine"}))
    assert nul_fields(request) == ["capture.email", "capture.attributes['plan']"]


def test_repeated_messages_and_struct_values_are_named() -> None:
    context = struct_pb2.Struct()
    context.update({"note": "bad\x00", "ids": ["a", "b\x00"], "fine": 1})
    request = audit_pb2.AppendEventsRequest(events=[
        audit_pb2.AuditEvent(id="e1"), audit_pb2.AuditEvent(id="e\x002", context=context)])
    found = nul_fields(request)
    assert "events[1].id" in found
    assert "events[1].context.fields['note'].string_value" in found
    assert any(path.startswith("events[1].context.fields['ids'].list_value.values[1]")
               for path in found)
    assert not any(path.startswith("events[0]") for path in found)


def test_findings_are_bounded() -> None:
    request = audit_pb2.AppendEventsRequest(events=[
        audit_pb2.AuditEvent(id=f"e{i}\x00") for i in range(50)])
    assert len(nul_fields(request)) == MAX_REPORTED
