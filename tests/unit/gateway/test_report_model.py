"""The campaign report's numbers for a known scenario, computed without any service."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo.leads.v1 import leads_pb2
from aicmo.venture.v1 import venture_pb2
from aicmo_gateway.reports.model import build_report
from aicmo_gateway.reports.render import render_html


def stamp(text: str) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(datetime.fromisoformat(text))
    return value


def lead(lead_id, consent, source, utm_source="", last_source=None, value=0):
    first = leads_pb2.Touch(source_channel=source, utm=leads_pb2.UtmParameters(
        source=utm_source))
    last = leads_pb2.Touch(source_channel=last_source or source)
    message = leads_pb2.Lead(lead_id=lead_id, consent_status=consent, first_touch=first,
                             last_touch=last, state=leads_pb2.LEAD_STATE_ACTIVE)
    if value:
        message.value_estimate.CopyFrom(leads_pb2.ValueEstimate(currency_code="EUR",
                                                                amount_minor=value))
    return message


def send(send_id, lead_id, state, *reasons, sent=None, created="2026-03-02T10:00:00+00:00",
         dry_run=False):
    job = dist_pb2.SendJob(id=send_id, lead_id=lead_id, state=state, block_reasons=reasons,
                           create_time=stamp(created), update_time=stamp(created),
                           dry_run=dry_run)
    if sent:
        job.sent_time.CopyFrom(stamp(sent))
    return job


CONSENTED = leads_pb2.CONSENT_STATUS_CONSENTED
UNKNOWN = leads_pb2.CONSENT_STATUS_UNKNOWN
DNC = leads_pb2.CONSENT_STATUS_DNC


def scenario():
    campaign = venture_pb2.Campaign(id="c1", venture_id="v1", name="Spring", daily_send_limit=2,
                                    status=venture_pb2.CAMPAIGN_STATUS_RUNNING)
    venture = venture_pb2.Venture(id="v1", name="Acme", timezone="Europe/Berlin")
    leads = [lead("l1", CONSENTED, "web_form", "newsletter", value=50000),
             lead("l2", CONSENTED, "web_form", "newsletter", last_source="import"),
             lead("l3", UNKNOWN, "import", value=20000),
             lead("l4", DNC, "import"),
             lead("l5", UNKNOWN, "cli")]
    sends = [
        # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: counted on the 2nd.
        send("s1", "l1", dist_pb2.SEND_STATE_SENT, sent="2026-03-01T23:30:00+00:00"),
        send("s2", "l2", dist_pb2.SEND_STATE_SENT, sent="2026-03-02T09:00:00+00:00"),
        send("s3", "l3", dist_pb2.SEND_STATE_DEFERRED, dist_pb2.BLOCK_REASON_DAILY_LIMIT_REACHED),
        send("s4", "l4", dist_pb2.SEND_STATE_SUPPRESSED, dist_pb2.BLOCK_REASON_LEAD_DNC),
        send("s5", "l5", dist_pb2.SEND_STATE_BLOCKED, dist_pb2.BLOCK_REASON_CAMPAIGN_KILL_SWITCH),
        send("s6", "l5", dist_pb2.SEND_STATE_FAILED, dist_pb2.BLOCK_REASON_DELIVERY_FAILED),
        send("d1", "l3", dist_pb2.SEND_STATE_DRY_RUN, dry_run=True),
    ]
    verdicts = [
        venture_pb2.Verdict(decision=venture_pb2.DECISION_ALLOW),
        venture_pb2.Verdict(decision=venture_pb2.DECISION_ALLOW),
        venture_pb2.Verdict(decision=venture_pb2.DECISION_DENY, deny_reasons=[
            venture_pb2.DENY_REASON_DAILY_LIMIT_REACHED]),
        venture_pb2.Verdict(decision=venture_pb2.DECISION_DENY, deny_reasons=[
            venture_pb2.DENY_REASON_CAMPAIGN_KILL_SWITCH,
            venture_pb2.DENY_REASON_DAILY_LIMIT_REACHED]),
    ]
    return build_report(campaign=campaign, venture=venture, leads=leads,
                        contactable_ids={"l1", "l2", "l3", "l5"}, sends=sends,
                        verdicts=verdicts, chain={"valid": True, "entries_checked": 12,
                                                  "checkpoints_checked": 1, "head_hash": "ab"},
                        now=datetime(2026, 3, 3, tzinfo=UTC))


def test_funnel_counts_each_stage_once():
    funnel = scenario().funnel
    assert (funnel.captured, funnel.consented, funnel.dnc, funnel.contactable) == (5, 2, 1, 4)
    assert (funnel.sends, funnel.sent, funnel.deferred, funnel.suppressed, funnel.blocked,
            funnel.failed, funnel.dry_run) == (6, 2, 1, 1, 1, 1, 1)
    assert funnel.blocked_by_reason == {"lead_dnc": 1, "campaign_kill_switch": 1}


def test_attribution_by_first_and_last_touch():
    report = scenario()
    rows = {row.key: (row.first_touch, row.last_touch, row.consented, row.reached)
            for row in report.by_channel}
    assert rows == {"web_form": (2, 1, 2, 2), "import": (2, 3, 0, 0), "cli": (1, 1, 0, 0)}
    utm = {row.key: row.first_touch for row in report.by_utm}
    assert utm == {"newsletter": 2, "(no UTM tags)": 3}


def test_sends_per_day_in_the_venture_timezone_against_the_limit():
    days = scenario().per_day
    assert [(d.day, d.sent, d.not_delivered, d.limit, d.at_limit) for d in days] == [
        ("2026-03-02", 2, 3, 2, True)]


def test_verdicts_roi_and_insights():
    report = scenario()
    assert report.verdicts == {"allow": 2, "deny": 2}
    assert report.deny_reasons == {"daily_limit_reached": 2, "campaign_kill_switch": 1}
    assert report.roi["pipeline_value"] == {"EUR": 700.0}
    assert report.roi["reached_value"] == {"EUR": 500.0}
    assert report.roi["value_per_send"] == {"EUR": 250.0}
    text = " ".join(report.insights)
    assert "web_form" in text and "2026-03-02" in text
    assert "Not sent to 1 person: the campaign's kill switch was on." in text
    assert "campaign_kill_switch" not in text  # reasons are said in words, not codes


def test_html_is_self_contained_and_carries_the_numbers():
    html = render_html(scenario())
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert 'data-stage="captured">5<' in html and 'data-stage="sent">2<' in html
    assert "verified" in html


def people_scenario(sends, leads=None):
    campaign = venture_pb2.Campaign(id="c1", venture_id="v1", name="Spring", daily_send_limit=9)
    venture = venture_pb2.Venture(id="v1", name="Acme", timezone="UTC")
    return build_report(campaign=campaign, venture=venture, leads=leads or [],
                        contactable_ids=set(), sends=sends, verdicts=[],
                        chain={"valid": True}, now=datetime(2026, 3, 3, tzinfo=UTC))


def test_people_are_counted_once_and_merged_duplicates_not_at_all():
    ada = lead("l1", CONSENTED, "web_form", "newsletter")
    ada.touch_count = 2  # the form, then the same person again by API
    duplicate = lead("l9", CONSENTED, "api", "webinar")
    duplicate.state = leads_pb2.LEAD_STATE_MERGED
    duplicate.merged_into_lead_id = "l1"
    report = people_scenario([], [ada, duplicate, lead("l2", DNC, "api", "ads")])
    assert (report.funnel.captured, report.funnel.submissions, report.funnel.consented) == (
        2, 3, 1)
    assert {row.key for row in report.by_utm if row.first_touch} == {"newsletter", "ads"}
    assert report.insights[0].startswith(
        "2 people captured (3 submissions: 1 matched someone already known); 1 consented (50%)")


def test_a_person_stopped_in_several_runs_is_one_person_and_dnc_is_said_once():
    SUPPRESSED, BLOCKED = dist_pb2.SEND_STATE_SUPPRESSED, dist_pb2.SEND_STATE_BLOCKED
    both = (dist_pb2.BLOCK_REASON_LEAD_DNC, dist_pb2.BLOCK_REASON_LEAD_SUPPRESSED)
    report = people_scenario([
        send("s1", "dnc", SUPPRESSED, *both), send("s2", "dnc", SUPPRESSED, *both),
        send("s3", "listed", SUPPRESSED, dist_pb2.BLOCK_REASON_LEAD_SUPPRESSED),
        send("s4", "a", BLOCKED, dist_pb2.BLOCK_REASON_CAMPAIGN_KILL_SWITCH),
        send("s5", "b", BLOCKED, dist_pb2.BLOCK_REASON_CAMPAIGN_KILL_SWITCH),
        send("s6", "a", BLOCKED, dist_pb2.BLOCK_REASON_CAMPAIGN_KILL_SWITCH),
        send("s7", "c", BLOCKED, dist_pb2.BLOCK_REASON_DAILY_LIMIT_REACHED, dry_run=True),
    ])
    assert report.funnel.blocked_by_reason == {
        "campaign_kill_switch": 2, "lead_dnc": 1, "lead_suppressed": 1}
    assert report.funnel.suppressed == 3 and report.funnel.blocked == 3  # sends, not people
    assert "Not sent to 2 people: the campaign's kill switch was on." in report.insights
    assert "Not sent to 1 person: opted out (do not contact)." in report.insights
    assert "Not sent to 1 person: on the suppression list." in report.insights


def test_a_tie_is_said_as_a_tie():
    leads = [lead("l1", CONSENTED, "web_form", "ads"), lead("l2", UNKNOWN, "api", "ads"),
             lead("l3", CONSENTED, "api", "newsletter"), lead("l4", UNKNOWN, "api", "newsletter"),
             lead("l5", UNKNOWN, "api", "linkedin")]
    report = people_scenario([], leads)
    assert ("Top UTM sources, tied: ads and newsletter brought 2 people first each."
            in report.insights)
    assert ("Worked: people first seen via web_form (1 of 1) consented most."
            in report.insights)
    alone = people_scenario([], leads[:3])
    assert "Top UTM source: ads brought 2 people first." in alone.insights


def test_empty_sections_are_left_out_of_the_page():
    html = render_html(people_scenario([], [lead("l1", UNKNOWN, "api")]))
    for section in ("Not sent, by reason", "Attribution by UTM", "Sends per day",
                    "Safety verdicts", "ROI proxy", 'data-stage="unknown_outcome"'):
        assert section not in html
    full = render_html(scenario())
    for section in ("Not sent, by reason", "Sends per day", "Safety verdicts", "ROI proxy"):
        assert section in full
    assert "the daily limit was reached" in full  # a deny reason, in words


def recorded(send_id, kind):
    return dist_pb2.RecordedDeliveryEvent(send_id=send_id, event=dist_pb2.DeliveryEvent(
        event_id=f"{send_id}-{kind}", kind=kind))


def test_what_came_back_counts_each_send_once_per_kind_with_rates_and_reasons():
    K = dist_pb2
    sends = [send(f"s{i}", f"l{i}", dist_pb2.SEND_STATE_SENT, sent="2026-03-02T09:00:00+00:00")
             for i in range(200)]
    events = [recorded("s0", K.DELIVERY_EVENT_KIND_COMPLAINT),
              recorded("s0", K.DELIVERY_EVENT_KIND_COMPLAINT),  # the same send again
              recorded("s1", K.DELIVERY_EVENT_KIND_BOUNCE_HARD),
              recorded("s2", K.DELIVERY_EVENT_KIND_REPLY),
              recorded("s3", K.DELIVERY_EVENT_KIND_AUTO_REPLY),
              recorded("s4", K.DELIVERY_EVENT_KIND_UNSUBSCRIBE),
              recorded("s5", K.DELIVERY_EVENT_KIND_DELIVERED)]
    feedback = [leads_pb2.FeedbackItem(classification=leads_pb2.Classification(
                    objection=leads_pb2.OBJECTION_PRICE)),
                leads_pb2.FeedbackItem(unsubscribe_reason=leads_pb2.UNSUBSCRIBE_REASON_TOO_FREQUENT)]
    campaign = venture_pb2.Campaign(id="c1", venture_id="v1", name="Spring")
    report = build_report(campaign=campaign, venture=venture_pb2.Venture(id="v1"), leads=[],
                          contactable_ids=set(), sends=sends, verdicts=[],
                          chain={"valid": True}, events=events, feedback=feedback,
                          now=datetime(2026, 3, 3, tzinfo=UTC))
    figures = report.feedback
    assert (figures.delivered, figures.complaints, figures.bounced_hard, figures.replies,
            figures.auto_replies, figures.unsubscribes) == (200, 1, 1, 1, 1, 1)
    assert figures.objections == {"price": 1}
    assert figures.unsubscribe_reasons == {"too_frequent": 1}
    assert ("Complaints: 1 of 200 delivered (0.5%), above the 0.3% mail providers tolerate."
            in report.insights)
    assert ("Replies: 1 (0.5% of delivered); most often: price 1; 1 automatic answer(s) not "
            "counted." in report.insights)
    assert "Unsubscribes: 1; reasons given: too frequent 1." in report.insights
    html = render_html(report)
    assert 'data-feedback="complaints">1<' in html and "why people unsubscribed" in html
    assert "What came back" not in render_html(scenario())
