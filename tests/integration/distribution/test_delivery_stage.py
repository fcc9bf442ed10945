"""How far a delivery got, on a real database (SQLite and PostgreSQL): the channel's
"content starts now" is committed before it returns and only for the replica's own SENDING
job, and after a crash a send that provably never gave out its content goes back to the queue
while one that may have is left for review."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_common.db import Database
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.service_layer.deps import SendSettings
from aicmo_distribution.service_layer.sending import ContentNotRecorded, SendPath, reports_content
from tests.integration.distribution.test_claims import NOW, TTL, job


def send_path(database: Database) -> SendPath:
    return SendPath(database, venture=None, leads=None, channels=None, unsubscribe=None,
                    clock=lambda: NOW, settings=SendSettings(), replica_id="me")


async def test_after_a_crash_only_sends_whose_content_may_have_left_await_review(database):
    stages = {"STARTED": None, "ENVELOPE": None, "CONTENT": None, None: None}
    for index, stage in enumerate(stages):
        row = job(index, state="SENDING", claimed_by="dead", claim_expires_at=NOW,
                  delivery_attempts=1, delivery_stage=stage)
        stages[stage] = row["id"]
        await database.run(repo.insert_send, row)
    later = NOW + dt.timedelta(seconds=1)

    reconciled = await database.run(repo.reconcile_sending, now=later)

    assert {row["id"]: row["state"] for row in reconciled} == {
        stages["STARTED"]: "QUEUED", stages["ENVELOPE"]: "QUEUED",
        stages["CONTENT"]: "UNKNOWN_OUTCOME", stages[None]: "UNKNOWN_OUTCOME"}
    for stage, send_id in stages.items():
        after = await database.run_read(repo.get_send, send_id)
        assert after["claimed_by"] is None and after["delivery_stage"] == stage
        if stage in ("STARTED", "ENVELOPE"):
            assert after["state"] == "QUEUED" and after["block_reasons"] == ""
        else:
            assert after["state"] == "UNKNOWN_OUTCOME"
            assert after["block_reasons"] == "DELIVERY_OUTCOME_UNKNOWN"
    # The queued ones are due again for the worker; the others are not.
    claimed = await database.run(repo.claim_due, replica="new", now=later, ttl=TTL, limit=10)
    assert {row["id"] for row in claimed} == {stages["STARTED"], stages["ENVELOPE"]}


async def test_content_is_recorded_durably_and_only_for_the_replicas_own_sending_job(database):
    mine = job(1, state="SENDING", claimed_by="me", claim_expires_at=NOW + TTL,
               delivery_stage="STARTED")
    lost = job(2, state="SENDING", claimed_by="other", claim_expires_at=NOW + TTL,
               delivery_stage="STARTED")
    queued = job(3, state="QUEUED", claimed_by="me", claim_expires_at=NOW + TTL,
                 delivery_stage="STARTED")
    for row in (mine, lost, queued):
        await database.run(repo.insert_send, row)
    path = send_path(database)

    await path.reached_content(mine["id"])
    # Read on another connection: committed when the call returned.
    assert (await database.run_read(repo.get_send, mine["id"]))["delivery_stage"] == "CONTENT"
    for other in (lost, queued):
        with pytest.raises(ContentNotRecorded):
            await path.reached_content(other["id"])
        assert (await database.run_read(repo.get_send, other["id"]))["delivery_stage"] == (
            "STARTED")


def test_a_channel_reports_content_only_when_it_says_it_opens_the_content_gate():
    from aicmo_distribution.adapters.channels.file import FileChannel
    from aicmo_distribution.adapters.channels.smtp import SmtpChannel
    from aicmo_distribution.adapters.channels.webhook import WebhookChannel

    class Silent:
        async def deliver(self, message, handoff=None): ...

    class Truthy:
        opens_content = "yes"

    assert all(kind.opens_content is True for kind in (SmtpChannel, WebhookChannel,
                                                       FileChannel))
    assert reports_content(SmtpChannel.__new__(SmtpChannel))
    assert not reports_content(Silent()) and not reports_content(Truthy())


async def test_auto_pause_counts_settled_failures_not_transient_refusals_awaiting_retry(
        database):
    def attempt(index: int, state: str) -> dict:
        return job(index, run_id="run", state=state, delivery_attempts=1,
                   updated_at=NOW + dt.timedelta(seconds=index))

    rows = [attempt(0, "SENT"), attempt(1, "RETRYING"), attempt(2, "RETRYING"),
            attempt(3, "FAILED"), attempt(4, "SENT"), attempt(5, "UNKNOWN_OUTCOME"),
            attempt(6, "QUEUED"), job(7, run_id="run", state="FAILED")]  # 7: never attempted
    for row in rows:
        await database.run(repo.insert_send, row)
    # Newest first: 5 unknown, 4 sent, 3 failed, 0 sent; the 451s waiting to retry are out.
    assert await database.run_read(repo.recent_delivery_failures, "run", 10) == [
        True, False, True, False]
