"""The venture schema and repository on real SQLite and PostgreSQL: migrations, round trips,
and the atomic quota reservation under threads."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from aicmo_common import outbox
from aicmo_common.actor import Actor
from aicmo_common.db import Database
from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters import tables
from aicmo_venture.adapters.repository import SqlVentureRepository
from aicmo_venture.bootstrap import MIGRATIONS, VERSION_TABLE
from aicmo_venture.domain.model import (
    Campaign,
    CampaignStatus,
    Channel,
    KillSwitch,
    SenderIdentity,
    SendWindow,
    Venture,
    Weekday,
)
from aicmo_venture.domain.verdict import Decision, DenyReason, SendPolicy, Verdict

NOW = dt.datetime(2025, 6, 2, 8, 0, 0, 123456, tzinfo=dt.UTC)
DAY = dt.date(2025, 6, 2)


@pytest.fixture
def database(database_url):
    database = Database(database_url, workers=12)
    database.migrate(MIGRATIONS, VERSION_TABLE)
    yield database
    database.close()


def _seed(session) -> Campaign:
    repo = SqlVentureRepository(session)
    repo.add_venture(Venture(
        id="acme", name="Acme", timezone="Europe/Berlin", owner_contact="o@acme.example",
        default_channels=(Channel.EMAIL, Channel.SMS),
        kill_switch=KillSwitch(True, "why", Actor("ops@t", "operator"), NOW),
        sender=SenderIdentity("hi@acme.example", "Acme", "1 Main St"),
        created_at=NOW, updated_at=NOW))
    campaign = Campaign(
        id="c-1", venture_id="acme", name="C", allowed_channels=(Channel.SMS,),
        daily_send_limit=10, consent_required=True, status=CampaignStatus.PAUSED,
        send_window=SendWindow(frozenset({Weekday.MONDAY, Weekday.SUNDAY}), 540, 1440),
        created_at=NOW, updated_at=NOW)
    repo.add_campaign(campaign)
    return campaign


def _head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_use_the_service_version_table_and_are_repeatable(database):
    database.migrate(MIGRATIONS, VERSION_TABLE)  # a second run changes nothing
    names = set(inspect(database.engine).get_table_names())
    assert {"ventures", "campaigns", "quota_days", "verdicts", "campaign_history",
            "global_kill_switch", "request_ids", "audit_outbox", "kill_switch_epoch",
            "kill_switch_watchers", VERSION_TABLE} <= names
    assert "alembic_version" not in names
    with database.engine.connect() as connection:
        assert connection.execute(text(f"select version_num from {VERSION_TABLE}")
                                  ).scalar_one() == _head_revision()
    assert database.read(lambda s: SqlVentureRepository(s).get_global_kill_switch()) == \
        KillSwitch()


def test_the_migrated_schema_matches_the_tables_the_code_uses(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = [change for change in compare_metadata(context, tables.metadata)
                 if not (change[0] == "remove_table" and change[1].name == VERSION_TABLE)]
    assert drift == []


def test_ventures_and_campaigns_round_trip(database):
    stored = database.transact(_seed)
    venture = database.read(lambda s: SqlVentureRepository(s).get_venture("acme"))
    assert venture.kill_switch == KillSwitch(True, "why", Actor("ops@t", "operator"), NOW)
    assert venture.default_channels == (Channel.EMAIL, Channel.SMS)
    assert venture.sender.postal_address == "1 Main St"
    campaign = database.read(lambda s: SqlVentureRepository(s).get_campaign("c-1"))
    assert campaign == stored
    assert campaign.created_at.tzinfo is not None


def test_verdicts_round_trip_and_send_ids_are_unique(database):
    database.transact(_seed)
    verdict = Verdict(
        send_id="s-1", campaign_id="c-1", venture_id="acme", channel=Channel.SMS,
        decision=Decision.DENY,
        deny_reasons=(DenyReason.CAMPAIGN_NOT_RUNNING, DenyReason.OUTSIDE_SEND_WINDOW),
        remaining_quota_today=3, quota_day=DAY,
        policy=SendPolicy(True, SenderIdentity("hi@acme.example", "Acme", "1 Main St"),
                          "Europe/Berlin", NOW + dt.timedelta(hours=1)),
        decided_at=NOW, requested_by=Actor("svc-distribution", "service"))
    database.transact(lambda s: SqlVentureRepository(s).add_verdict(verdict))
    assert database.read(lambda s: SqlVentureRepository(s).find_verdict("s-1")) == verdict
    with pytest.raises(IntegrityError):
        database.transact(lambda s: SqlVentureRepository(s).add_verdict(verdict))


def test_reservations_are_exact_under_concurrent_threads(database):
    database.transact(_seed)
    limit, threads, attempts = 25, 12, 60
    barrier = threading.Barrier(threads)

    def worker() -> list[bool]:
        barrier.wait(timeout=10)
        return [database.transact(
            lambda s: SqlVentureRepository(s).reserve_quota("c-1", DAY, limit))[0]
            for _ in range(attempts // threads)]

    with ThreadPoolExecutor(threads) as pool:
        outcomes = [ok for batch in pool.map(lambda _: worker(), range(threads)) for ok in batch]
    assert sum(outcomes) == limit
    assert database.read(lambda s: SqlVentureRepository(s).quota_used("c-1", DAY)) == limit
    # Another day is counted separately.
    other = DAY + dt.timedelta(days=1)
    assert database.transact(
        lambda s: SqlVentureRepository(s).reserve_quota("c-1", other, limit)) == (True, 1)


def test_verdict_inputs_reads_campaign_venture_and_global_switch_in_one_go(database):
    stored = database.transact(_seed)
    inputs = database.read(lambda s: SqlVentureRepository(s).verdict_inputs("s-new", "c-1"))
    assert inputs.stored is None and inputs.campaign == stored
    assert inputs.venture == database.read(
        lambda s: SqlVentureRepository(s).get_venture("acme"))
    assert inputs.global_kill_switch is False
    engaged = KillSwitch(True, "incident", Actor("admin@t", "admin"), NOW)
    database.transact(lambda s: SqlVentureRepository(s).save_global_kill_switch(engaged))
    assert database.read(lambda s: SqlVentureRepository(s).verdict_inputs(
        "s-new", "c-1")).global_kill_switch is True
    missing = database.read(lambda s: SqlVentureRepository(s).verdict_inputs("s", "nope"))
    assert (missing.stored, missing.campaign, missing.venture) == (None, None, None)


def test_verdict_inputs_returns_the_stored_verdict_of_a_send_id(database):
    database.transact(_seed)
    verdict = Verdict(
        send_id="s-1", campaign_id="c-1", venture_id="acme", channel=Channel.SMS,
        decision=Decision.ALLOW, deny_reasons=(), remaining_quota_today=9, quota_day=DAY,
        policy=SendPolicy(False, SenderIdentity(), "Europe/Berlin"), decided_at=NOW,
        requested_by=Actor("svc-distribution", "service"))
    database.transact(lambda s: SqlVentureRepository(s).add_verdict(verdict))
    # Whatever campaign is asked about: the send id decides.
    for campaign_id in ("c-1", "other"):
        inputs = database.read(
            lambda s, c=campaign_id: SqlVentureRepository(s).verdict_inputs("s-1", c))
        assert inputs.stored == verdict and inputs.campaign is None


def test_no_limit_reserves_nothing_and_stores_no_row(database):
    database.transact(_seed)
    assert database.transact(
        lambda s: SqlVentureRepository(s).reserve_quota("c-1", DAY, 0)) == (False, 0)
    with database.engine.connect() as connection:
        assert connection.execute(text("select count(*) from quota_days")).scalar_one() == 0


def test_a_verdict_s_event_is_stored_as_the_shared_outbox_stores_it(database):
    """``store_verdict`` writes its event in its own statement on PostgreSQL (one round trip
    with the verdict): the row must be the one ``outbox.record`` writes."""
    database.transact(_seed)
    verdict = Verdict(
        send_id="s-9", campaign_id="c-1", venture_id="acme", channel=Channel.SMS,
        decision=Decision.ALLOW, deny_reasons=(), remaining_quota_today=3, quota_day=DAY,
        policy=SendPolicy(False, SenderIdentity("hi@acme.example", "Acme", "1 Main St"),
                          "Europe/Berlin", None),
        decided_at=NOW, requested_by=Actor("svc-distribution", "service"))
    event = AuditEvent(entity_type="campaign", entity_id="c-1", action="verdict.allowed",
                       actor="service:svc", venture_id="acme", request_id="r-1",
                       context={"send_id": "s-9", "deny_reasons": [], "n": 3,
                                "when": NOW}, occurred_at=NOW)
    twin = dataclasses.replace(event, id=str(uuid.uuid4()))
    database.transact(lambda s: SqlVentureRepository(s).store_verdict(verdict, event))
    database.transact(lambda s: outbox.record(s, tables.audit_outbox, "venture", twin))
    with database.engine.connect() as connection:
        rows = {row.id: row._asdict() for row in connection.execute(
            select(tables.audit_outbox))}
    ours, theirs = rows.pop(event.id), rows.pop(twin.id)
    ours.pop("id"), theirs.pop("id")
    assert ours == theirs
    assert ours["context"]["when"] == str(NOW)
    assert database.read(lambda s: SqlVentureRepository(s).find_verdict("s-9")) == verdict


async def test_concurrent_units_of_work_share_the_quota_exactly(database):
    """Reservations through ``Database.run`` (grouped on SQLite, parallel on PostgreSQL)."""
    database.transact(_seed)
    limit = 7

    def reserve(session):
        return SqlVentureRepository(session).reserve_quota("c-1", DAY, limit)

    outcomes = await asyncio.gather(*(database.run(reserve) for _ in range(20)))
    assert sorted(outcomes) == sorted([(True, n) for n in range(1, limit + 1)]
                                      + [(False, limit)] * (20 - limit))
