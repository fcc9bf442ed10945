"""Erasure: personal data goes, the suppression hashes stay."""

from __future__ import annotations

from pathlib import Path

import grpc
from sqlalchemy.engine import make_url

from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_leads.domain import identifiers

EMAIL = "Erin.Erased@Example.org"
PHONE = "+1 415 555 2671"
NAME = "Erin Unforgettable"


def _stored_bytes(leads) -> bytes:
    """Everything the database holds: the SQLite files byte for byte (main file, WAL), or
    every row of every table on PostgreSQL."""
    url = make_url(leads.database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return b"".join(Path(f"{path}{suffix}").read_bytes()
                        for suffix in ("", "-wal", "-journal")
                        if Path(f"{path}{suffix}").exists())
    text = repr([leads.rows(table) for table in ("leads", "lead_identifiers",
                                                 "consent_records", "suppression_entries",
                                                 "touches", "lead_merges", "capture_requests",
                                                 "audit_outbox")])
    return text.encode()


async def test_erasure_removes_personal_data_and_keeps_suppression(leads):
    made = await leads.capture(
        request_id="erase-me", email=EMAIL, phone=PHONE, name=NAME, first_name="Erin",
        linkedin_url="linkedin.com/in/erin-erased", source_reference="form erin.erased",
        utm=pb.UtmParameters(term="erin erased"), consent_status=pb.CONSENT_STATUS_CONSENTED,
        consent_evidence=pb.ConsentEvidence(source="web_form", ip_address="203.0.113.9"),
        qualification=pb.Qualification(decision_maker_email="boss.of.erin@example.org",
                                       qualification_notes="Erin Unforgettable called"))
    await leads.capture(email=EMAIL.lower(), campaign_id="again")
    before = _stored_bytes(leads)
    assert EMAIL.lower().encode() in before or EMAIL.lower() in before.decode("latin-1")

    assert len(identifiers._emails) > 0 and len(identifiers._phones) > 0
    erased = await leads.stub.EraseLead(pb.EraseLeadRequest(lead_id=made.lead.lead_id,
                                                            reason="GDPR art. 17"),
                                        metadata=leads.auth())
    # Not even the process's memory of normalised addresses keeps the person.
    assert len(identifiers._emails) == 0 and len(identifiers._phones) == 0
    lead = erased.lead
    assert lead.state == pb.LEAD_STATE_ERASED
    assert (lead.email, lead.phone, lead.name, lead.linkedin_url, lead.identity_hash) == (
        "", "", "", "", "")
    assert len(lead.identifiers) == 0
    assert lead.consent_status == pb.CONSENT_STATUS_DNC

    stored = _stored_bytes(leads)
    for secret in (EMAIL, EMAIL.lower(), "4155552671", NAME, "erin-erased", "203.0.113.9",
                   "boss.of.erin", "form erin.erased", "erin erased"):
        assert secret.encode() not in stored, secret
        assert secret.lower().encode() not in stored.lower(), secret
    assert leads.count("suppression_entries") == 3
    touches = await leads.stub.ListTouches(pb.ListTouchesRequest(lead_id=lead.lead_id),
                                           metadata=leads.auth())
    assert [t.campaign_id for t in touches.touches] == ["", "again"]

    blocked = await leads.stub.CheckContactability(pb.CheckContactabilityRequest(
        lead_id=lead.lead_id, channel=1), metadata=leads.auth(leads.tokens.service))
    assert not blocked.allowed
    assert pb.CONTACTABILITY_REASON_ERASED in blocked.reasons

    # The erased person comes back in another case and format: a new lead, DNC at once.
    back = await leads.capture(email="ERIN.ERASED@example.ORG",
                               consent_status=pb.CONSENT_STATUS_CONSENTED,
                               consent_evidence=pb.ConsentEvidence(
                                   source="web_form", form_url="https://acme.test/f"))
    assert back.outcome == pb.CAPTURE_OUTCOME_CREATED
    assert back.lead.lead_id != lead.lead_id
    assert back.suppressed and back.lead.consent_status == pb.CONSENT_STATUS_DNC
    by_phone = await leads.capture(phone="(415) 555-2671")
    assert by_phone.suppressed and by_phone.lead.consent_status == pb.CONSENT_STATUS_DNC
    # The replayed request id of the erased capture still answers, without personal data.
    replay = await leads.capture(
        request_id="erase-me", email=EMAIL, phone=PHONE, name=NAME, first_name="Erin",
        linkedin_url="linkedin.com/in/erin-erased", source_reference="form erin.erased",
        utm=pb.UtmParameters(term="erin erased"), consent_status=pb.CONSENT_STATUS_CONSENTED,
        consent_evidence=pb.ConsentEvidence(source="web_form", ip_address="203.0.113.9"),
        qualification=pb.Qualification(decision_maker_email="boss.of.erin@example.org",
                                       qualification_notes="Erin Unforgettable called"))
    assert replay.lead.lead_id == lead.lead_id and replay.lead.email == ""


async def test_erasing_twice_is_harmless_and_an_erased_lead_refuses_changes(leads):
    made = await leads.capture(email="twice@example.com")
    request = pb.EraseLeadRequest(lead_id=made.lead.lead_id)
    first = await leads.stub.EraseLead(request, metadata=leads.auth())
    second = await leads.stub.EraseLead(request, metadata=leads.auth())
    assert first.lead.erase_time == second.lead.erase_time
    refused = await leads.failure(leads.stub.UpdateConsent(pb.UpdateConsentRequest(
        lead_id=made.lead.lead_id, consent_status=pb.CONSENT_STATUS_DNC),
        metadata=leads.auth()))
    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                              "LEAD_ERASED")
    viewer = await leads.failure(leads.stub.EraseLead(request,
                                                      metadata=leads.auth(leads.tokens.viewer)))
    assert viewer.code == grpc.StatusCode.PERMISSION_DENIED
