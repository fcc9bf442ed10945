"""The feedback ledger through real gRPC, on SQLite and PostgreSQL: each item once, bounces
suppress only the address, complaints and unsubscribes (in words too) make the lead DNC."""

from __future__ import annotations

import datetime as dt
import json

import grpc
from google.protobuf import timestamp_pb2

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2 as pb

EMAIL, SMS = common_pb2.CHANNEL_EMAIL, common_pb2.CHANNEL_SMS
HARD, SOFT = pb.FEEDBACK_KIND_BOUNCE_HARD, pb.FEEDBACK_KIND_BOUNCE_SOFT
SUPPRESSED = pb.FEEDBACK_EFFECT_IDENTIFIER_SUPPRESSED
DNC = pb.FEEDBACK_EFFECT_LEAD_DNC


def _at(moment: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def _lead(leads, email="fay@example.com", phone="+14155550101") -> str:
    return (await leads.capture(email=email, phone=phone, name="Fay Feedback")).lead.lead_id


async def _apply(leads, *items: pb.FeedbackInput, token=None) -> pb.ApplyFeedbackResponse:
    return await leads.stub.ApplyFeedback(pb.ApplyFeedbackRequest(items=items),
                                          metadata=leads.auth(token or leads.tokens.service))


async def _check(leads, lead_id, channel=EMAIL) -> pb.CheckContactabilityResponse:
    return await leads.stub.CheckContactability(
        pb.CheckContactabilityRequest(lead_id=lead_id, channel=channel),
        metadata=leads.auth(leads.tokens.service))


def _item(feedback_id, lead_id, kind, channel=EMAIL, **fields) -> pb.FeedbackInput:
    return pb.FeedbackInput(feedback_id=feedback_id, lead_id=lead_id, kind=kind,
                            channel=channel, **fields)


async def test_a_hard_bounce_suppresses_the_address_on_its_channel_once(leads):
    lead_id = await _lead(leads)
    assert (await _check(leads, lead_id)).allowed
    bounce = _item("evt-hard-1", lead_id, HARD, send_id="send-1", campaign_id="spring",
                   detail_code="5.1.1", evidence_sha256="ab" * 32)
    first = (await _apply(leads, bounce)).results[0]
    assert not first.duplicate and not first.HasField("error")
    assert list(first.item.effects) == [SUPPRESSED]
    assert (first.item.detail_code, first.item.campaign_id) == ("5.1.1", "spring")
    entries, outbox = leads.count("suppression_entries"), leads.count("audit_outbox")

    again = (await _apply(leads, bounce)).results[0]
    assert again.duplicate and list(again.item.effects) == [SUPPRESSED]
    assert again.item.record_time == first.item.record_time
    assert (leads.count("suppression_entries"), leads.count("audit_outbox")) == (entries,
                                                                                outbox)
    assert leads.count("feedback_items") == 1

    email = await _check(leads, lead_id)
    assert not email.allowed and list(email.reasons) == [pb.CONTACTABILITY_REASON_SUPPRESSED]
    sms = await _check(leads, lead_id, SMS)
    assert sms.allowed and sms.address == "+14155550101"
    lead = (await leads.stub.GetLead(pb.GetLeadRequest(lead_id=lead_id),
                                     metadata=leads.auth())).lead
    assert lead.consent_status != pb.CONSENT_STATUS_DNC
    # The person signing up again is not read as an opt-out, and the address stays blocked.
    again_captured = await leads.capture(email="FAY@example.com")
    assert not again_captured.suppressed
    assert again_captured.lead.consent_status != pb.CONSENT_STATUS_DNC
    assert list((await _check(leads, lead_id)).reasons) == [
        pb.CONTACTABILITY_REASON_SUPPRESSED]


async def test_a_complaint_makes_the_lead_dnc_for_the_venture(leads):
    lead_id = await _lead(leads)
    result = (await _apply(leads, _item("evt-complaint", lead_id, pb.FEEDBACK_KIND_COMPLAINT,
                                        detail_code="abuse"))).results[0]
    assert list(result.item.effects) == [DNC]
    for channel in (EMAIL, SMS):
        check = await _check(leads, lead_id, channel)
        assert not check.allowed and pb.CONTACTABILITY_REASON_DNC in check.reasons
    history = await leads.stub.ListConsentHistory(
        pb.ListConsentHistoryRequest(lead_id=lead_id), metadata=leads.auth())
    assert history.records[-1].to_status == pb.CONSENT_STATUS_DNC
    assert history.records[-1].reason == "complaint"
    duplicate = (await _apply(leads, _item("evt-complaint", lead_id,
                                           pb.FEEDBACK_KIND_COMPLAINT,
                                           detail_code="abuse"))).results[0]
    assert duplicate.duplicate
    assert len((await leads.stub.ListConsentHistory(
        pb.ListConsentHistoryRequest(lead_id=lead_id), metadata=leads.auth())).records) == len(
        history.records)


async def test_soft_bounces_below_the_limit_change_nothing_and_at_it_suppress(leads):
    lead_id = await _lead(leads)
    start = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    old = _item("soft-old", lead_id, SOFT, occur_time=_at(start - dt.timedelta(days=30)))
    first = _item("soft-1", lead_id, SOFT, occur_time=_at(start))
    second = _item("soft-2", lead_id, SOFT, occur_time=_at(start + dt.timedelta(days=2)))
    results = (await _apply(leads, old, first, second, second)).results
    assert [list(r.item.effects) for r in results] == [[], [], [], []]
    assert [r.duplicate for r in results] == [False, False, False, True]
    assert (await _check(leads, lead_id)).allowed
    third = _item("soft-3", lead_id, SOFT, occur_time=_at(start + dt.timedelta(days=3)))
    assert list((await _apply(leads, third)).results[0].item.effects) == [SUPPRESSED]
    assert list((await _check(leads, lead_id)).reasons) == [
        pb.CONTACTABILITY_REASON_SUPPRESSED]
    assert (await _check(leads, lead_id, SMS)).allowed


async def test_replies_are_classified_and_an_unsubscribe_in_words_acts_as_one(leads):
    lead_id = await _lead(leads)
    other = await _lead(leads, email="gus@example.com", phone="+14155550102")
    results = (await _apply(
        leads,
        _item("r-1", lead_id, pb.FEEDBACK_KIND_REPLY, text="Sounds great, tell me more!"),
        _item("r-2", lead_id, pb.FEEDBACK_KIND_AUTO_REPLY, text="I am out of the office"),
        _item("r-3", other, pb.FEEDBACK_KIND_REPLY,
              text="Please remove me from your list.\n\nOn Mon, Bob wrote:\n> Hi Gus"),
    )).results
    interested, auto, removal = (r.item for r in results)
    assert interested.classification.objection == pb.OBJECTION_INTERESTED
    assert "tell me more" in interested.classification.matched_terms
    assert interested.classification.classifier == "rules-en-1"
    assert not interested.effects
    assert not auto.HasField("classification") and not auto.effects
    assert removal.classification.objection == pb.OBJECTION_UNSUBSCRIBE_REQUEST
    assert list(removal.effects) == [DNC]
    assert (await _check(leads, lead_id)).allowed
    assert pb.CONTACTABILITY_REASON_DNC in (await _check(leads, other)).reasons


async def test_bad_batches_are_refused_naming_the_field_and_missing_leads_fail_alone(leads):
    lead_id = await _lead(leads)
    items = [_item(f"ok-{i}", lead_id, pb.FEEDBACK_KIND_REPLY, text="ok") for i in range(3)]
    items.append(pb.FeedbackInput(feedback_id="no-kind", lead_id=lead_id, channel=EMAIL))
    missing_kind = await leads.failure(_apply(leads, *items))
    assert (missing_kind.code, missing_kind.fields) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                        ["items[3].kind"])
    bad_channel = await leads.failure(_apply(leads, _item("c", lead_id, HARD, channel=99)))
    assert bad_channel.fields == ["items[0].channel"]
    too_many = await leads.failure(_apply(leads, *[
        _item(f"many-{i}", lead_id, HARD) for i in range(501)]))
    assert too_many.fields == ["items"]
    assert leads.count("feedback_items") == 0
    operator = await leads.failure(_apply(leads, items[0], token=leads.tokens.admin))
    assert operator.code is grpc.StatusCode.PERMISSION_DENIED

    mixed = (await _apply(leads, _item("ghost", "no-such-lead", HARD), items[0])).results
    assert mixed[0].error.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert not mixed[0].HasField("item")
    assert mixed[1].item.feedback_id == "ok-0" and not mixed[1].HasField("error")


async def test_notes_list_and_top_objections_with_venture_scope(leads):
    lead_id = await _lead(leads)
    texts = ["Too expensive for us this year.", "We have no budget for this.",
             "Can we schedule a call on Tuesday?"]
    notes = []
    for index, text in enumerate(texts):
        request = pb.RecordFeedbackRequest(lead_id=lead_id, text=text, campaign_id="spring",
                                           request_id=f"note-{index}")
        notes.append((await leads.stub.RecordFeedback(request, metadata=leads.auth())).item)
        replay = (await leads.stub.RecordFeedback(request, metadata=leads.auth())).item
        assert replay.feedback_id == notes[-1].feedback_id
    assert [n.classification.objection for n in notes] == [
        pb.OBJECTION_PRICE, pb.OBJECTION_PRICE, pb.OBJECTION_MEETING_REQUEST]
    assert all(n.kind == pb.FEEDBACK_KIND_NOTE and n.actor == "operator:ops@test"
               for n in notes)
    reused = await leads.failure(leads.stub.RecordFeedback(pb.RecordFeedbackRequest(
        lead_id=lead_id, text="something else", request_id="note-0"), metadata=leads.auth()))
    assert (reused.code, reused.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                            "REQUEST_ID_REUSED")

    first = await leads.stub.ListFeedback(pb.ListFeedbackRequest(lead_id=lead_id, page_size=2),
                                          metadata=leads.auth(leads.tokens.acme_viewer))
    rest = await leads.stub.ListFeedback(pb.ListFeedbackRequest(
        lead_id=lead_id, page_size=2, page_token=first.next_page_token),
        metadata=leads.auth(leads.tokens.acme_viewer))
    assert [i.feedback_id for i in [*first.items, *rest.items]] == [
        n.feedback_id for n in reversed(notes)]
    assert rest.next_page_token == ""
    by_campaign = await leads.stub.ListFeedback(pb.ListFeedbackRequest(
        campaign_id="spring", kinds=[pb.FEEDBACK_KIND_NOTE]), metadata=leads.auth())
    assert len(by_campaign.items) == 3
    hidden = await leads.failure(leads.stub.ListFeedback(
        pb.ListFeedbackRequest(lead_id=lead_id), metadata=leads.auth(leads.tokens.globex_operator)))
    assert hidden.code is grpc.StatusCode.NOT_FOUND
    elsewhere = await leads.stub.ListFeedback(pb.ListFeedbackRequest(
        campaign_id="spring"), metadata=leads.auth(leads.tokens.globex_operator))
    assert list(elsewhere.items) == []
    foreign = await leads.failure(leads.stub.ListFeedback(
        pb.ListFeedbackRequest(venture_id="acme"),
        metadata=leads.auth(leads.tokens.globex_operator)))
    assert foreign.code is grpc.StatusCode.PERMISSION_DENIED
    nothing = await leads.failure(leads.stub.ListFeedback(pb.ListFeedbackRequest(),
                                                          metadata=leads.auth()))
    assert nothing.fields == ["lead_id"]

    top = await leads.stub.TopObjections(pb.TopObjectionsRequest(venture_id="acme",
                                                                 examples=1),
                                         metadata=leads.auth())
    assert top.total == 3
    assert [(o.objection, o.count) for o in top.objections] == [
        (pb.OBJECTION_PRICE, 2), (pb.OBJECTION_MEETING_REQUEST, 1)]
    assert list(top.objections[0].example_feedback_ids) == [notes[1].feedback_id]
    scoped = await leads.stub.TopObjections(pb.TopObjectionsRequest(campaign_id="other"),
                                            metadata=leads.auth(leads.tokens.acme_viewer))
    assert scoped.total == 0 and list(scoped.objections) == []


async def test_an_unsubscribe_reason_attaches_after_mark_dnc_and_is_never_required(leads):
    lead_id = await _lead(leads)
    early = await leads.failure(leads.stub.RecordUnsubscribeReason(
        pb.RecordUnsubscribeReasonRequest(lead_id=lead_id, request_id="early",
                                          reason=pb.UNSUBSCRIBE_REASON_TOO_FREQUENT),
        metadata=leads.auth(leads.tokens.service)))
    assert (early.code, early.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                          "FAILED_PRECONDITION")
    assert "has not unsubscribed" in early.message
    await leads.stub.MarkDnc(pb.MarkDncRequest(lead_id=lead_id, reason="one-click unsubscribe",
                                               request_id="u-1"),
                             metadata=leads.auth(leads.tokens.service))
    no_text = await leads.failure(leads.stub.RecordUnsubscribeReason(
        pb.RecordUnsubscribeReasonRequest(lead_id=lead_id, request_id="r-0",
                                          reason=pb.UNSUBSCRIBE_REASON_OTHER),
        metadata=leads.auth(leads.tokens.service)))
    assert (no_text.code, no_text.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["text"])
    request = pb.RecordUnsubscribeReasonRequest(
        lead_id=lead_id, request_id="r-1", reason=pb.UNSUBSCRIBE_REASON_OTHER,
        text="I moved to a new job at fay.private@example.org")
    item = (await leads.stub.RecordUnsubscribeReason(
        request, metadata=leads.auth(leads.tokens.service))).item
    assert item.kind == pb.FEEDBACK_KIND_UNSUBSCRIBE
    assert item.unsubscribe_reason == pb.UNSUBSCRIBE_REASON_OTHER
    again = (await leads.stub.RecordUnsubscribeReason(
        request, metadata=leads.auth(leads.tokens.service))).item
    assert again.feedback_id == item.feedback_id
    changed = (await leads.stub.RecordUnsubscribeReason(pb.RecordUnsubscribeReasonRequest(
        lead_id=lead_id, request_id="r-2", reason=pb.UNSUBSCRIBE_REASON_TOO_FREQUENT),
        metadata=leads.auth(leads.tokens.service))).item
    assert changed.feedback_id == item.feedback_id
    assert changed.unsubscribe_reason == pb.UNSUBSCRIBE_REASON_TOO_FREQUENT
    assert leads.count("feedback_items") == 1


async def test_audit_context_holds_ids_and_hashes_never_addresses_or_text(leads):
    lead_id = await _lead(leads, email="secret.person@example.com")
    await _apply(leads,
                 _item("a-1", lead_id, HARD, identifier="Secret.Person@example.com"),
                 _item("a-2", lead_id, pb.FEEDBACK_KIND_REPLY,
                       text="Not interested, Jonathan Private here"))
    rows = [row for row in leads.rows("audit_outbox")
            if row["action"] in ("feedback.recorded", "suppression.added")]
    assert {row["action"] for row in rows} == {"feedback.recorded", "suppression.added"}
    blob = json.dumps([row["context"] for row in rows], default=str).lower()
    assert "secret.person" not in blob and "jonathan" not in blob
    assert "a-1" in blob
