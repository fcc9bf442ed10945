"""RecordDeliveryEvents and ListDeliveryEvents against real servers: every event matched to a
message that really left, recorded once, refused precisely when malformed, and its effect on
the person queued for leads in the feedback outbox."""

from __future__ import annotations

import hashlib

import grpc
import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo_common.auth import Role
from tests.conftest import bearer
from tests.support.stack import EMAIL
from tests.support.waiting import wait_for

HARD = dpb.DELIVERY_EVENT_KIND_BOUNCE_HARD
REPLY = dpb.DELIVERY_EVENT_KIND_REPLY
SMTP_IN = dpb.DELIVERY_EVENT_SOURCE_INBOUND_SMTP


def event(event_id: str, kind: int = HARD, **fields) -> dpb.DeliveryEvent:
    fields.setdefault("evidence_sha256", hashlib.sha256(event_id.encode()).hexdigest())
    return dpb.DeliveryEvent(event_id=event_id, kind=kind, source=SMTP_IN, **fields)


async def record(stack, *events, token: str | None = None) -> list[dpb.DeliveryEventResult]:
    answer = await stack.dist.RecordDeliveryEvents(
        dpb.RecordDeliveryEventsRequest(events=list(events)),
        metadata=bearer(token) if token else stack.md)
    return list(answer.results)


async def sent_send(stack, address: str = "bounce@example.org"):
    campaign = await stack.campaign()
    lead = await stack.capture(campaign, address)
    template = await stack.template(campaign.venture_id)
    job = (await stack.create_send(campaign, lead.lead_id, template.id)).send
    assert job.state == dpb.SEND_STATE_SENT
    return campaign, lead, template, job


async def test_an_event_is_recorded_on_its_send_once_and_queued_for_leads(stack, signer):
    await stack.start_distribution()
    campaign, lead, _, job = await sent_send(stack)
    edge = signer.service_token("edge")
    bounce = event("dsn-1", send_id=job.id, status_code="5.1.1", recipient="bounce@example.org",
                   diagnostic="550 5.1.1 user unknown")

    first = await record(stack, bounce, token=edge)
    again = await record(stack, bounce, bounce, token=edge)

    assert [(r.outcome, r.send_id) for r in first] == [
        (dpb.DELIVERY_EVENT_OUTCOME_RECORDED, job.id)]
    assert [(r.outcome, r.send_id) for r in again] == [
        (dpb.DELIVERY_EVENT_OUTCOME_DUPLICATE, job.id)] * 2
    listed = (await stack.dist.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(
        campaign_id=campaign.id), metadata=stack.md)).events
    assert [(e.event.event_id, e.send_id, e.lead_id, e.event.status_code) for e in listed] == [
        ("dsn-1", job.id, lead.lead_id, "5.1.1")]
    # One feedback item for leads, however often the event came in.
    assert await stack.dist_server.feedback_relay.pending_count() == 1


async def test_a_message_id_finds_the_send_and_a_foreign_one_finds_nothing(stack):
    await stack.start_distribution()
    _, _, _, job = await sent_send(stack)
    results = await record(
        stack, event("reply-1", REPLY, message_id=job.message_id, reply_text="Sounds good"),
        event("reply-2", REPLY, message_id="<abc@someone-else.example>"),
        event("reply-3", REPLY, message_id=f"<{job.id}@other.example>"))
    assert [(r.outcome, r.send_id) for r in results] == [
        (dpb.DELIVERY_EVENT_OUTCOME_RECORDED, job.id),
        (dpb.DELIVERY_EVENT_OUTCOME_UNMATCHED, ""),
        (dpb.DELIVERY_EVENT_OUTCOME_UNMATCHED, "")]
    assert "no send matches" in results[1].detail


async def test_a_send_that_never_left_cannot_bounce_or_be_answered(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    lead = await stack.capture(campaign, "dry@example.org")
    template = await stack.template(campaign.venture_id)
    dry = (await stack.create_send(campaign, lead.lead_id, template.id, dry_run=True)).send
    results = await record(stack, event("e-dry", send_id=dry.id),
                           event("e-none", send_id="00000000-0000-0000-0000-000000000000"))
    assert [r.outcome for r in results] == [dpb.DELIVERY_EVENT_OUTCOME_UNMATCHED] * 2
    assert "dry run" in results[0].detail
    assert await stack.dist_server.feedback_relay.pending_count() == 0
    # Kept apart, and still answered as unmatched when it comes again.
    again = await record(stack, event("e-dry", send_id=dry.id))
    assert again[0].outcome == dpb.DELIVERY_EVENT_OUTCOME_DUPLICATE and not again[0].send_id


async def test_malformed_events_are_refused_naming_their_fields_and_change_nothing(stack):
    await stack.start_distribution()
    _, _, _, job = await sent_send(stack)
    results = await record(
        stack,
        dpb.DeliveryEvent(event_id="bad-1", source=SMTP_IN, send_id=job.id),
        event("bad-2", status_code="five", send_id=job.id, evidence_sha256="xyz"),
        event("", send_id=job.id),
        event("fine", send_id=job.id))
    assert [r.outcome for r in results] == [dpb.DELIVERY_EVENT_OUTCOME_REFUSED] * 3 + [
        dpb.DELIVERY_EVENT_OUTCOME_RECORDED]
    assert "events[0].kind" in results[0].detail
    assert "events[1].status_code" in results[1].detail
    assert "events[1].evidence_sha256" in results[1].detail
    assert "events[2].event_id" in results[2].detail
    assert await stack.dist_server.feedback_relay.pending_count() == 1

    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await record(stack)
    assert empty.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "events" in empty.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as too_many:
        await record(stack, *[event(f"n{i}", send_id=job.id) for i in range(501)])
    assert too_many.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_only_services_and_admins_record_and_a_scoped_token_sees_its_venture(
        stack, signer):
    await stack.start_distribution()
    campaign, _, _, job = await sent_send(stack)
    viewer = signer.issue("viewer@test", Role.VIEWER)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await record(stack, event("v-1", send_id=job.id), token=viewer)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    other = signer.issue("svc-other", Role.SERVICE, venture="another-venture")
    results = await record(stack, event("o-1", send_id=job.id), token=other)
    assert results[0].outcome == dpb.DELIVERY_EVENT_OUTCOME_UNMATCHED
    listed = await stack.dist.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(
        campaign_id=campaign.id), metadata=bearer(other))
    assert not listed.events


async def test_events_page_by_page_under_their_filters(stack):
    await stack.start_distribution()
    campaign, _, _, job = await sent_send(stack)
    kinds = [HARD, REPLY, dpb.DELIVERY_EVENT_KIND_AUTO_REPLY, REPLY, HARD]
    await record(stack, *[event(f"p{i}", kind, send_id=job.id)
                          for i, kind in enumerate(kinds)])
    seen, token = [], ""
    while True:
        page = await stack.dist.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(
            send_id=job.id, kinds=[REPLY, HARD], page_size=2, page_token=token),
            metadata=stack.md)
        seen.extend(e.event.event_id for e in page.events)
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == ["p0", "p1", "p3", "p4"]
    with pytest.raises(grpc.aio.AioRpcError) as other_filters:
        await stack.dist.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(
            campaign_id=campaign.id, page_size=1,
            page_token=(await stack.dist.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(
                send_id=job.id, page_size=1), metadata=stack.md)).next_page_token),
            metadata=stack.md)
    assert other_filters.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as nothing_named:
        await stack.dist.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(), metadata=stack.md)
    assert "campaign_id" in nothing_named.value.details()


async def test_a_template_that_draws_complaints_is_held_until_released(stack):
    await stack.start_distribution(AICMO_TEMPLATE_HOLD_WINDOW=10,
                                   AICMO_TEMPLATE_HOLD_MIN_DELIVERIES=4,
                                   AICMO_TEMPLATE_COMPLAINT_RATIO=0.2)
    campaign = await stack.campaign()
    template = await stack.template(campaign.venture_id)
    jobs = []
    for i in range(5):
        lead = await stack.capture(campaign, f"arf{i}@example.org")
        jobs.append((await stack.create_send(campaign, lead.lead_id, template.id)).send)
    complaint = dpb.DELIVERY_EVENT_KIND_COMPLAINT

    async def current() -> dpb.Template:
        return (await stack.dist.GetTemplate(dpb.GetTemplateRequest(template_id=template.id),
                                             metadata=stack.md)).template

    await record(stack, event("arf-0", complaint, send_id=jobs[0].id, feedback_type="abuse"))
    assert not (await current()).held  # 1 in 5 is 20%: not above the threshold
    await record(stack, event("arf-1", complaint, send_id=jobs[1].id, feedback_type="abuse"))
    held = await current()
    assert held.held and held.HasField("hold_time")
    assert held.hold_reason == "2 complaints in the last 5 deliveries (40.0% > 20.0%)"
    late = await stack.capture(campaign, "late@example.org")
    stopped = (await stack.create_send(campaign, late.lead_id, template.id)).send
    assert stopped.state == dpb.SEND_STATE_BLOCKED and stopped.transient
    assert list(stopped.block_reasons) == [dpb.BLOCK_REASON_TEMPLATE_HELD]
    assert not stack.inbox.to("late@example.org")

    with pytest.raises(grpc.aio.AioRpcError) as no_reason:
        await stack.dist.ReleaseTemplate(dpb.ReleaseTemplateRequest(template_id=template.id),
                                         metadata=stack.md)
    assert no_reason.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "reason" in no_reason.value.details()
    released = (await stack.dist.ReleaseTemplate(dpb.ReleaseTemplateRequest(
        template_id=template.id, reason="copy reworded"), metadata=stack.md)).template
    assert not released.held and not released.hold_reason
    after = await stack.capture(campaign, "after@example.org")
    assert (await stack.create_send(campaign, after.lead_id, template.id)).send.state \
        == dpb.SEND_STATE_SENT
    # A late complaint about a message from before the release does not hold it again.
    await record(stack, event("arf-2", complaint, send_id=jobs[2].id))
    assert not (await current()).held
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stack.dist.ReleaseTemplate(dpb.ReleaseTemplateRequest(
            template_id="00000000-0000-0000-0000-000000000000", reason="x"), metadata=stack.md)
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND


async def test_a_hard_bounce_stops_later_mail_to_that_address_through_leads(stack):
    await stack.start_distribution()
    campaign, lead, template, job = await sent_send(stack, "gone@example.org")
    complainer = await stack.capture(campaign, "angry@example.org")
    complained = (await stack.create_send(campaign, complainer.lead_id, template.id)).send

    results = await record(
        stack, event("dsn-gone", send_id=job.id, status_code="5.1.1",
                     recipient="gone@example.org"),
        event("arf-angry", dpb.DELIVERY_EVENT_KIND_COMPLAINT, send_id=complained.id,
              feedback_type="abuse"))
    assert [r.outcome for r in results] == [dpb.DELIVERY_EVENT_OUTCOME_RECORDED] * 2

    async def applied() -> bool:  # the relay carried both to leads
        return await stack.dist_server.feedback_relay.pending_count() == 0

    await wait_for(applied, what="the feedback delivered to leads")
    bounced = await stack.leads.CheckContactability(lpb.CheckContactabilityRequest(
        lead_id=lead.lead_id, channel=EMAIL), metadata=stack.md)
    assert not bounced.allowed
    assert list(bounced.reasons) == [lpb.CONTACTABILITY_REASON_SUPPRESSED]
    angry = (await stack.leads.GetLead(lpb.GetLeadRequest(lead_id=complainer.lead_id),
                                       metadata=stack.md)).lead
    assert angry.consent_status == lpb.CONSENT_STATUS_DNC

    follow_ups = [(await stack.create_send(campaign, who, template.id, step=2)).send
                  for who in (lead.lead_id, complainer.lead_id)]
    assert [s.state for s in follow_ups] == [dpb.SEND_STATE_SUPPRESSED] * 2
    assert len(stack.inbox.to("gone@example.org")) == 1  # the first message only
    feedback = (await stack.leads.ListFeedback(lpb.ListFeedbackRequest(
        campaign_id=campaign.id), metadata=stack.md)).items
    assert sorted((item.feedback_id, item.kind) for item in feedback) == [
        ("arf-angry", lpb.FEEDBACK_KIND_COMPLAINT), ("dsn-gone", lpb.FEEDBACK_KIND_BOUNCE_HARD)]


async def test_a_recorded_bounce_stops_the_next_send_before_leads_has_heard_of_it(stack):
    await stack.start_distribution()
    campaign, lead, template, job = await sent_send(stack, "soon-gone@example.org")
    await stack.dist_server.feedback_relay.stop()  # leads will not hear of it in this test
    others = [await stack.capture(campaign, f"fine{i}@example.org") for i in range(2)]
    await record(stack, event("dsn-soon", send_id=job.id, status_code="5.1.1"))
    assert (await stack.leads.CheckContactability(lpb.CheckContactabilityRequest(
        lead_id=lead.lead_id, channel=EMAIL), metadata=stack.md)).allowed

    single = (await stack.create_send(campaign, lead.lead_id, template.id, step=2)).send
    assert single.state == dpb.SEND_STATE_SUPPRESSED
    assert list(single.block_reasons) == [dpb.BLOCK_REASON_LEAD_SUPPRESSED]
    # A campaign run (the batch path) and both dry runs say the same.
    preview = await stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
        campaign_id=campaign.id, template_id=template.id, step=3), metadata=stack.md)
    blocked = {r.lead_id for r in preview.recipients if not r.would_send}
    assert blocked == {lead.lead_id}
    run = await stack.run(campaign, template, step=3)
    done = await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED)
    states = {s.lead_id: s.state for s in await stack.sends(run_id=done.id)}
    assert states[lead.lead_id] == dpb.SEND_STATE_SUPPRESSED
    assert all(states[o.lead_id] == dpb.SEND_STATE_SENT for o in others)
    assert len(stack.inbox.to("soon-gone@example.org")) == 1


async def test_a_reply_stops_the_rest_of_its_campaign_for_that_person_only(stack):
    await stack.start_distribution()
    campaign, lead, template, job = await sent_send(stack, "keen@example.org")
    other_campaign = await stack.campaign(campaign.venture_id)
    await record(stack, event("reply-keen", REPLY, send_id=job.id, reply_text="Tell me more"),
                 event("ooo-keen", dpb.DELIVERY_EVENT_KIND_AUTO_REPLY, send_id=job.id))

    follow_up = (await stack.create_send(campaign, lead.lead_id, template.id, step=2)).send
    assert follow_up.state == dpb.SEND_STATE_SUPPRESSED
    assert list(follow_up.block_reasons) == [dpb.BLOCK_REASON_LEAD_REPLIED]
    elsewhere = (await stack.create_send(other_campaign, lead.lead_id, template.id)).send
    assert elsewhere.state == dpb.SEND_STATE_SENT  # another campaign is another conversation

    away = await stack.capture(campaign, "away@example.org")
    first = (await stack.create_send(campaign, away.lead_id, template.id)).send
    await record(stack, event("ooo-away", dpb.DELIVERY_EVENT_KIND_AUTO_REPLY, send_id=first.id))
    again = (await stack.create_send(campaign, away.lead_id, template.id, step=2)).send
    assert again.state == dpb.SEND_STATE_SENT  # an out-of-office is not a reply
