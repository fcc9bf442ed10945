"""Bad and hostile input: every bad field named in one answer, the service never crashes,
and nothing is written."""

from __future__ import annotations

import math

import grpc
import pytest
from google.protobuf import timestamp_pb2

from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_common.errors import decode_rpc_error
from tests.conftest import bearer

CAPTURE_METHOD = "/aicmo.leads.v1.LeadsService/CaptureLead"
IMPORT_METHOD = "/aicmo.leads.v1.LeadsService/ImportLeads"
EMPTY = {"leads": 0, "lead_identifiers": 0, "consent_records": 0, "suppression_entries": 0,
         "touches": 0, "lead_merges": 0, "capture_requests": 0, "audit_outbox": 0}


def _identity(data: bytes) -> bytes:
    return data


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field, written by hand so it can hold any bytes."""
    assert len(payload) < 128
    return bytes([number << 3 | 2, len(payload)]) + payload


async def test_every_bad_field_is_named_in_one_answer_and_nothing_is_written(leads):
    capture = pb.LeadCapture(
        venture_id="acme", campaign_id="bad campaign", email="a@b", phone="+1 555",
        linkedin_url="https://www.linkedin.com/company/acme", name="n" * 201,
        company="Acme\x00Corp", title="CEO\x1b[31m", source_channel="Web Form",
        utm=pb.UtmParameters(term="t" * 300), consent_status=pb.CONSENT_STATUS_CONSENTED,
        consent_evidence=pb.ConsentEvidence(ip_address="999.1.1.1", form_url="ftp://x",
                                            consent_time=timestamp_pb2.Timestamp(
                                                seconds=4_000_000_000)),
        value_estimate=pb.ValueEstimate(currency_code="usd", amount_minor=-5),
        attributes={"bad key": "v"},
        qualification=pb.Qualification(fit_score=150, conversion_probability=math.nan,
                                       lead_grade=42, decision_maker_email="boss@"))
    details = await leads.failure(leads.stub.CaptureLead(
        pb.CaptureLeadRequest(capture=capture), metadata=leads.auth()))
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(details.fields) == sorted([
        "capture.consent_evidence.consent_time", "capture.qualification.decision_maker_email",
        "capture.qualification.lead_grade", "capture.qualification.conversion_probability",
        "capture.qualification.fit_score", "capture.campaign_id", "capture.email",
        "capture.phone", "capture.linkedin_url", "capture.name", "capture.company",
        "capture.title", "capture.source_channel", "capture.utm.term",
        "capture.consent_evidence.form_url", "capture.consent_evidence.ip_address",
        "capture.consent_evidence", "capture.value_estimate.currency_code",
        "capture.value_estimate.amount_minor", "capture.attributes",
    ])
    # Bad values are never echoed back.
    assert "Acme" not in details.message and "999.1.1.1" not in details.message
    assert leads.counts() == EMPTY


@pytest.mark.parametrize("fields, bad", [
    ({"email": "x" * 1_000_000 + "@example.com"}, ["capture.email"]),
    ({"email": "ok@example.com", "name": "\u202e" + "y" * 100_000}, ["capture.name"]),
    ({"phone": "+1 415 555 2671\x00"}, ["capture.phone"]),
    ({"phone": "9" * 5000}, ["capture.phone"]),
    ({"linkedin_url": "linkedin.com/in/" + "z" * 10_000}, ["capture.linkedin_url"]),
    ({"linkedin_url": "https://www.linkedin.com/in/a%ZZb"}, ["capture.linkedin_url"]),
    ({"email": "ok@example.com", "source_reference": "line\nbreak"},
     ["capture.source_reference"]),
    ({"email": "ok@example.com", "attributes": {"k": "v" * 2000}}, ["capture.attributes[k]"]),
    ({"email": "  "}, ["capture.email"]),
    ({}, ["capture.email"]),
    ({"email": "ok@example.com", "venture_id": ""}, ["capture.venture_id"]),
])
async def test_hostile_strings_are_refused_without_a_crash_or_a_write(leads, fields, bad):
    fields.setdefault("venture_id", "acme")
    details = await leads.failure(leads.stub.CaptureLead(
        pb.CaptureLeadRequest(capture=pb.LeadCapture(**fields)), metadata=leads.auth()))
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.fields == bad
    assert leads.counts() == EMPTY


async def test_invalid_utf8_and_garbage_bytes_are_refused_and_the_service_survives(leads):
    call = leads.channel.unary_unary(CAPTURE_METHOD, request_serializer=_identity,
                                     response_deserializer=_identity)
    invalid_utf8 = _field(2, _field(1, b"acme") + _field(3, b"\xff\xfe@example.com"))
    for body in (invalid_utf8, b"\xff\xff\xff\xff", b"\x12\x7f"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call(body, metadata=bearer(leads.tokens.operator))
        details = decode_rpc_error(caught.value)
        assert details.code == grpc.StatusCode.INVALID_ARGUMENT
        assert details.fields == ["request"]
    assert leads.counts() == EMPTY

    # A malformed row in an import is rejected on its own; the good rows go in.
    good = pb.ImportLeadsRequest(row_number=1, capture=pb.LeadCapture(
        venture_id="acme", email="fine@example.com")).SerializeToString()
    bad_row = _field(2, _field(1, b"acme") + _field(3, b"\xc3\x28@x.com"))
    stream = leads.channel.stream_stream(IMPORT_METHOD, request_serializer=_identity,
                                         response_deserializer=pb.ImportLeadsResponse.FromString)

    async def rows():
        yield good
        yield bad_row

    answers = [answer async for answer in stream(rows(),
                                                 metadata=bearer(leads.tokens.operator))]
    results = [r for answer in answers for r in answer.results]
    assert [(r.row_number, r.outcome) for r in results] == [
        (1, pb.CAPTURE_OUTCOME_CREATED), (2, pb.CAPTURE_OUTCOME_REJECTED)]
    assert [v.field for v in results[1].violations] == ["row"]

    alive = await leads.capture(email="after@example.com")
    assert alive.outcome == pb.CAPTURE_OUTCOME_CREATED
    assert leads.count("leads") == 2


async def test_bad_requests_to_other_calls_name_their_fields(leads):
    stub, auth = leads.stub, leads.auth()
    cases = [
        (stub.MarkDnc(pb.MarkDncRequest(reason=""), metadata=auth), ["reason", "lead_id"]),
        (stub.MarkDnc(pb.MarkDncRequest(identifier=pb.Identifier(
            kind=pb.IDENTIFIER_KIND_PHONE, value="not a phone"), reason="x"), metadata=auth),
         ["venture_id", "identifier.value"]),
        (stub.UpdateConsent(pb.UpdateConsentRequest(consent_status=9), metadata=auth),
         ["lead_id", "consent_status"]),
        (stub.ListLeads(pb.ListLeadsRequest(page_token="garbage!"), metadata=auth),
         ["page_token"]),
        (stub.ListLeads(pb.ListLeadsRequest(page_size=-1), metadata=auth), ["page_size"]),
        (stub.CaptureLead(pb.CaptureLeadRequest(request_id="r" * 200, capture=pb.LeadCapture(
            venture_id="acme", email="ok@example.com")), metadata=auth), ["request_id"]),
    ]
    for call, fields in cases:
        details = await leads.failure(call)
        assert details.code == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert details.fields == fields
    assert leads.counts() == EMPTY


async def test_an_id_with_a_nul_is_a_precise_answer_on_every_database(leads):
    # PostgreSQL refuses NUL in text, so the lookup fails in the driver: the caller hears
    # which field (INVALID_ARGUMENT), not an internal error. SQLite simply finds no such lead.
    details = await leads.failure(leads.stub.GetLead(
        pb.GetLeadRequest(lead_id="lead\x00x"), metadata=bearer(leads.tokens.admin)))
    if leads.database_url.startswith("postgresql"):
        assert details.code is grpc.StatusCode.INVALID_ARGUMENT
        assert details.fields == ["lead_id"]
    else:
        assert details.code is grpc.StatusCode.NOT_FOUND
    after = await leads.failure(leads.stub.GetLead(
        pb.GetLeadRequest(lead_id="missing"), metadata=bearer(leads.tokens.admin)))
    assert after.code is grpc.StatusCode.NOT_FOUND  # the service goes on as before
