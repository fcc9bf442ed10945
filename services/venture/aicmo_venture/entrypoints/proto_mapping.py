"""Proto messages <-> domain values. Requests become drafts with their raw values, so
validation (not this translation) decides what is acceptable and names the bad fields."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from aicmo.common.v1 import common_pb2
from aicmo.venture.v1 import venture_pb2 as pb
from aicmo_venture.domain import model
from aicmo_venture.domain.validation import (
    CampaignDraft,
    SenderDraft,
    UnsubscribeLinksDraft,
    VentureDraft,
    WindowDraft,
)
from aicmo_venture.domain.verdict import Verdict


def timestamp(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(dt.UTC))
    return stamp


def actor(value: model.Actor | None) -> common_pb2.Actor | None:
    if value is None:
        return None
    return common_pb2.Actor(subject=value.subject, role=value.role)


def kill_switch(value: model.KillSwitch) -> pb.KillSwitch:
    return pb.KillSwitch(engaged=value.engaged, reason=value.reason, actor=actor(value.actor),
                         change_time=timestamp(value.changed_at))


def sender(value: model.SenderIdentity) -> pb.SenderIdentity:
    return pb.SenderIdentity(from_address=value.from_address, from_name=value.from_name,
                             postal_address=value.postal_address)


def venture(value: model.Venture) -> pb.Venture:
    return pb.Venture(
        id=value.id, name=value.name, offer_summary=value.offer_summary,
        primary_cta=value.primary_cta, default_channels=[int(c) for c in value.default_channels],
        timezone=value.timezone, owner_contact=value.owner_contact, active=value.active,
        kill_switch=kill_switch(value.kill_switch), sender=sender(value.sender),
        create_time=timestamp(value.created_at), update_time=timestamp(value.updated_at),
        privacy_policy_url=value.privacy_policy_url,
        unsubscribe_links=pb.UnsubscribeLinkPolicy(
            ttl_days=value.unsubscribe_links.ttl_days,
            revoked_before=timestamp(value.unsubscribe_links.revoked_before)))


def send_window(value: model.SendWindow | None) -> pb.SendWindow | None:
    if value is None:
        return None
    return pb.SendWindow(days=sorted(int(d) for d in value.days),
                         start_hour=value.start_minute // 60,
                         start_minute=value.start_minute % 60,
                         end_hour=value.end_minute // 60, end_minute=value.end_minute % 60)


def campaign(value: model.Campaign) -> pb.Campaign:
    return pb.Campaign(
        id=value.id, venture_id=value.venture_id, name=value.name, objective=value.objective,
        allowed_channels=[int(c) for c in value.allowed_channels],
        daily_send_limit=value.daily_send_limit, send_window=send_window(value.send_window),
        consent_required=value.consent_required, kill_switch=kill_switch(value.kill_switch),
        status=int(value.status), create_time=timestamp(value.created_at),
        update_time=timestamp(value.updated_at))


def history_entry(value: model.CampaignHistoryEntry) -> pb.CampaignHistoryEntry:
    return pb.CampaignHistoryEntry(
        action=value.action, actor=actor(value.actor), change_time=timestamp(value.changed_at),
        reason=value.reason, from_status=int(value.from_status),
        to_status=int(value.to_status), changed_fields=list(value.changed_fields))


def verdict(value: Verdict) -> pb.Verdict:
    policy = value.policy
    return pb.Verdict(
        send_id=value.send_id, campaign_id=value.campaign_id, venture_id=value.venture_id,
        channel=int(value.channel), decision=int(value.decision),
        deny_reasons=[int(r) for r in value.deny_reasons],
        remaining_quota_today=value.remaining_quota_today,
        quota_day=value.quota_day.isoformat(),
        policy=pb.SendPolicy(consent_required=policy.consent_required,
                             sender=sender(policy.sender), timezone=policy.timezone,
                             next_window_open_time=timestamp(policy.next_window_open_at)),
        decide_time=timestamp(value.decided_at), requested_by=actor(value.requested_by))


def venture_draft(message: pb.Venture) -> VentureDraft:
    return VentureDraft(
        id=message.id, name=message.name, offer_summary=message.offer_summary,
        primary_cta=message.primary_cta, default_channels=tuple(message.default_channels),
        timezone=message.timezone, owner_contact=message.owner_contact,
        sender=SenderDraft(message.sender.from_address, message.sender.from_name,
                           message.sender.postal_address),
        privacy_policy_url=message.privacy_policy_url,
        unsubscribe_links=UnsubscribeLinksDraft(message.unsubscribe_links.ttl_days,
                                                message.unsubscribe_links.revoke_now))


def campaign_draft(message: pb.Campaign) -> CampaignDraft:
    window = None
    if message.HasField("send_window"):
        w = message.send_window
        window = WindowDraft(tuple(w.days), w.start_hour, w.start_minute, w.end_hour,
                             w.end_minute)
    return CampaignDraft(
        venture_id=message.venture_id, name=message.name, objective=message.objective,
        allowed_channels=tuple(message.allowed_channels),
        daily_send_limit=message.daily_send_limit, send_window=window,
        consent_required=message.consent_required)
