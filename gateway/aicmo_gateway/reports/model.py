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


def _word(enum, prefix: str, value: int) -> str:
    try:
        return enum.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return str(value)


@dataclass
class Funnel:
    """From captured to sent: each stage and what fell out of it."""

    captured: int = 0
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


def venture_zone(venture: venture_pb2.Venture) -> ZoneInfo:
    try:
        return ZoneInfo(venture.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_day(stamp, zone: ZoneInfo) -> str:
    moment = stamp.ToDatetime().replace(tzinfo=UTC).astimezone(zone)
    return moment.date().isoformat()


def _utm_key(touch: leads_pb2.Touch) -> str:
    utm = touch.utm
    if not (utm.source or utm.medium or utm.campaign):
        return "(no UTM tags)"
    return " / ".join(part or "-" for part in (utm.source, utm.medium, utm.campaign))


def build_report(*, campaign: venture_pb2.Campaign, venture: venture_pb2.Venture,
                 leads: list[leads_pb2.Lead], contactable_ids: set[str],
                 sends: list[dist_pb2.SendJob], verdicts: list[venture_pb2.Verdict],
                 chain: dict[str, object], now: datetime | None = None) -> CampaignReport:
    """Computes the report of one campaign from its leads, sends, verdicts and the audit
    chain's verification result."""
    zone = venture_zone(venture)
    real_sends = [s for s in sends if not s.dry_run]
    funnel = Funnel(captured=len(leads), sends=len(real_sends))
    funnel.consented = sum(1 for lead in leads
                           if lead.consent_status == leads_pb2.CONSENT_STATUS_CONSENTED)
    funnel.dnc = sum(1 for lead in leads if lead.consent_status == leads_pb2.CONSENT_STATUS_DNC)
    funnel.contactable = sum(1 for lead in leads if lead.lead_id in contactable_ids)
    blocked_reasons: Counter[str] = Counter()
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
            blocked_reasons.update(_word(dist_pb2.BlockReason, "BLOCK_REASON_", r)
                                   for r in job.block_reasons)
        elif state == dist_pb2.SEND_STATE_BLOCKED:
            funnel.blocked += 1
            blocked_reasons.update(_word(dist_pb2.BlockReason, "BLOCK_REASON_", r)
                                   for r in job.block_reasons)
        elif state == dist_pb2.SEND_STATE_DEFERRED:
            funnel.deferred += 1
        elif state == dist_pb2.SEND_STATE_FAILED:
            funnel.failed += 1
        elif state == dist_pb2.SEND_STATE_UNKNOWN_OUTCOME:
            funnel.unknown_outcome += 1
        else:
            funnel.pending += 1
    funnel.blocked_by_reason = dict(blocked_reasons.most_common())

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
        audit=chain, roi=roi, insights=[])
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
    "campaign_kill_switch": "the campaign's kill switch was on",
    "venture_kill_switch": "the venture's kill switch was on",
    "global_kill_switch": "the global kill switch was on",
    "campaign_not_running": "the campaign was not running (paused or stopped)",
    "lead_dnc": "these people opted out",
    "lead_consent_required": "collect consent before sending",
    "lead_no_address": "these leads have no address for the channel",
}


def insights(report: CampaignReport) -> list[str]:
    """What worked and what did not, in sentences a person can act on."""
    found: list[str] = []
    funnel = report.funnel
    if funnel.captured:
        found.append(f"{funnel.captured} leads captured; {funnel.consented} consented "
                     f"({100 * funnel.consented // funnel.captured}%), "
                     f"{funnel.contactable} contactable now, {funnel.sent} messages sent.")
    channels = [row for row in report.by_channel if row.first_touch]
    best = max(channels, key=lambda r: (r.consented / r.first_touch, r.first_touch),
               default=None)
    if best is not None and best.consented:
        found.append(f"Worked: leads first seen via {best.key} consented most "
                     f"({best.consented} of {best.first_touch}).")
    tagged = [row for row in report.by_utm if row.key != "(no UTM tags)" and row.first_touch]
    if tagged:
        found.append(f"Top UTM source: {tagged[0].key} brought {tagged[0].first_touch} "
                     "lead(s) first.")
    for reason, count in funnel.blocked_by_reason.items():
        advice = _ADVICE.get(reason)
        found.append(f"Did not work: {count} send(s) stopped by {reason}"
                     + (f" ({advice})." if advice else "."))
    if funnel.failed:
        found.append(f"Did not work: {funnel.failed} delivery attempt(s) failed for good.")
    if funnel.unknown_outcome:
        found.append(f"Review: {funnel.unknown_outcome} send(s) have an unknown outcome.")
    if funnel.dnc:
        found.append(f"{funnel.dnc} lead(s) are on the do-not-contact list.")
    limited = [row.day for row in report.per_day if row.at_limit]
    if limited:
        found.append(f"The daily limit was reached on {len(limited)} day(s): "
                     f"{', '.join(limited)}.")
    if report.audit.get("valid") is False:
        found.append("WARNING: the audit chain did not verify.")
    return found
