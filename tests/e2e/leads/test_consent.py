"""The consent ledger, the suppression list and contactability through real gRPC."""

from __future__ import annotations

import grpc

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2 as pb

EVIDENCE = pb.ConsentEvidence(source="web_form", form_url="https://acme.test/signup",
                              ip_address="198.51.100.7", consent_text_version="v3")


async def _check(leads, lead_id: str, channel=common_pb2.CHANNEL_EMAIL, required=False,
                 token=None) -> pb.CheckContactabilityResponse:
    return await leads.stub.CheckContactability(
        pb.CheckContactabilityRequest(lead_id=lead_id, channel=channel,
                                      consent_required=required),
        metadata=leads.auth(token or leads.tokens.service))


async def test_dnc_is_sticky_across_captures_and_re_consent_needs_evidence(leads):
    made = await leads.capture(email="dee@example.com", consent_status=pb.CONSENT_STATUS_DNC)
    assert made.lead.consent_status == pb.CONSENT_STATUS_DNC
    again = await leads.capture(email="DEE@example.com",
                                consent_status=pb.CONSENT_STATUS_CONSENTED,
                                consent_evidence=EVIDENCE)
    assert again.lead.consent_status == pb.CONSENT_STATUS_DNC
    lead_id = made.lead.lead_id
    blocked = await _check(leads, lead_id)
    assert not blocked.allowed and list(blocked.reasons) == [pb.CONTACTABILITY_REASON_DNC]
    assert blocked.address == "" and not blocked.HasField("lead")

    bare = await leads.failure(leads.stub.UpdateConsent(pb.UpdateConsentRequest(
        lead_id=lead_id, consent_status=pb.CONSENT_STATUS_CONSENTED), metadata=leads.auth()))
    assert (bare.code, bare.reason, bare.fields) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                     "EVIDENCE_REQUIRED", ["evidence"])
    thin = await leads.failure(leads.stub.UpdateConsent(pb.UpdateConsentRequest(
        lead_id=lead_id, consent_status=pb.CONSENT_STATUS_CONSENTED,
        evidence=pb.ConsentEvidence(source="phone")), metadata=leads.auth()))
    assert thin.reason == "EVIDENCE_REQUIRED"
    downgrade = await leads.failure(leads.stub.UpdateConsent(pb.UpdateConsentRequest(
        lead_id=lead_id, consent_status=pb.CONSENT_STATUS_UNKNOWN), metadata=leads.auth()))
    assert (downgrade.code, downgrade.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                  "INVALID_TRANSITION")
    assert (await _check(leads, lead_id)).reasons == [pb.CONTACTABILITY_REASON_DNC]

    opted_in = await leads.stub.UpdateConsent(pb.UpdateConsentRequest(
        lead_id=lead_id, consent_status=pb.CONSENT_STATUS_CONSENTED, evidence=EVIDENCE,
        reason="double opt-in confirmed", request_id="r-1"), metadata=leads.auth())
    assert opted_in.record.from_status == pb.CONSENT_STATUS_DNC
    assert opted_in.record.to_status == pb.CONSENT_STATUS_CONSENTED
    assert opted_in.record.evidence.form_url == "https://acme.test/signup"
    assert opted_in.record.actor.subject == "ops@test"
    allowed = await _check(leads, lead_id, required=True)
    assert allowed.allowed and allowed.address == "dee@example.com"
    assert allowed.lead.email == "dee@example.com"
    history = await leads.stub.ListConsentHistory(
        pb.ListConsentHistoryRequest(lead_id=lead_id), metadata=leads.auth())
    assert [(r.from_status, r.to_status, r.source) for r in history.records] == [
        (pb.CONSENT_STATUS_UNKNOWN, pb.CONSENT_STATUS_DNC, "capture"),
        (pb.CONSENT_STATUS_DNC, pb.CONSENT_STATUS_CONSENTED, "update_consent")]
    actions = [row["action"] for row in leads.rows("audit_outbox")]
    assert actions.count("consent.changed") == 2


async def test_contactability_names_every_reason(leads):
    phone_only = await leads.capture(phone="+1 415 555 2671")
    answer = await _check(leads, phone_only.lead.lead_id, required=True)
    assert not answer.allowed
    assert list(answer.reasons) == [pb.CONTACTABILITY_REASON_NO_ADDRESS_FOR_CHANNEL,
                                    pb.CONTACTABILITY_REASON_CONSENT_REQUIRED_UNKNOWN]
    assert answer.venture_id == "acme"
    sms = await _check(leads, phone_only.lead.lead_id, channel=common_pb2.CHANNEL_SMS)
    assert sms.allowed and sms.address == "+14155552671"
    unspecified = await leads.failure(_check(leads, phone_only.lead.lead_id,
                                             channel=common_pb2.CHANNEL_UNSPECIFIED))
    assert unspecified.fields == ["channel"]
    missing = await leads.failure(_check(leads, "no-such-lead"))
    assert missing.code == grpc.StatusCode.NOT_FOUND


async def test_mark_dnc_on_a_bare_identifier_blocks_the_person_before_and_after_capture(leads):
    existing = await leads.capture(email="early@example.com")
    marked = await leads.stub.MarkDnc(pb.MarkDncRequest(
        identifier=pb.Identifier(kind=pb.IDENTIFIER_KIND_EMAIL, value="EARLY@example.com"),
        venture_id="acme", reason="complaint"), metadata=leads.auth())
    assert list(marked.affected_lead_ids) == [existing.lead.lead_id]
    assert marked.entries[0].scope == pb.SUPPRESSION_SCOPE_VENTURE
    assert "early" not in marked.entries[0].identifier_hmac
    reasons = (await _check(leads, existing.lead.lead_id)).reasons
    assert list(reasons) == [pb.CONTACTABILITY_REASON_DNC, pb.CONTACTABILITY_REASON_SUPPRESSED]

    await leads.stub.MarkDnc(pb.MarkDncRequest(
        identifier=pb.Identifier(kind=pb.IDENTIFIER_KIND_PHONE, value="+1 (415) 555-0199"),
        venture_id="acme", reason="unsubscribe"), metadata=leads.auth())
    newcomer = await leads.capture(phone="4155550199", consent_status=pb.CONSENT_STATUS_CONSENTED,
                                   consent_evidence=EVIDENCE)
    assert newcomer.suppressed
    assert newcomer.lead.consent_status == pb.CONSENT_STATUS_DNC
    # Venture scope: the same person in another venture is not suppressed.
    elsewhere = await leads.capture(phone="4155550199", venture_id="globex")
    assert not elsewhere.suppressed
    assert elsewhere.lead.consent_status == pb.CONSENT_STATUS_UNKNOWN


async def test_global_suppression_needs_an_unscoped_token_and_applies_everywhere(leads):
    scoped = await leads.failure(leads.stub.MarkDnc(pb.MarkDncRequest(
        identifier=pb.Identifier(kind=pb.IDENTIFIER_KIND_EMAIL, value="all@example.com"),
        scope=pb.SUPPRESSION_SCOPE_GLOBAL, reason="legal"),
        metadata=leads.auth(leads.tokens.acme_operator)))
    assert (scoped.code, scoped.reason) == (grpc.StatusCode.PERMISSION_DENIED, "VENTURE_SCOPE")
    acme = await leads.capture(email="all@example.com")
    await leads.stub.MarkDnc(pb.MarkDncRequest(
        identifier=pb.Identifier(kind=pb.IDENTIFIER_KIND_EMAIL, value="all@example.com"),
        scope=pb.SUPPRESSION_SCOPE_GLOBAL, reason="legal"), metadata=leads.auth(
            leads.tokens.admin))
    globex = await leads.capture(email="All@Example.com", venture_id="globex")
    assert globex.suppressed and globex.lead.consent_status == pb.CONSENT_STATUS_DNC
    lead = await leads.stub.GetLead(pb.GetLeadRequest(lead_id=acme.lead.lead_id),
                                    metadata=leads.auth())
    assert lead.lead.consent_status == pb.CONSENT_STATUS_DNC
    # A venture-scoped caller cannot lift a global opt-out with a re-consent.
    refused = await leads.failure(leads.stub.UpdateConsent(pb.UpdateConsentRequest(
        lead_id=acme.lead.lead_id, consent_status=pb.CONSENT_STATUS_CONSENTED,
        evidence=EVIDENCE), metadata=leads.auth(leads.tokens.acme_operator)))
    assert refused.reason == "VENTURE_SCOPE"


async def test_mark_dnc_on_a_lead_suppresses_all_its_identifiers(leads):
    made = await leads.capture(email="lead@example.com", phone="+1 415 555 2671")
    marked = await leads.stub.MarkDnc(pb.MarkDncRequest(lead_id=made.lead.lead_id,
                                                        reason="asked to stop"),
                                      metadata=leads.auth(leads.tokens.service))
    assert {entry.kind for entry in marked.entries} == {pb.IDENTIFIER_KIND_EMAIL,
                                                        pb.IDENTIFIER_KIND_PHONE}
    again = await leads.stub.MarkDnc(pb.MarkDncRequest(lead_id=made.lead.lead_id,
                                                       reason="asked to stop"),
                                     metadata=leads.auth())
    assert {e.entry_id for e in again.entries} == {e.entry_id for e in marked.entries}
    assert leads.count("suppression_entries") == 2
    history = await leads.stub.ListConsentHistory(
        pb.ListConsentHistoryRequest(lead_id=made.lead.lead_id), metadata=leads.auth())
    assert [(r.to_status, r.source, r.reason) for r in history.records] == [
        (pb.CONSENT_STATUS_DNC, "mark_dnc", "asked to stop")]
