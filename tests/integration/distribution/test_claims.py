"""Claims on a real database (SQLite and PostgreSQL): replicas claiming at once never share a
send, a lapsed claim is free again, and a send left SENDING becomes UNKNOWN_OUTCOME."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from aicmo_distribution.adapters import repository as repo

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(seconds=60)


def job(index: int, **values) -> dict:
    return {"id": str(uuid.uuid4()), "request_id": None, "request_hash": "h",
            "dedupe_key": f"c|lead-{index}|1", "campaign_id": "c", "venture_id": "v",
            "lead_id": f"lead-{index}", "channel": "EMAIL", "step": 1, "template_id": "t",
            "inline_subject": None, "inline_body_text": None, "inline_body_html": None,
            "run_id": None, "dry_run": False, "state": "RETRYING", "block_reasons": "",
            "transient": True, "detail": "", "delivery_attempts": 0, "check_attempts": 0,
            "verdict_sequence": 0, "message_id": "", "remaining_quota": 0,
            "next_attempt_at": NOW - dt.timedelta(seconds=1), "claimed_by": None,
            "claim_expires_at": None, "created_at": NOW + dt.timedelta(microseconds=index),
            "updated_at": NOW, "updated_day": "2025-06-02", "sent_at": None,
            "resolution_note": "", **values}


async def test_concurrent_claims_never_overlap(database):
    for index in range(40):
        await database.run(repo.insert_send, job(index))
    assert not await database.run(repo.insert_send, job(0))  # (campaign, lead, step) taken

    async def replica(name: str) -> list[str]:
        claimed = []
        while batch := await database.run(repo.claim_due, replica=name, now=NOW, ttl=TTL,
                                          limit=3):
            claimed += [row["id"] for row in batch]
        return claimed

    results = await asyncio.gather(*(replica(f"r{i}") for i in range(4)))
    everything = [send_id for claimed in results for send_id in claimed]
    assert len(everything) == len(set(everything)) == 40


async def test_a_lapsed_claim_is_free_and_sending_becomes_unknown(database):
    held = job(1, claimed_by="dead", claim_expires_at=NOW + TTL)
    sending = job(2, state="SENDING", claimed_by="dead", claim_expires_at=NOW + TTL)
    for row in (held, sending):
        await database.run(repo.insert_send, row)
    assert await database.run(repo.claim_due, replica="me", now=NOW, ttl=TTL, limit=10) == []
    assert await database.run(repo.reconcile_sending, now=NOW) == []

    later = NOW + TTL + dt.timedelta(seconds=1)
    claimed = await database.run(repo.claim_due, replica="me", now=later, ttl=TTL, limit=10)
    assert [row["id"] for row in claimed] == [held["id"]]
    reconciled = await database.run(repo.reconcile_sending, now=later)
    assert [row["id"] for row in reconciled] == [sending["id"]]
    after = await database.run_read(repo.get_send, sending["id"])
    assert after["state"] == "UNKNOWN_OUTCOME" and after["claimed_by"] is None
    assert after["block_reasons"] == "DELIVERY_OUTCOME_UNKNOWN"


async def test_insert_returns_the_stored_row_and_claimed_updates_return_the_new_one(database):
    row = job(1, request_id="req-1", claimed_by="me", claim_expires_at=NOW + TTL)
    stored = await database.run(repo.insert_send, row)
    assert stored == await database.run_read(repo.get_send, row["id"])
    assert stored["created_at"] == row["created_at"] and stored["transient"] is True
    assert await database.run(repo.insert_send, job(1, request_id="req-2")) is None
    assert await database.run(repo.insert_send, job(9, request_id="req-1")) is None

    by_request, by_key = await database.run_read(repo.send_by_request_or_dedupe, "req-1",
                                                 "c|lead-1|1")
    assert by_request["id"] == by_key["id"] == row["id"]
    assert await database.run_read(repo.send_by_request_or_dedupe, "req-x", None) == (None,
                                                                                       None)

    changed = await database.run(repo.update_claimed_send, row["id"], replica="me",
                                 state="RETRYING", values={"state": "SENDING",
                                                           "updated_at": later_by(5)})
    assert changed == await database.run_read(repo.get_send, row["id"])
    assert changed["state"] == "SENDING" and changed["updated_at"] == later_by(5)
    # Not the holder, or not in the state named: nothing changes.
    assert await database.run(repo.update_claimed_send, row["id"], replica="other",
                              state="SENDING", values={"state": "SENT"}) is None
    assert await database.run(repo.update_claimed_send, row["id"], replica="me",
                              state="RETRYING", values={"state": "SENT"}) is None
    assert (await database.run_read(repo.get_send, row["id"]))["state"] == "SENDING"


async def test_bulk_insert_leaves_out_taken_keys(database):
    await database.run(repo.insert_send, job(1, run_id="old"))
    rows = [job(index, run_id="new") for index in (1, 2, 3, 3)]
    await database.run(repo.insert_sends, rows)
    holders = await database.run_read(repo.sends_by_dedupe,
                                      [f"c|lead-{i}|1" for i in (1, 2, 3, 4)])
    assert {key: holder["run_id"] for key, holder in holders.items()} == {
        "c|lead-1|1": "old", "c|lead-2|1": "new", "c|lead-3|1": "new"}
    assert holders["c|lead-3|1"]["id"] == rows[2]["id"]


def later_by(seconds: int) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


async def test_claims_take_queued_oldest_first_and_only_waiting_jobs_whose_time_came(database):
    queued = [job(i, state="QUEUED", next_attempt_at=None) for i in range(3)]
    due = job(10, state="DEFERRED", created_at=NOW - dt.timedelta(hours=1))
    later = job(11, state="RETRYING", next_attempt_at=NOW + dt.timedelta(minutes=5))
    for row in [*reversed(queued), due, later]:
        await database.run(repo.insert_send, row)
    claimed = await database.run(repo.claim_due, replica="r", now=NOW, ttl=TTL, limit=10)
    assert [row["id"] for row in claimed] == [due["id"], *(row["id"] for row in queued)]
    assert await database.run(repo.claim_due, replica="r2", now=NOW, ttl=TTL, limit=10) == []


async def test_many_claimed_updates_answer_each_job_and_skip_a_lost_claim(database):
    rows = [job(i) for i in range(4)]
    for row in rows:
        await database.run(repo.insert_send, row)
    mine = await database.run(repo.claim_due, replica="mine", now=NOW, ttl=TTL, limit=3)
    assert len(mine) == 3
    # The one job "mine" did not claim: its change must not apply.
    lost, = {row["id"] for row in rows} - {row["id"] for row in mine}
    later = NOW + dt.timedelta(seconds=1)

    def change(state: str, **extra) -> dict:
        return {"state": state, "detail": state.lower(), "updated_at": later, **extra}

    changes = [(mine[0]["id"], "RETRYING", change("SENDING", delivery_attempts=1)),
               (mine[1]["id"], "RETRYING", change("SENT", claimed_by=None, sent_at=later)),
               (lost, "RETRYING", change("SENDING", delivery_attempts=1)),
               (mine[2]["id"], "QUEUED", change("SENDING", delivery_attempts=1))]
    answers = await database.run(repo.update_claimed_sends, changes, replica="mine")
    assert answers[0]["state"] == "SENDING" and answers[0]["delivery_attempts"] == 1
    assert answers[0]["claimed_by"] == "mine"
    assert answers[1]["state"] == "SENT" and answers[1]["claimed_by"] is None
    assert answers[1]["sent_at"] == later
    assert answers[2] is None  # not this replica's claim
    assert answers[3] is None  # not in the state the change expected
    assert (await database.run_read(repo.get_send, lost))["state"] == "RETRYING"
    assert (await database.run_read(repo.get_send, mine[2]["id"]))["state"] == "RETRYING"
