"""Capture and identity resolution through real gRPC."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import field_mask_pb2

from aicmo.leads.v1 import leads_pb2 as pb


async def test_a_person_captured_twice_in_different_forms_is_one_lead_with_two_touches(leads):
    first = await leads.capture(email="Jane.Doe@Example.com", phone="+1 415 555 2671",
                                name="Jane Doe", first_name="Jane", campaign_id="spring",
                                source_channel="web_form",
                                utm=pb.UtmParameters(source="google", campaign="spring"))
    assert first.outcome == pb.CAPTURE_OUTCOME_CREATED
    second = await leads.capture(email="jane.doe@EXAMPLE.COM", phone="+44 20 7946 0958",
                                 campaign_id="summer", source_channel="linkedin",
                                 linkedin_url="uk.linkedin.com/in/Jane-Doe/")
    assert second.outcome == pb.CAPTURE_OUTCOME_MATCHED
    assert second.matched_on == pb.IDENTIFIER_KIND_EMAIL
    lead = second.lead
    assert lead.lead_id == first.lead.lead_id
    assert lead.touch_count == 2
    assert lead.first_touch.campaign_id == "spring"
    assert lead.first_touch.utm.source == "google"
    assert lead.last_touch.campaign_id == "summer"
    assert lead.email == "jane.doe@example.com"
    assert lead.phone == "+442079460958"
    assert lead.linkedin_url == "https://www.linkedin.com/in/jane-doe"
    assert {(i.kind, i.value) for i in lead.identifiers} == {
        (pb.IDENTIFIER_KIND_EMAIL, "jane.doe@example.com"),
        (pb.IDENTIFIER_KIND_PHONE, "+14155552671"),
        (pb.IDENTIFIER_KIND_PHONE, "+442079460958"),
        (pb.IDENTIFIER_KIND_LINKEDIN, "https://www.linkedin.com/in/jane-doe"),
    }
    assert lead.name == "Jane Doe"
    assert len(lead.identity_hash) == 64
    touches = await leads.stub.ListTouches(pb.ListTouchesRequest(lead_id=lead.lead_id),
                                           metadata=leads.auth())
    assert [t.campaign_id for t in touches.touches] == ["spring", "summer"]
    assert leads.count("leads") == 1


async def test_sixteen_concurrent_captures_of_one_person_make_one_lead(leads):
    async def capture(index: int):
        # Every capture names the person differently, so each one races on every index.
        return await leads.capture(email="Racer@Example.com" if index % 2 else
                                   "racer@example.COM", phone="+1 415 555 2671",
                                   linkedin_url="https://www.linkedin.com/in/racer-x",
                                   campaign_id=f"c{index}")

    answers = await asyncio.gather(*(capture(i) for i in range(16)))
    assert len({a.lead.lead_id for a in answers}) == 1
    assert sorted(a.outcome for a in answers).count(pb.CAPTURE_OUTCOME_CREATED) == 1
    assert leads.count("leads") == 1
    assert leads.count("lead_identifiers") == 3
    assert leads.count("touches") == 16
    lead = await leads.stub.GetLead(pb.GetLeadRequest(lead_id=answers[0].lead.lead_id),
                                    metadata=leads.auth())
    assert lead.lead.touch_count == 16


async def test_merge_keeps_the_most_restrictive_consent_and_every_touch(leads):
    older = await leads.capture(email="bo@example.com", campaign_id="first",
                                consent_status=pb.CONSENT_STATUS_DNC)
    newer = await leads.capture(phone="+49 30 901820", campaign_id="second",
                                consent_status=pb.CONSENT_STATUS_CONSENTED,
                                consent_evidence=pb.ConsentEvidence(
                                    source="web_form", form_url="https://acme.test/f"))
    both = await leads.capture(email="BO@example.com", phone="+4930901820",
                               campaign_id="third")
    assert both.outcome == pb.CAPTURE_OUTCOME_MATCHED
    assert both.lead.lead_id == older.lead.lead_id
    assert list(both.merged_lead_ids) == [newer.lead.lead_id]
    assert both.lead.consent_status == pb.CONSENT_STATUS_DNC
    assert both.lead.touch_count == 3
    touches = await leads.stub.ListTouches(pb.ListTouchesRequest(lead_id=older.lead.lead_id),
                                           metadata=leads.auth())
    assert [t.campaign_id for t in touches.touches] == ["first", "second", "third"]
    merged = await leads.stub.GetLead(pb.GetLeadRequest(lead_id=newer.lead.lead_id),
                                      metadata=leads.auth())
    assert merged.lead.state == pb.LEAD_STATE_MERGED
    assert merged.lead.merged_into_lead_id == older.lead.lead_id
    assert merged.lead.email == "" and merged.lead.phone == ""
    assert leads.count("lead_merges") == 1
    # The other way round: the newer lead's DNC wins over the older one's CONSENTED.
    consented = await leads.capture(email="cy@example.com",
                                    consent_status=pb.CONSENT_STATUS_CONSENTED,
                                    consent_evidence=pb.ConsentEvidence(
                                        source="web_form", ip_address="192.0.2.1"))
    await leads.capture(phone="+1 415 555 0100", consent_status=pb.CONSENT_STATUS_DNC)
    joined = await leads.capture(email="cy@example.com", phone="+14155550100")
    assert joined.lead.lead_id == consented.lead.lead_id
    assert joined.lead.consent_status == pb.CONSENT_STATUS_DNC
    history = await leads.stub.ListConsentHistory(
        pb.ListConsentHistoryRequest(lead_id=consented.lead.lead_id), metadata=leads.auth())
    assert [(r.to_status, r.source) for r in history.records][-1] == (
        pb.CONSENT_STATUS_DNC, "merge")


async def test_a_request_id_makes_a_capture_idempotent(leads):
    first = await leads.capture(request_id="req-1", email="idem@example.com")
    again = await leads.capture(request_id="req-1", email="idem@example.com")
    assert again.lead.lead_id == first.lead.lead_id
    assert again.outcome == pb.CAPTURE_OUTCOME_CREATED
    assert again.lead.touch_count == 1
    assert leads.count("touches") == 1
    details = await leads.failure(leads.capture(request_id="req-1", email="other@example.com"))
    assert details.code == grpc.StatusCode.FAILED_PRECONDITION
    assert details.reason == "REQUEST_ID_REUSED"


async def test_venture_scoped_tokens_see_and_touch_only_their_venture(leads):
    tokens = leads.tokens
    acme = await leads.capture(tokens.acme_operator, email="scoped@example.com", venture_id="")
    assert acme.lead.venture_id == "acme"
    refused = await leads.failure(leads.capture(tokens.acme_operator, email="x@example.com",
                                                venture_id="globex"))
    assert (refused.code, refused.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                              "VENTURE_SCOPE")
    # The same person in another venture is another lead.
    globex = await leads.capture(tokens.globex_operator, email="scoped@example.com",
                                 venture_id="")
    assert globex.outcome == pb.CAPTURE_OUTCOME_CREATED
    hidden = await leads.failure(leads.stub.GetLead(
        pb.GetLeadRequest(lead_id=globex.lead.lead_id), metadata=leads.auth(tokens.acme_viewer)))
    assert hidden.code == grpc.StatusCode.NOT_FOUND
    listed = await leads.stub.ListLeads(pb.ListLeadsRequest(),
                                        metadata=leads.auth(tokens.acme_viewer))
    assert [lead.lead_id for lead in listed.leads] == [acme.lead.lead_id]
    everything = await leads.stub.ListLeads(pb.ListLeadsRequest(),
                                            metadata=leads.auth(tokens.viewer))
    assert len(everything.leads) == 2
    viewer = await leads.failure(leads.capture(tokens.viewer, email="v@example.com"))
    assert (viewer.code, viewer.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                            "ROLE_NOT_ALLOWED")
    erase = await leads.failure(leads.stub.EraseLead(
        pb.EraseLeadRequest(lead_id=globex.lead.lead_id),
        metadata=leads.auth(tokens.acme_operator)))
    assert erase.code == grpc.StatusCode.NOT_FOUND


async def test_list_pages_and_filters(leads):
    for index in range(5):
        await leads.capture(email=f"p{index}@example.com",
                            campaign_id="even" if index % 2 == 0 else "odd",
                            source_channel="web_form" if index < 3 else "import")
    seen, token = [], ""
    while True:
        page = await leads.stub.ListLeads(pb.ListLeadsRequest(page_size=2, page_token=token),
                                          metadata=leads.auth(leads.tokens.viewer))
        seen += [lead.email for lead in page.leads]
        token = page.next_page_token
        if not token:
            break
    assert seen == [f"p{i}@example.com" for i in range(5)]
    even = await leads.stub.ListLeads(pb.ListLeadsRequest(campaign_id="even"),
                                      metadata=leads.auth())
    assert [lead.email for lead in even.leads] == ["p0@example.com", "p2@example.com",
                                                   "p4@example.com"]
    imported = await leads.stub.ListLeads(pb.ListLeadsRequest(source_channel="import"),
                                          metadata=leads.auth())
    assert len(imported.leads) == 2
    exported = [answer.lead.email async for answer in leads.stub.ExportLeads(
        pb.ExportLeadsRequest(campaign_id="odd"), metadata=leads.auth())]
    assert exported == ["p1@example.com", "p3@example.com"]
    first = await leads.stub.ListLeads(pb.ListLeadsRequest(page_size=2), metadata=leads.auth())
    other = await leads.failure(leads.stub.ListLeads(
        pb.ListLeadsRequest(page_size=2, page_token=first.next_page_token,
                            campaign_id="even"), metadata=leads.auth()))
    assert other.fields == ["page_token"]


async def test_update_lead_changes_only_masked_non_identity_fields(leads):
    from google.protobuf import field_mask_pb2

    made = await leads.capture(email="upd@example.com", name="Old Name", company="Old Co")
    changed = pb.Lead(lead_id=made.lead.lead_id, name="New Name", company="Ignored",
                      qualification=pb.Qualification(fit_score=87.5,
                                                     lead_grade=pb.LEAD_GRADE_A))
    answer = await leads.stub.UpdateLead(pb.UpdateLeadRequest(
        lead=changed, update_mask=field_mask_pb2.FieldMask(
            paths=["name", "qualification.fit_score", "qualification.lead_grade"])),
        metadata=leads.auth())
    assert answer.lead.name == "New Name"
    assert answer.lead.company == "Old Co"
    assert answer.lead.qualification.fit_score == 87.5
    assert answer.lead.qualification.lead_grade == pb.LEAD_GRADE_A
    refused = await leads.failure(leads.stub.UpdateLead(pb.UpdateLeadRequest(
        lead=pb.Lead(lead_id=made.lead.lead_id, email="x@example.com"),
        update_mask=field_mask_pb2.FieldMask(paths=["email"])), metadata=leads.auth()))
    assert refused.fields == ["update_mask"]


async def test_a_read_mask_returns_only_the_named_fields_and_pages_alike(leads):
    for index in range(5):
        await leads.capture(email=f"m{index}@example.com", campaign_id="masked")
    full = (await leads.stub.ListLeads(pb.ListLeadsRequest(campaign_id="masked"),
                                       metadata=leads.auth())).leads

    ids, token = [], ""
    while True:
        page = await leads.stub.ListLeads(pb.ListLeadsRequest(
            campaign_id="masked", page_size=2, page_token=token,
            read_mask=field_mask_pb2.FieldMask(paths=["lead_id"])), metadata=leads.auth())
        assert all(lead == pb.Lead(lead_id=lead.lead_id) for lead in page.leads)
        ids += [lead.lead_id for lead in page.leads]
        token = page.next_page_token
        if not token:
            break
    assert ids == [lead.lead_id for lead in full]

    two = (await leads.stub.ListLeads(pb.ListLeadsRequest(
        campaign_id="masked", read_mask=field_mask_pb2.FieldMask(paths=["lead_id", "email"])),
        metadata=leads.auth())).leads
    assert [(lead.lead_id, lead.email) for lead in two] == [
        (lead.lead_id, lead.email) for lead in full]
    assert all(not lead.first_name and not lead.HasField("create_time") for lead in two)

    bad = await leads.failure(leads.stub.ListLeads(pb.ListLeadsRequest(
        read_mask=field_mask_pb2.FieldMask(paths=["no_such_field"])), metadata=leads.auth()))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT and bad.fields == ["read_mask"]
