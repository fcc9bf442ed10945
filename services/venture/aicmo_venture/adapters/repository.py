"""Storage of ventures, campaigns, quotas, verdicts and histories over one SQLAlchemy session.

One repository lives for one unit of work (one transaction). The quota reservation is the one
place where correctness under concurrency is decided, so it is a single conditional upsert:
the database, not Python, checks ``used < limit`` and counts the unit in the same statement.

The verdict path runs thousands of times a second, so its statements are built and compiled
once, take their values as bound parameters and run on the session's own connection through
``PreparedStatement``: building a statement per call (``values()``, ``where()``) and
SQLAlchemy's execution path each cost more than SQLite takes to run it.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from aicmo_common import outbox
from aicmo_common.actor import Actor
from aicmo_common.prepared import PreparedStatement, insert_values
from aicmo_venture.adapters import kill_watch, tables
from aicmo_venture.domain.model import (
    Campaign,
    CampaignHistoryEntry,
    CampaignStatus,
    Channel,
    KillSwitch,
    SenderIdentity,
    SendWindow,
    UnsubscribeLinkPolicy,
    Venture,
    Weekday,
)
from aicmo_venture.domain.verdict import Decision, DenyReason, SendPolicy, Verdict

GLOBAL_ROW_ID = 1
SERVICE = "venture"


@dataclass(frozen=True)
class StoredRequest:
    """A client request id already acted on."""

    request_id: str
    method: str
    fingerprint: str
    resource_id: str


@dataclass(frozen=True)
class VerdictInputs:
    """Everything a verdict is decided on, read together: the verdict already stored under
    the send id, if any, else the campaign, its venture and the global kill switch."""

    stored: Verdict | None
    campaign: Campaign | None
    venture: Venture | None
    global_kill_switch: bool


class VentureRepository(Protocol):
    """What the use cases need from storage (a fake in unit tests, SQL otherwise)."""

    def get_venture(self, venture_id: str) -> Venture | None: ...
    def add_venture(self, venture: Venture) -> None: ...
    def save_venture(self, venture: Venture) -> None: ...
    def list_ventures(self, *, only: str | None, after_id: str | None,
                      limit: int) -> list[Venture]: ...
    def get_campaign(self, campaign_id: str) -> Campaign | None: ...
    def add_campaign(self, campaign: Campaign) -> None: ...
    def save_campaign(self, campaign: Campaign) -> None: ...
    def list_campaigns(self, *, venture_id: str | None, status: CampaignStatus | None,
                       after: tuple[dt.datetime, str] | None,
                       limit: int) -> list[Campaign]: ...
    def add_history(self, entry: CampaignHistoryEntry) -> None: ...
    def list_history(self, campaign_id: str, *, after_seq: int,
                     limit: int) -> list[tuple[int, CampaignHistoryEntry]]: ...
    def get_global_kill_switch(self) -> KillSwitch: ...
    def save_global_kill_switch(self, switch: KillSwitch) -> None: ...
    def count_kill_switch_change(self) -> None: ...
    def quota_used(self, campaign_id: str, day: dt.date) -> int: ...
    def reserve_quota(self, campaign_id: str, day: dt.date, limit: int) -> tuple[bool, int]: ...
    def find_verdict(self, send_id: str) -> Verdict | None: ...
    def verdict_inputs(self, send_id: str, campaign_id: str) -> VerdictInputs: ...
    def add_verdict(self, verdict: Verdict) -> None: ...
    def store_verdict(self, verdict: Verdict, event: outbox.AuditEvent) -> None: ...
    def list_verdicts(self, campaign_id: str, *, after_seq: int,
                      limit: int) -> list[tuple[int, Verdict]]: ...
    def find_request(self, request_id: str) -> StoredRequest | None: ...
    def add_request(self, request: StoredRequest, at: dt.datetime) -> None: ...
    def record(self, *events: outbox.AuditEvent) -> None: ...


def _actor(subject: str | None, role: str | None) -> Actor | None:
    return Actor(subject, role or "") if subject else None


def _kill_switch_values(switch: KillSwitch) -> dict:
    return {
        "kill_switch_engaged": switch.engaged,
        "kill_switch_reason": switch.reason,
        "kill_switch_actor_subject": switch.actor.subject if switch.actor else None,
        "kill_switch_actor_role": switch.actor.role if switch.actor else None,
        "kill_switch_changed_at": switch.changed_at,
    }


def _kill_switch(row) -> KillSwitch:
    return KillSwitch(engaged=bool(row.kill_switch_engaged), reason=row.kill_switch_reason or "",
                      actor=_actor(row.kill_switch_actor_subject, row.kill_switch_actor_role),
                      changed_at=row.kill_switch_changed_at)


def _window_value(window: SendWindow | None) -> dict | None:
    if window is None:
        return None
    return {"days": sorted(int(d) for d in window.days), "start": window.start_minute,
            "end": window.end_minute}


def _window(value: dict | None) -> SendWindow | None:
    if value is None:
        return None
    return SendWindow(frozenset(Weekday(d) for d in value["days"]), int(value["start"]),
                      int(value["end"]))


def _venture_values(venture: Venture) -> dict:
    return {
        "id": venture.id,
        "name": venture.name,
        "offer_summary": venture.offer_summary,
        "primary_cta": venture.primary_cta,
        "default_channels": [int(c) for c in venture.default_channels],
        "timezone": venture.timezone,
        "owner_contact": venture.owner_contact,
        "active": venture.active,
        **_kill_switch_values(venture.kill_switch),
        "sender_from_address": venture.sender.from_address,
        "sender_from_name": venture.sender.from_name,
        "sender_postal_address": venture.sender.postal_address,
        "created_at": venture.created_at,
        "updated_at": venture.updated_at,
        "privacy_policy_url": venture.privacy_policy_url,
        "unsubscribe_ttl_days": venture.unsubscribe_links.ttl_days,
        "unsubscribe_revoked_before": venture.unsubscribe_links.revoked_before,
    }


def _venture(row) -> Venture:
    return Venture(
        id=row.id, name=row.name, timezone=row.timezone, owner_contact=row.owner_contact,
        offer_summary=row.offer_summary, primary_cta=row.primary_cta,
        default_channels=tuple(Channel(c) for c in row.default_channels),
        active=bool(row.active), kill_switch=_kill_switch(row),
        sender=SenderIdentity(row.sender_from_address, row.sender_from_name,
                              row.sender_postal_address),
        created_at=row.created_at, updated_at=row.updated_at,
        privacy_policy_url=row.privacy_policy_url,
        unsubscribe_links=UnsubscribeLinkPolicy(row.unsubscribe_ttl_days,
                                                row.unsubscribe_revoked_before))


def _campaign_values(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "venture_id": campaign.venture_id,
        "name": campaign.name,
        "objective": campaign.objective,
        "allowed_channels": [int(c) for c in campaign.allowed_channels],
        "daily_send_limit": campaign.daily_send_limit,
        "send_window": _window_value(campaign.send_window),
        "consent_required": campaign.consent_required,
        **_kill_switch_values(campaign.kill_switch),
        "status": campaign.status.name,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
    }


def _campaign(row) -> Campaign:
    return Campaign(
        id=row.id, venture_id=row.venture_id, name=row.name, objective=row.objective,
        allowed_channels=tuple(Channel(c) for c in row.allowed_channels),
        daily_send_limit=row.daily_send_limit, send_window=_window(row.send_window),
        consent_required=bool(row.consent_required), kill_switch=_kill_switch(row),
        status=CampaignStatus[row.status], created_at=row.created_at,
        updated_at=row.updated_at)


def _verdict(row) -> Verdict:
    sender = row.sender or {}
    return Verdict(
        send_id=row.send_id, campaign_id=row.campaign_id, venture_id=row.venture_id,
        channel=Channel(row.channel), decision=Decision[row.decision],
        deny_reasons=tuple(DenyReason[name] for name in row.deny_reasons),
        remaining_quota_today=row.remaining_quota_today,
        quota_day=dt.date.fromisoformat(row.quota_day),
        policy=SendPolicy(consent_required=bool(row.consent_required),
                          sender=SenderIdentity(sender.get("from_address", ""),
                                                sender.get("from_name", ""),
                                                sender.get("postal_address", "")),
                          timezone=row.timezone, next_window_open_at=row.next_window_open_at),
        decided_at=row.decided_at,
        requested_by=Actor(row.requested_by_subject, row.requested_by_role))


# --- the verdict path's statements, built once -------------------------------------------------

def _row_type(table: Table):
    """A tuple type named like the table's columns, for its part of a joined row."""
    return namedtuple(f"{table.name}_row", list(table.c.keys()))


_CampaignRow = _row_type(tables.campaigns)
_VentureRow = _row_type(tables.ventures)
_VerdictRow = _row_type(tables.verdicts)


def _verdict_inputs_statement():
    """One round trip for everything a verdict needs: whether a verdict is stored under the
    send id, the campaign, its venture and the global switch, each joined by key onto a
    single constant row, so the answer is exactly one row whichever of them exist."""
    anchor = select(literal_column("1").label("one")).subquery("anchor")
    c, v, d = tables.campaigns, tables.ventures, tables.verdicts
    g = tables.global_kill_switch
    joined = (anchor
              .outerjoin(d, d.c.send_id == bindparam("send_id"))
              .outerjoin(c, c.c.id == bindparam("campaign_id"))
              .outerjoin(v, v.c.id == c.c.venture_id)
              .outerjoin(g, g.c.id == GLOBAL_ROW_ID))
    columns = [d.c.send_id.label("d_send_id"),
               *(column.label(f"c_{column.key}") for column in c.c),
               *(column.label(f"v_{column.key}") for column in v.c),
               g.c.kill_switch_engaged.label("g_kill_switch_engaged")]
    return select(*columns).select_from(joined)


_VERDICT_INPUTS = PreparedStatement(_verdict_inputs_statement())
_CAMPAIGN_PART = slice(1, 1 + len(_CampaignRow._fields))
_VENTURE_PART = slice(_CAMPAIGN_PART.stop, _CAMPAIGN_PART.stop + len(_VentureRow._fields))
_GLOBAL_PART = _VENTURE_PART.stop

_FIND_VERDICT = PreparedStatement(
    select(tables.verdicts).where(tables.verdicts.c.send_id == bindparam("send_id")))
_QUOTA_USED = PreparedStatement(select(tables.quota_days.c.used).where(
    tables.quota_days.c.campaign_id == bindparam("campaign_id"),
    tables.quota_days.c.day == bindparam("day")))


_INSERT_VERDICT = PreparedStatement(insert(tables.verdicts).values(
    insert_values(tables.verdicts)))
# PostgreSQL stores a verdict and its audit event in one statement (one round trip);
# SQLite, in process, runs the two inserts above.
_INSERT_VERDICT_AND_EVENT = PreparedStatement(
    insert(tables.audit_outbox).values(insert_values(tables.audit_outbox, "e_"))
    .add_cte(insert(tables.verdicts).values(insert_values(tables.verdicts, "v_"))
             .cte("stored_verdict")))

# Counts one unit (creating the day's row with it) unless ``limit`` units are counted already;
# returns the count after, or no row at the limit. Check and count are one statement, so
# concurrent callers can never pass the limit. The same SQL on SQLite and PostgreSQL.
_RESERVE = PreparedStatement(text(
    "INSERT INTO quota_days (campaign_id, day, used) VALUES (:campaign_id, :day, 1) "
    "ON CONFLICT (campaign_id, day) DO UPDATE SET used = quota_days.used + 1 "
    "WHERE quota_days.used < :limit "
    "RETURNING used").columns(tables.quota_days.c.used))


def _verdict_values(verdict: Verdict) -> dict:
    policy = verdict.policy
    return {
        "send_id": verdict.send_id, "campaign_id": verdict.campaign_id,
        "venture_id": verdict.venture_id, "channel": int(verdict.channel),
        "decision": verdict.decision.name,
        "deny_reasons": [reason.name for reason in verdict.deny_reasons],
        "remaining_quota_today": verdict.remaining_quota_today,
        "quota_day": verdict.quota_day.isoformat(),
        "consent_required": policy.consent_required, "timezone": policy.timezone,
        "sender": {"from_address": policy.sender.from_address,
                   "from_name": policy.sender.from_name,
                   "postal_address": policy.sender.postal_address},
        "next_window_open_at": policy.next_window_open_at, "decided_at": verdict.decided_at,
        "requested_by_subject": verdict.requested_by.subject,
        "requested_by_role": verdict.requested_by.role,
    }


class SqlVentureRepository:
    """The repository over a session; statements run in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._session_connection: Connection | None = None

    def _connection(self) -> Connection:
        """The session's connection (and transaction), for the prepared statements."""
        if self._session_connection is None:
            self._session_connection = self._session.connection()
        return self._session_connection

    # ventures

    def get_venture(self, venture_id: str) -> Venture | None:
        row = self._session.execute(
            select(tables.ventures).where(tables.ventures.c.id == venture_id)).first()
        return _venture(row) if row else None

    def add_venture(self, venture: Venture) -> None:
        self._session.execute(insert(tables.ventures).values(_venture_values(venture)))

    def save_venture(self, venture: Venture) -> None:
        values = _venture_values(venture)
        values.pop("id")
        self._session.execute(update(tables.ventures)
                              .where(tables.ventures.c.id == venture.id).values(values))

    def list_ventures(self, *, only: str | None, after_id: str | None,
                      limit: int) -> list[Venture]:
        query = select(tables.ventures).order_by(tables.ventures.c.id).limit(limit)
        if only is not None:
            query = query.where(tables.ventures.c.id == only)
        if after_id is not None:
            query = query.where(tables.ventures.c.id > after_id)
        return [_venture(row) for row in self._session.execute(query)]

    # campaigns

    def get_campaign(self, campaign_id: str) -> Campaign | None:
        row = self._session.execute(
            select(tables.campaigns).where(tables.campaigns.c.id == campaign_id)).first()
        return _campaign(row) if row else None

    def add_campaign(self, campaign: Campaign) -> None:
        self._session.execute(insert(tables.campaigns).values(_campaign_values(campaign)))

    def save_campaign(self, campaign: Campaign) -> None:
        values = _campaign_values(campaign)
        values.pop("id")
        self._session.execute(update(tables.campaigns)
                              .where(tables.campaigns.c.id == campaign.id).values(values))

    def list_campaigns(self, *, venture_id: str | None, status: CampaignStatus | None,
                       after: tuple[dt.datetime, str] | None, limit: int) -> list[Campaign]:
        c = tables.campaigns.c
        query = select(tables.campaigns).order_by(c.created_at, c.id).limit(limit)
        if venture_id is not None:
            query = query.where(c.venture_id == venture_id)
        if status is not None:
            query = query.where(c.status == status.name)
        if after is not None:
            created, last_id = after
            query = query.where((c.created_at > created)
                                | ((c.created_at == created) & (c.id > last_id)))
        return [_campaign(row) for row in self._session.execute(query)]

    # history

    def add_history(self, entry: CampaignHistoryEntry) -> None:
        self._session.execute(insert(tables.campaign_history).values(
            campaign_id=entry.campaign_id, action=entry.action,
            actor_subject=entry.actor.subject, actor_role=entry.actor.role,
            changed_at=entry.changed_at, reason=entry.reason,
            from_status=entry.from_status.name, to_status=entry.to_status.name,
            changed_fields=list(entry.changed_fields)))

    def list_history(self, campaign_id: str, *, after_seq: int,
                     limit: int) -> list[tuple[int, CampaignHistoryEntry]]:
        h = tables.campaign_history.c
        rows = self._session.execute(
            select(tables.campaign_history)
            .where(h.campaign_id == campaign_id, h.seq > after_seq)
            .order_by(h.seq).limit(limit))
        return [(row.seq, CampaignHistoryEntry(
            campaign_id=row.campaign_id, action=row.action,
            actor=Actor(row.actor_subject, row.actor_role), changed_at=row.changed_at,
            reason=row.reason, from_status=CampaignStatus[row.from_status],
            to_status=CampaignStatus[row.to_status],
            changed_fields=tuple(row.changed_fields))) for row in rows]

    # the global kill switch

    def get_global_kill_switch(self) -> KillSwitch:
        row = self._session.execute(
            select(tables.global_kill_switch)
            .where(tables.global_kill_switch.c.id == GLOBAL_ROW_ID)).first()
        return _kill_switch(row) if row else KillSwitch()

    def save_global_kill_switch(self, switch: KillSwitch) -> None:
        table = tables.global_kill_switch
        result = self._session.execute(update(table).where(table.c.id == GLOBAL_ROW_ID)
                                       .values(_kill_switch_values(switch)))
        if result.rowcount == 0:
            self._session.execute(insert(table).values(id=GLOBAL_ROW_ID,
                                                       **_kill_switch_values(switch)))

    def count_kill_switch_change(self) -> None:
        kill_watch.bump_epoch(self._session)

    # quotas

    def quota_used(self, campaign_id: str, day: dt.date) -> int:
        rows = _QUOTA_USED.rows(self._connection(),
                                {"campaign_id": campaign_id, "day": day.isoformat()})
        return int(rows[0][0]) if rows else 0

    def reserve_quota(self, campaign_id: str, day: dt.date, limit: int) -> tuple[bool, int]:
        """Counts one unit if fewer than ``limit`` are used; returns (reserved, used after)."""
        if limit < 1:  # the upsert counts the first unit of a day without looking at limit
            return False, self.quota_used(campaign_id, day)
        rows = _RESERVE.rows(self._connection(), {"campaign_id": campaign_id,
                                                  "day": day.isoformat(), "limit": limit})
        if rows:
            return True, int(rows[0][0])
        return False, self.quota_used(campaign_id, day)

    # the verdict log

    def find_verdict(self, send_id: str) -> Verdict | None:
        rows = _FIND_VERDICT.rows(self._connection(), {"send_id": send_id})
        return _verdict(_VerdictRow._make(rows[0])) if rows else None

    def verdict_inputs(self, send_id: str, campaign_id: str) -> VerdictInputs:
        (row,) = _VERDICT_INPUTS.rows(self._connection(),
                                      {"send_id": send_id, "campaign_id": campaign_id})
        if row[0] is not None:  # a replay, the rare case: read the stored verdict itself
            return VerdictInputs(self.find_verdict(send_id), None, None, False)
        campaign = _CampaignRow._make(row[_CAMPAIGN_PART])
        venture = _VentureRow._make(row[_VENTURE_PART])
        # The first migration creates the global row; a missing one reads as disengaged,
        # as in get_global_kill_switch.
        return VerdictInputs(None, _campaign(campaign) if campaign.id is not None else None,
                             _venture(venture) if venture.id is not None else None,
                             bool(row[_GLOBAL_PART]))

    def add_verdict(self, verdict: Verdict) -> None:
        _INSERT_VERDICT.run(self._connection(), _verdict_values(verdict))

    def store_verdict(self, verdict: Verdict, event: outbox.AuditEvent) -> None:
        """The verdict and its audit event, in this transaction."""
        connection = self._connection()
        if connection.dialect.name != "postgresql":
            _INSERT_VERDICT.run(connection, _verdict_values(verdict))
            self.record(event)
            return
        values = {f"v_{key}": value for key, value in _verdict_values(verdict).items()}
        values.update((f"e_{key}", value)
                      for key, value in outbox.outbox_row(SERVICE, event).items())
        _INSERT_VERDICT_AND_EVENT.run(connection, values)

    def list_verdicts(self, campaign_id: str, *, after_seq: int,
                      limit: int) -> list[tuple[int, Verdict]]:
        v = tables.verdicts.c
        rows = self._session.execute(
            select(tables.verdicts).where(v.campaign_id == campaign_id, v.seq > after_seq)
            .order_by(v.seq).limit(limit))
        return [(row.seq, _verdict(row)) for row in rows]

    # request ids

    def find_request(self, request_id: str) -> StoredRequest | None:
        row = self._session.execute(select(tables.request_ids).where(
            tables.request_ids.c.request_id == request_id)).first()
        if row is None:
            return None
        return StoredRequest(row.request_id, row.method, row.fingerprint, row.resource_id)

    def add_request(self, request: StoredRequest, at: dt.datetime) -> None:
        self._session.execute(insert(tables.request_ids).values(
            request_id=request.request_id, method=request.method,
            fingerprint=request.fingerprint, resource_id=request.resource_id, created_at=at))

    # audit

    def record(self, *events: outbox.AuditEvent) -> None:
        """Adds ``events`` to the outbox in this transaction."""
        outbox.record(self._session, tables.audit_outbox, SERVICE, *events)

