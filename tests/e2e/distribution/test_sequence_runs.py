"""Sequences running for real: the worker queues each due step as a send keyed
(campaign, lead, step) through the one send path, waits counted in the venture's business
days on the stack's moved clock, a human reply stops the lead's sequence at once, and a
paused campaign holds its due steps until it resumes. Messages arrive over real SMTP."""

from __future__ import annotations

import datetime as dt
import hashlib

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import sequences_pb2 as spb
from aicmo.venture.v1 import venture_pb2 as vpb
from tests.support.stack import EMAIL
from tests.support.waiting import wait_for

LEADS = 12
FRIDAY = dt.datetime(2026, 12, 11, 10, 0, tzinfo=dt.UTC)


def _at(stack, moment: dt.datetime) -> None:
    stack.clock.offset = moment - dt.datetime.now(dt.UTC)


async def _tick(stack) -> None:
    await stack.dist_server.distribution_worker.tick()


def _per_lead_step(stack) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for received in stack.inbox.messages:
        key = (received.recipients[0], received.message["Subject"])
        counts[key] = counts.get(key, 0) + 1
    return counts


async def _statuses(stack, campaign_id: str) -> dict[str, spb.Enrollment]:
    page = await stack.dist.ListEnrollments(spb.ListEnrollmentsRequest(
        campaign_id=campaign_id, page_size=500), metadata=stack.md)
    return {e.lead_id: e for e in page.enrollments}


async def test_three_steps_in_business_days_a_reply_stops_and_a_pause_holds(stack):
    _at(stack, FRIDAY)
    await stack.start_distribution()
    campaign = await stack.campaign()
    templates = []
    for subject in ("first", "second", "third"):
        templates.append((await stack.dist.CreateTemplate(dpb.CreateTemplateRequest(
            template=dpb.Template(venture_id=campaign.venture_id, name=subject,
                                  channel=EMAIL, message=dpb.Message(
                                      subject=subject, body_text="Hello {{ lead.first_name }}"
                                  ))), metadata=stack.md)).template)
    steps = [spb.SequenceStep(key=f"s{n}", channel=EMAIL,
                              variants=[spb.TemplateVariant(template_id=t.id)],
                              wait=spb.Wait(business_days=0 if n == 1 else 2))
             for n, t in enumerate(templates, start=1)]
    await stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="run-seq", sequence=spb.Sequence(campaign_id=campaign.id, name="Nurture",
                                                    steps=steps)), metadata=stack.md)
    leads = await stack.capture_many(campaign, LEADS)
    enrolled = await stack.dist.EnrollLeads(spb.EnrollLeadsRequest(campaign_id=campaign.id),
                                            metadata=stack.md)
    assert (enrolled.enrolled, enrolled.already_enrolled) == (LEADS, 0)
    again = await stack.dist.EnrollLeads(spb.EnrollLeadsRequest(
        campaign_id=campaign.id, lead_ids=list(leads)), metadata=stack.md)
    assert (again.enrolled, again.already_enrolled) == (0, LEADS)

    # Friday: step 1 to everyone, once.
    await _tick(stack)
    await wait_for(lambda: len(stack.inbox.messages) == LEADS, what="step 1 delivered")
    await wait_for(lambda: _all(stack, campaign.id, "WAITING", step=2),
                   what="every lead waits for step 2")
    states = await _statuses(stack, campaign.id)
    assert {e.wait_until.ToDatetime(tzinfo=dt.UTC).date() for e in states.values()} == {
        dt.date(2026, 12, 15)}  # Friday + 2 business days: Tuesday

    # One lead answers by hand: its sequence stops at once.
    replier = next(iter(leads))
    first_send = states[replier].send_id
    recorded = await stack.dist.RecordDeliveryEvents(dpb.RecordDeliveryEventsRequest(events=[
        dpb.DeliveryEvent(event_id="reply-1", kind=dpb.DELIVERY_EVENT_KIND_REPLY,
                          source=dpb.DELIVERY_EVENT_SOURCE_INBOUND_SMTP, send_id=first_send,
                          evidence_sha256=hashlib.sha256(b"reply-1").hexdigest())]),
        metadata=stack.md)
    assert recorded.results[0].outcome == dpb.DELIVERY_EVENT_OUTCOME_RECORDED
    stopped = (await _statuses(stack, campaign.id))[replier]
    assert stopped.state == spb.ENROLLMENT_STATE_STOPPED
    assert stopped.stop_reason == spb.STOP_REASON_REPLIED

    # Monday: nothing is due yet.
    _at(stack, FRIDAY + dt.timedelta(days=3))
    await _tick(stack)
    assert len(stack.inbox.messages) == LEADS

    # Tuesday: step 2 to everyone but the lead who replied.
    _at(stack, FRIDAY + dt.timedelta(days=4))
    await _tick(stack)
    await wait_for(lambda: len(stack.inbox.messages) == 2 * LEADS - 1, what="step 2")
    await wait_for(lambda: _all(stack, campaign.id, "WAITING", step=3, but=replier),
                   what="every lead but one waits for step 3")

    # Paused over Thursday, when step 3 is due: held, not sent, not dropped.
    await stack.venture.PauseCampaign(vpb.PauseCampaignRequest(
        campaign_id=campaign.id, reason="review"), metadata=stack.md)
    _at(stack, FRIDAY + dt.timedelta(days=6))
    await _tick(stack)
    await _tick(stack)
    assert len(stack.inbox.messages) == 2 * LEADS - 1
    assert _all_now(await _statuses(stack, campaign.id), "WAITING", step=3, but=replier)

    await stack.venture.ResumeCampaign(vpb.ResumeCampaignRequest(
        campaign_id=campaign.id, reason="ok"), metadata=stack.md)
    _at(stack, FRIDAY + dt.timedelta(days=6, minutes=2))
    await _tick(stack)
    await wait_for(lambda: len(stack.inbox.messages) == 3 * LEADS - 2, what="step 3")
    await wait_for(lambda: _all(stack, campaign.id, "FINISHED", but=replier),
                   what="everyone but the replier finished")

    counts = _per_lead_step(stack)
    for address in leads.values():
        expected = {"first": 1} if address == leads[replier] else {
            "first": 1, "second": 1, "third": 1}
        assert {s: counts.get((address, s), 0) for s in expected} == expected
    assert all(value == 1 for value in counts.values())

    status = await stack.dist.GetSequenceStatus(spb.GetSequenceStatusRequest(
        campaign_id=campaign.id), metadata=stack.md)
    assert [s.sent for s in status.steps] == [LEADS, LEADS - 1, LEADS - 1]
    assert status.steps[0].replied == 1
    assert dict(status.states) == {"FINISHED": LEADS - 1, "STOPPED": 1}
    assert dict(status.stopped) == {"REPLIED": 1}


async def _all(stack, campaign_id: str, state: str, *, step: int = 0, but: str = "") -> bool:
    return _all_now(await _statuses(stack, campaign_id), state, step=step, but=but)


def _all_now(states: dict[str, spb.Enrollment], state: str, *, step: int = 0,
             but: str = "") -> bool:
    wanted = spb.EnrollmentState.Value("ENROLLMENT_STATE_" + state)
    return all(e.state == wanted and (not step or e.step == step)
               for lead, e in states.items() if lead != but)
