"""The numbers of a campaign report, computed from what the services return.

Pure functions over the services' messages (no calls, no I/O), so a known scenario can be
checked number by number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo.leads.v1 import leads_pb2
from aicmo.venture.v1 import venture_pb2

#: What a block or deny reason means, in the words of the report. Deny reasons share the
#: names of the block reasons they become.
REASON_TEXT = {
    "lead_dnc": "opted out (do not contact)",
    "lead_suppressed": "on the suppression list",
    "lead_erased": "erased at their request",
    "lead_no_address": "no address for the channel",
    "lead_consent_required": "no consent, and the campaign requires it",
    "lead_merged": "merged into another lead",
    "lead_not_found": "lead not found",
    "lead_venture_mismatch": "lead belongs to another venture",
    "campaign_not_running": "the campaign was not running",
    "campaign_kill_switch": "the campaign's kill switch was on",
    "venture_kill_switch": "the venture's kill switch was on",
    "global_kill_switch": "the global kill switch was on",
    "venture_inactive": "the venture was not active",
    "channel_not_allowed": "the channel is not allowed for the campaign",
    "daily_limit_reached": "the daily limit was reached",
    "outside_send_window": "outside the send window",
    "campaign_not_found": "campaign not found",
    "dependency_unavailable": "a service was unavailable",
    "dependency_timeout": "a service did not answer in time",
    "dependency_error": "a service answered with an error",
    "template_render_failed": "the template could not be rendered",
    "channel_unavailable": "the channel was unavailable",
    "delivery_rejected": "the receiving server rejected the message",
    "delivery_failed": "delivery failed",
    "retries_exhausted": "delivery kept failing until the retries ran out",
    "run_cancelled": "the run was cancelled",
    "delivery_outcome_unknown": "the delivery's outcome is unknown",
    "template_held": "the template was held back for its complaints or unsubscribes",
    "lead_replied": "they answered the campaign (a person takes it from there)",
}


def reason_text(reason: str) -> str:
    """The readable form of a reason word such as ``lead_dnc``."""
    return REASON_TEXT.get(reason, reason.replace("_", " "))


def _people_by_reason(sends: list[dist_pb2.SendJob]) -> dict[str, int]:
    """How many people each reason kept from a message, each person once per reason.

    A person on the do-not-contact list is on the suppression list too, and a send says
    both; the report says it once, as the opt-out.
    """
    reasons_of: dict[str, set[str]] = defaultdict(set)
    for job in sends:
        if job.dry_run or job.state not in (dist_pb2.SEND_STATE_SUPPRESSED,
                                            dist_pb2.SEND_STATE_BLOCKED):
            continue
        reasons_of[job.lead_id].update(_word(dist_pb2.BlockReason, "BLOCK_REASON_", r)
                                       for r in job.block_reasons)
    people: Counter[str] = Counter()
    for reasons in reasons_of.values():
        if "lead_dnc" in reasons:
            reasons.discard("lead_suppressed")
        people.update(reasons)
    return dict(sorted(people.items(), key=lambda item: (-item[1], item[0])))


def _word(enum, prefix: str, value: int) -> str:
    try:
        return enum.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return str(value)


@dataclass
class Funnel:
    """From captured to sent: each stage and what fell out of it.

    ``captured`` counts people (leads not merged into another), ``submissions`` every capture
    of them (a person who filled in the form and was imported again is one person, two
    submissions). ``blocked_by_reason`` counts people, each once per reason however many sends
    of theirs it stopped; the send states count sends.
    """

    captured: int = 0
    submissions: int = 0
    consented: int = 0
    dnc: int = 0
    contactable: int = 0
    sends: int = 0
    sent: int = 0
    suppressed: int = 0
    blocked: int = 0
    blocked_by_reason: dict[str, int] = field(default_factory=dict)
    deferred: int = 0
    failed: int = 0
    unknown_outcome: int = 0
    pending: int = 0
    dry_run: int = 0


@dataclass
class FeedbackFigures:
    """What came back from the people a campaign reached: delivery events (sends, each kind
    once per send) and the reasons people gave."""

    delivered: int = 0
    bounced_hard: int = 0
    bounced_soft: int = 0
    complaints: int = 0
    replies: int = 0
    auto_replies: int = 0
    unsubscribes: int = 0
    unsubscribe_reasons: dict[str, int] = field(default_factory=dict)
    objections: dict[str, int] = field(default_factory=dict)

    def rate(self, count: int) -> float:
        """``count`` as a share of the messages delivered (0 when none were)."""
        return count / self.delivered if self.delivered else 0.0

    @property
    def any(self) -> bool:
        return bool(self.bounced_hard or self.bounced_soft or self.complaints or self.replies
                    or self.auto_replies or self.unsubscribes)


@dataclass
class AttributionRow:
    """Leads attributed to one source (channel or UTM tags) by first and by last touch."""

    key: str
    first_touch: int = 0
    last_touch: int = 0
    consented: int = 0
    reached: int = 0  # leads of this first-touch source that were sent a message


@dataclass
class DayRow:
    """One day in the venture's timezone: what was sent against the limit."""

    day: str
    sent: int = 0
    not_delivered: int = 0
    limit: int = 0

    @property
    def at_limit(self) -> bool:
        return self.limit > 0 and self.sent >= self.limit


@dataclass
class CampaignReport:
    """Everything the report shows."""

    campaign: dict[str, object]
    generated_at: str
    funnel: Funnel
    by_channel: list[AttributionRow]
    by_utm: list[AttributionRow]
    per_day: list[DayRow]
    verdicts: dict[str, int]
    deny_reasons: dict[str, int]
    audit: dict[str, object]
    roi: dict[str, object]
    insights: list[str]
    feedback: FeedbackFigures = field(default_factory=FeedbackFigures)


def venture_zone(venture: venture_pb2.Venture) -> ZoneInfo:
    try:
        return ZoneInfo(venture.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_day(stamp, zone: ZoneInfo) -> str:
    moment = stamp.ToDatetime().replace(tzinfo=UTC).astimezone(zone)
    return moment.date().isoformat()


NO_UTM = "(no UTM tags)"


def _utm_key(touch: leads_pb2.Touch) -> str:
    utm = touch.utm
    if not (utm.source or utm.medium or utm.campaign):
        return NO_UTM
    if not (utm.medium or utm.campaign):
        return utm.source
    return " / ".join(part or "-" for part in (utm.source, utm.medium, utm.campaign))


_EVENT_FIELDS = {
    dist_pb2.DELIVERY_EVENT_KIND_BOUNCE_HARD: "bounced_hard",
    dist_pb2.DELIVERY_EVENT_KIND_BOUNCE_SOFT: "bounced_soft",
    dist_pb2.DELIVERY_EVENT_KIND_COMPLAINT: "complaints",
    dist_pb2.DELIVERY_EVENT_KIND_REPLY: "replies",
    dist_pb2.DELIVERY_EVENT_KIND_AUTO_REPLY: "auto_replies",
    dist_pb2.DELIVERY_EVENT_KIND_UNSUBSCRIBE: "unsubscribes",
}


def feedback_figures(sent: int, events: list[dist_pb2.RecordedDeliveryEvent],
                     feedback: list[leads_pb2.FeedbackItem]) -> FeedbackFigures:
    """The feedback figures of a campaign that delivered ``sent`` messages."""
    figures = FeedbackFigures(delivered=sent)
    seen: set[tuple[str, int]] = set()
    for recorded in events:
        name = _EVENT_FIELDS.get(recorded.event.kind)
        if name is None or (recorded.send_id, recorded.event.kind) in seen:
            continue
        seen.add((recorded.send_id, recorded.event.kind))
        setattr(figures, name, getattr(figures, name) + 1)
    reasons: Counter[str] = Counter()
    objections: Counter[str] = Counter()
    for item in feedback:
        if item.unsubscribe_reason:
            reasons[_word(leads_pb2.UnsubscribeReason, "UNSUBSCRIBE_REASON_",
                          item.unsubscribe_reason)] += 1
        if item.classification.objection:
            objections[_word(leads_pb2.Objection, "OBJECTION_",
                             item.classification.objection)] += 1
    figures.unsubscribe_reasons = dict(reasons.most_common())
    figures.objections = dict(objections.most_common())
    return figures


def report_of(facts, now: datetime | None = None) -> CampaignReport:
    """The report of a campaign's collected facts (``reports.collect.CampaignFacts``)."""
    return build_report(campaign=facts.campaign, venture=facts.venture, leads=facts.leads,
                        contactable_ids=facts.contactable_ids, sends=facts.sends,
                        verdicts=facts.verdicts, chain=facts.chain, events=facts.events,
                        feedback=facts.feedback, now=now)


def build_report(*, campaign: venture_pb2.Campaign, venture: venture_pb2.Venture,
                 leads: list[leads_pb2.Lead], contactable_ids: set[str],
                 sends: list[dist_pb2.SendJob], verdicts: list[venture_pb2.Verdict],
                 chain: dict[str, object], now: datetime | None = None,
                 events: list[dist_pb2.RecordedDeliveryEvent] | None = None,
                 feedback: list[leads_pb2.FeedbackItem] | None = None) -> CampaignReport:
    """Computes the report of one campaign from its leads, sends, verdicts and the audit
    chain's verification result."""
    zone = venture_zone(venture)
    real_sends = [s for s in sends if not s.dry_run]
    # A merged lead is a duplicate of a person already counted: its touches moved there.
    leads = [lead for lead in leads if lead.state != leads_pb2.LEAD_STATE_MERGED]
    funnel = Funnel(captured=len(leads), sends=len(real_sends),
                    submissions=sum(max(lead.touch_count, 1) for lead in leads))
    funnel.consented = sum(1 for lead in leads
                           if lead.consent_status == leads_pb2.CONSENT_STATUS_CONSENTED)
    funnel.dnc = sum(1 for lead in leads if lead.consent_status == leads_pb2.CONSENT_STATUS_DNC)
    funnel.contactable = sum(1 for lead in leads if lead.lead_id in contactable_ids)
    reached: set[str] = set()
    for job in sends:
        if job.dry_run:
            funnel.dry_run += 1
            continue
        state = job.state
        if state == dist_pb2.SEND_STATE_SENT:
            funnel.sent += 1
            reached.add(job.lead_id)
        elif state == dist_pb2.SEND_STATE_SUPPRESSED:
            funnel.suppressed += 1
        elif state == dist_pb2.SEND_STATE_BLOCKED:
            funnel.blocked += 1
        elif state == dist_pb2.SEND_STATE_DEFERRED:
            funnel.deferred += 1
        elif state == dist_pb2.SEND_STATE_FAILED:
            funnel.failed += 1
        elif state == dist_pb2.SEND_STATE_UNKNOWN_OUTCOME:
            funnel.unknown_outcome += 1
        else:
            funnel.pending += 1
    funnel.blocked_by_reason = _people_by_reason(sends)

    by_channel: dict[str, AttributionRow] = {}
    by_utm: dict[str, AttributionRow] = {}
    for lead in leads:
        for table, key_of in ((by_channel, lambda t: t.source_channel or "(unknown)"),
                              (by_utm, _utm_key)):
            if lead.HasField("first_touch"):
                row = table.setdefault(key_of(lead.first_touch),
                                       AttributionRow(key_of(lead.first_touch)))
                row.first_touch += 1
                row.consented += lead.consent_status == leads_pb2.CONSENT_STATUS_CONSENTED
                row.reached += lead.lead_id in reached
            if lead.HasField("last_touch"):
                key = key_of(lead.last_touch)
                table.setdefault(key, AttributionRow(key)).last_touch += 1

    days: dict[str, DayRow] = {}
    for job in real_sends:
        if job.state == dist_pb2.SEND_STATE_SENT:
            stamp = job.sent_time if job.HasField("sent_time") else job.update_time
            day = _local_day(stamp, zone)
            days.setdefault(day, DayRow(day, limit=campaign.daily_send_limit)).sent += 1
        elif job.state in (dist_pb2.SEND_STATE_BLOCKED, dist_pb2.SEND_STATE_SUPPRESSED,
                           dist_pb2.SEND_STATE_FAILED):
            day = _local_day(job.create_time, zone)
            days.setdefault(day, DayRow(day, limit=campaign.daily_send_limit)
                            ).not_delivered += 1

    decisions: Counter[str] = Counter()
    deny: Counter[str] = Counter()
    for verdict in verdicts:
        decisions[_word(venture_pb2.Decision, "DECISION_", verdict.decision)] += 1
        deny.update(_word(venture_pb2.DenyReason, "DENY_REASON_", r)
                    for r in verdict.deny_reasons)

    roi = _roi(leads, reached, funnel.sent)
    report = CampaignReport(
        campaign={
            "id": campaign.id, "name": campaign.name, "venture_id": campaign.venture_id,
            "venture_name": venture.name, "objective": campaign.objective,
            "status": _word(venture_pb2.CampaignStatus, "CAMPAIGN_STATUS_", campaign.status),
            "daily_send_limit": campaign.daily_send_limit, "timezone": str(zone),
            "consent_required": campaign.consent_required,
            "kill_switch": campaign.kill_switch.engaged,
        },
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        funnel=funnel,
        by_channel=sorted(by_channel.values(), key=lambda r: (-r.first_touch, r.key)),
        by_utm=sorted(by_utm.values(), key=lambda r: (-r.first_touch, r.key)),
        per_day=[days[d] for d in sorted(days)],
        verdicts=dict(decisions.most_common()),
        deny_reasons=dict(deny.most_common()),
        audit=chain, roi=roi, insights=[],
        feedback=feedback_figures(funnel.sent, events or [], feedback or []))
    report.insights = insights(report)
    return report


def _roi(leads: list[leads_pb2.Lead], reached: set[str], sent: int) -> dict[str, object]:
    """The ROI proxy: the estimated value of the leads a message reached, per message sent."""
    reached_value: dict[str, int] = defaultdict(int)
    pipeline: dict[str, int] = defaultdict(int)
    for lead in leads:
        estimate = lead.value_estimate
        if not estimate.currency_code or estimate.amount_minor <= 0:
            continue
        pipeline[estimate.currency_code] += estimate.amount_minor
        if lead.lead_id in reached:
            reached_value[estimate.currency_code] += estimate.amount_minor
    return {
        "pipeline_value": {c: v / 100 for c, v in sorted(pipeline.items())},
        "reached_value": {c: v / 100 for c, v in sorted(reached_value.items())},
        "value_per_send": {c: round(v / 100 / sent, 2) for c, v in sorted(
            reached_value.items())} if sent else {},
        "messages_sent": sent,
    }


_ADVICE = {
    "daily_limit_reached": "raise the daily limit or let the run continue tomorrow",
    "outside_send_window": "widen the send window or wait for it to open",
    "campaign_not_running": "start or resume the campaign",
    "lead_consent_required": "collect consent before sending",
    "lead_no_address": "add an address for the channel",
}


def _people(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} people"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _leaders(rows: list[AttributionRow], score) -> list[AttributionRow]:
    """The rows with the best score: one, or every row that ties for first."""
    if not rows:
        return []
    best = max(score(row) for row in rows)
    return sorted((row for row in rows if score(row) == best), key=lambda r: r.key)


#: The complaint rate mailbox providers start blocking senders at (Gmail and Yahoo's bulk
#: sender rules).
COMPLAINT_LIMIT = 0.003


def _feedback_insights(figures: FeedbackFigures) -> list[str]:
    found = []
    if figures.complaints:
        rate = figures.rate(figures.complaints)
        warn = (f", above the {100 * COMPLAINT_LIMIT:.1f}% mail providers tolerate"
                if rate > COMPLAINT_LIMIT else "")
        found.append(f"Complaints: {figures.complaints} of {figures.delivered} delivered "
                     f"({100 * rate:.1f}%){warn}.")
    if figures.bounced_hard or figures.bounced_soft:
        found.append(f"Bounces: {figures.bounced_hard} hard (those addresses are suppressed), "
                     f"{figures.bounced_soft} soft.")
    if figures.replies:
        top = ", ".join(f"{name.replace('_', ' ')} {count}"
                        for name, count in list(figures.objections.items())[:3])
        automatic = (f"; {figures.auto_replies} automatic answer(s) not counted"
                     if figures.auto_replies else "")
        found.append(f"Replies: {figures.replies} ({100 * figures.rate(figures.replies):.1f}% "
                     f"of delivered){'; most often: ' + top if top else ''}{automatic}.")
    if figures.unsubscribes or figures.unsubscribe_reasons:
        reasons = ", ".join(f"{name.replace('_', ' ')} {count}"
                            for name, count in figures.unsubscribe_reasons.items())
        found.append(f"Unsubscribes: {figures.unsubscribes}"
                     + (f"; reasons given: {reasons}." if reasons else "."))
    return found


def insights(report: CampaignReport) -> list[str]:
    """What worked and what did not, in sentences a person can act on. Counts of people
    count each person once; a tie is said as a tie."""
    found: list[str] = []
    funnel = report.funnel
    if funnel.captured:
        repeats = funnel.submissions - funnel.captured
        again = (f" ({funnel.submissions} submissions: {repeats} matched someone already "
                 "known)") if repeats > 0 else ""
        dnc = f" ({funnel.dnc} on the do-not-contact list)" if funnel.dnc else ""
        found.append(f"{_people(funnel.captured)} captured{again}; {funnel.consented} "
                     f"consented ({100 * funnel.consented // funnel.captured}%), "
                     f"{funnel.contactable} contactable now{dnc}; "
                     f"{funnel.sent} message(s) sent.")
    channels = [row for row in report.by_channel if row.consented]
    best = _leaders(channels, lambda r: r.consented / r.first_touch)
    if best:
        tie = " (a tie)" if len(best) > 1 else ""
        found.append("Worked: people first seen via " + _and(
            [f"{row.key} ({row.consented} of {row.first_touch})" for row in best])
            + f" consented most{tie}.")
    tagged = [row for row in report.by_utm if row.key != NO_UTM and row.first_touch]
    top = _leaders(tagged, lambda r: r.first_touch)
    if len(top) == 1:
        found.append(f"Top UTM source: {top[0].key} brought {_people(top[0].first_touch)} "
                     "first.")
    elif top:
        found.append(f"Top UTM sources, tied: {_and([row.key for row in top])} brought "
                     f"{_people(top[0].first_touch)} first each.")
    for reason, count in funnel.blocked_by_reason.items():
        advice = _ADVICE.get(reason)
        found.append(f"Not sent to {_people(count)}: {reason_text(reason)}"
                     + (f"; {advice}." if advice else "."))
    found.extend(_feedback_insights(report.feedback))
    if funnel.failed:
        found.append(f"Did not work: {funnel.failed} delivery attempt(s) failed for good.")
    if funnel.unknown_outcome:
        found.append(f"Review: {funnel.unknown_outcome} send(s) have an unknown outcome "
                     "(aicmo sends list --state unknown_outcome).")
    limited = [row.day for row in report.per_day if row.at_limit]
    if limited:
        found.append(f"The daily limit was reached on {len(limited)} day(s): "
                     f"{', '.join(limited)}.")
    if report.audit.get("valid") is False:
        found.append("WARNING: the audit chain did not verify.")
    return found
