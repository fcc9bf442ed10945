"""An in-memory repository for the use-case tests: the same contract, no database."""

from __future__ import annotations

import datetime as dt

from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters.repository import StoredRequest, VerdictInputs
from aicmo_venture.domain.model import (
    Campaign,
    CampaignHistoryEntry,
    CampaignStatus,
    KillSwitch,
    Venture,
)
from aicmo_venture.domain.verdict import Verdict


class FakeVentureRepository:
    def __init__(self) -> None:
        self.ventures: dict[str, Venture] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.history: list[CampaignHistoryEntry] = []
        self.global_switch = KillSwitch()
        self.quota: dict[tuple[str, dt.date], int] = {}
        self.verdicts: list[Verdict] = []
        self.requests: dict[str, StoredRequest] = {}
        self.events: list[AuditEvent] = []
        self.kill_switch_epoch = 0

    def get_venture(self, venture_id):
        return self.ventures.get(venture_id)

    def add_venture(self, venture):
        assert venture.id not in self.ventures
        self.ventures[venture.id] = venture

    def save_venture(self, venture):
        self.ventures[venture.id] = venture

    def list_ventures(self, *, only, after_id, limit):
        found = sorted((v for v in self.ventures.values()
                        if (only is None or v.id == only)
                        and (after_id is None or v.id > after_id)), key=lambda v: v.id)
        return found[:limit]

    def get_campaign(self, campaign_id):
        return self.campaigns.get(campaign_id)

    def add_campaign(self, campaign):
        self.campaigns[campaign.id] = campaign

    def save_campaign(self, campaign):
        self.campaigns[campaign.id] = campaign

    def list_campaigns(self, *, venture_id, status: CampaignStatus | None, after, limit):
        found = sorted((c for c in self.campaigns.values()
                        if (venture_id is None or c.venture_id == venture_id)
                        and (status is None or c.status is status)
                        and (after is None or (c.created_at, c.id) > after)),
                       key=lambda c: (c.created_at, c.id))
        return found[:limit]

    def add_history(self, entry):
        self.history.append(entry)

    def list_history(self, campaign_id, *, after_seq, limit):
        rows = [(seq, e) for seq, e in enumerate(self.history, 1)
                if e.campaign_id == campaign_id and seq > after_seq]
        return rows[:limit]

    def get_global_kill_switch(self):
        return self.global_switch

    def save_global_kill_switch(self, switch):
        self.global_switch = switch

    def count_kill_switch_change(self):
        self.kill_switch_epoch += 1

    def quota_used(self, campaign_id, day):
        return self.quota.get((campaign_id, day), 0)

    def reserve_quota(self, campaign_id, day, limit):
        used = self.quota.get((campaign_id, day), 0)
        if used >= limit:
            return False, used
        self.quota[(campaign_id, day)] = used + 1
        return True, used + 1

    def find_verdict(self, send_id):
        return next((v for v in self.verdicts if v.send_id == send_id), None)

    def verdict_inputs(self, send_id, campaign_id):
        stored = self.find_verdict(send_id)
        if stored is not None:
            return VerdictInputs(stored, None, None, False)
        campaign = self.campaigns.get(campaign_id)
        venture = self.ventures.get(campaign.venture_id) if campaign else None
        return VerdictInputs(None, campaign, venture, self.global_switch.engaged)

    def add_verdict(self, verdict):
        assert self.find_verdict(verdict.send_id) is None
        self.verdicts.append(verdict)

    def store_verdict(self, verdict, event):
        self.add_verdict(verdict)
        self.record(event)

    def list_verdicts(self, campaign_id, *, after_seq, limit):
        rows = [(seq, v) for seq, v in enumerate(self.verdicts, 1)
                if v.campaign_id == campaign_id and seq > after_seq]
        return rows[:limit]

    def find_request(self, request_id):
        return self.requests.get(request_id)

    def add_request(self, request, at):
        assert request.request_id not in self.requests
        self.requests[request.request_id] = request

    def record(self, *events):
        self.events.extend(events)
