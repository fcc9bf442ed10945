"""The send path driven end to end with a fake venture, fake leads and a fake channel (and a
SQLite file for its records): what is delivered, what is stopped, and what is asked on the way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

import pytest

from aicmo_common.db import Database
from aicmo_common.unsubscribe import UnsubscribeSigner
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.adapters.channels import ChannelRegistry
from aicmo_distribution.bootstrap import MIGRATIONS, VERSION_TABLE
from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus, withheld_result
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    Sender,
    VentureFacts,
    Verdict,
)
from aicmo_distribution.domain.sends import BlockReason, SendJob, SendState
from aicmo_distribution.service_layer.deps import Deps, SendSettings
from aicmo_distribution.service_layer.sending import SendPath

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
SENDER = Sender("hello@acme.example", "Acme", "1 Main St, Springfield")


def verdict(*reasons: BlockReason) -> Verdict:
    return Verdict(allow=not reasons, reasons=reasons, remaining_quota=9, venture_id="acme",
                   consent_required=False, sender=SENDER, next_window_open=None)


class FakeVenture:
    """Campaign c1 of venture acme; answers every verdict with ``answer``."""

    def __init__(self, answer: Verdict | None = None) -> None:
        self.answer = answer or verdict()
        self.authorized: list[tuple[str, str, str]] = []
        self.checked = 0

    async def campaign(self, campaign_id: str) -> CampaignFacts:
        return CampaignFacts(campaign_id, "acme", consent_required=False, status="RUNNING")

    async def venture(self, venture_id: str) -> VentureFacts:
        return VentureFacts(venture_id, "Acme", SENDER)

    async def authorize(self, campaign_id: str, channel: str, send_key: str) -> Verdict:
        self.authorized.append((campaign_id, channel, send_key))
        return self.answer

    async def authorize_many(self, sends):
        return [await self.authorize(*send) for send in sends]

    async def check(self, campaign_id: str, channel: str) -> Verdict:
        self.checked += 1
        return verdict()

    async def pause(self, campaign_id: str, reason: str, request_id: str) -> None:
        raise AssertionError("nothing here should pause a campaign")


class FakeLeads:
    def __init__(self, *reasons: BlockReason) -> None:
        self.reasons = reasons
        self.asked: list[str] = []

    async def contactability(self, lead_id: str, channel: str, consent_required: bool
                             ) -> Contactability:
        self.asked.append(lead_id)
        allowed = not self.reasons
        return Contactability(allowed=allowed, reasons=self.reasons,
                              address="ada@example.com" if allowed else "",
                              venture_id="acme", consent_status="UNKNOWN",
                              lead={"first_name": "Ada"} if allowed else {})

    async def contactabilities(self, checks):
        return [await self.contactability(*check) for check in checks]

    async def lead(self, lead_id: str) -> dict[str, object]:
        return {"first_name": "Ada", "venture_id": "acme"}

    async def campaign_leads(self, *args, **kwargs):
        raise AssertionError("a single send pages no leads")


class FakeChannel:
    """Answers ``result``, or raises ``error``; opens the content gate as SMTP does."""

    name = "fake"
    opens_content = True

    def __init__(self, result: DeliveryResult | None = None,
                 error: Exception | None = None) -> None:
        self.result = result or DeliveryResult(DeliveryStatus.SENT, "provider-1", "accepted")
        self.error = error
        self.delivered: list = []

    async def deliver(self, message, handoff=None) -> DeliveryResult:
        if await handoff.last_look():
            raise AssertionError("the last look found the campaign stopped")
        async with handoff.content() as reasons:
            if reasons:
                return withheld_result(reasons, "content")
            if self.error is not None:
                raise self.error
            self.delivered.append(message)
            return self.result

    async def close(self) -> None:
        return None


class KillSwitches:
    """This replica's copy of the kill switches: engaged for the listed campaigns."""

    def __init__(self, *engaged: str) -> None:
        self.engaged = set(engaged)

    @contextlib.asynccontextmanager
    async def content(self, campaign_id: str, venture_id: str):
        yield (BlockReason.CAMPAIGN_KILL_SWITCH,) if campaign_id in self.engaged else ()


@pytest.fixture
def database(sqlite_url):
    db = Database(sqlite_url)
    db.migrate(MIGRATIONS, VERSION_TABLE)
    yield db
    db.close()


def path_over(database, venture, leads, channel, kill_switches=None) -> SendPath:
    return SendPath.from_deps(Deps(
        db=database, venture=venture, leads=leads,
        channels=ChannelRegistry({"EMAIL": channel}),
        unsubscribe=UnsubscribeSigner("s" * 32, "https://edge.example"), clock=lambda: NOW,
        settings=SendSettings(gate_freshness_seconds=0.0), replica="me",
        kill_switches=kill_switches))


async def claimed_send(database) -> SendJob:
    """A CreateSend as recorded: inline content, claimed by this replica."""
    send_id = str(uuid.uuid4())
    return repo.as_send_job(await database.run(repo.insert_send, {
        "id": send_id, "request_id": f"req-{send_id}", "request_hash": "h",
        "dedupe_key": f"c1|lead-1|{send_id}", "campaign_id": "c1", "venture_id": "acme",
        "lead_id": "lead-1", "channel": "EMAIL", "step": 1, "template_id": None,
        "inline_subject": "Hello {{ lead.first_name }}",
        "inline_body_text": "Hi {{ lead.first_name }}", "inline_body_html": None,
        "run_id": None, "dry_run": False, "state": "QUEUED", "block_reasons": "",
        "transient": False, "detail": "recorded", "delivery_attempts": 0,
        "check_attempts": 1, "verdict_sequence": 0, "message_id": "", "remaining_quota": 0,
        "next_attempt_at": None, "claimed_by": "me",
        "claim_expires_at": NOW + dt.timedelta(minutes=2), "created_at": NOW,
        "updated_at": NOW, "updated_day": "2025-06-02", "sent_at": None,
        "resolution_note": ""}))


async def test_an_allowed_send_is_delivered_once_and_recorded_sent(database):
    venture, leads, channel = FakeVenture(), FakeLeads(), FakeChannel()
    job = await claimed_send(database)

    done = await path_over(database, venture, leads, channel).drive_claimed(job)

    assert done.state is SendState.SENT and done.block_reasons == ()
    assert done.delivery_attempts == 1 and done.sent_at == NOW
    assert done.message_id == "provider-1" and done.claimed_by is None
    assert venture.authorized == [("c1", "EMAIL", job.id)]
    assert venture.checked == 1  # the last look before the first byte
    message, = channel.delivered
    assert message.to_address == "ada@example.com" and message.subject == "Hello Ada"
    assert message.from_address == SENDER.from_address
    assert "Unsubscribe: https://edge.example/u/" in message.body_text
    assert repo.as_send_job(await database.run_read(repo.get_send, job.id)) == done


async def test_a_denied_verdict_blocks_the_send_and_the_next_try_needs_a_new_key(database):
    venture, channel = FakeVenture(verdict(BlockReason.CAMPAIGN_KILL_SWITCH)), FakeChannel()
    job = await claimed_send(database)

    done = await path_over(database, venture, FakeLeads(), channel).drive_claimed(job)

    assert done.state is SendState.BLOCKED
    assert done.block_reasons == (BlockReason.CAMPAIGN_KILL_SWITCH,)
    assert done.transient is True  # releasing the switch lets a retry through
    assert done.verdict_sequence == 1 and done.delivery_attempts == 0
    assert channel.delivered == [] and venture.checked == 0


async def test_a_suppressed_lead_is_stopped_before_any_verdict_is_asked(database):
    venture, leads, channel = FakeVenture(), FakeLeads(BlockReason.LEAD_SUPPRESSED), FakeChannel()
    job = await claimed_send(database)

    done = await path_over(database, venture, leads, channel).drive_claimed(job)

    assert done.state is SendState.SUPPRESSED
    assert done.block_reasons == (BlockReason.LEAD_SUPPRESSED,)
    assert leads.asked == ["lead-1"]
    assert venture.authorized == [] and venture.checked == 0  # no quota spent on it
    assert channel.delivered == []


@pytest.mark.parametrize(("channel", "state", "reasons", "transient"), [
    (FakeChannel(DeliveryResult(DeliveryStatus.TRANSIENT, detail="451 try later")),
     SendState.RETRYING, BlockReason.DELIVERY_FAILED, True),
    (FakeChannel(DeliveryResult(DeliveryStatus.PERMANENT, detail="550 no such user")),
     SendState.FAILED, BlockReason.DELIVERY_REJECTED, False),
    (FakeChannel(error=ConnectionResetError("lost after DATA")),
     SendState.UNKNOWN_OUTCOME, BlockReason.DELIVERY_OUTCOME_UNKNOWN, False),
], ids=["refused for now", "refused for good", "channel broke"])
async def test_a_channel_failure_is_recorded_as_the_channel_answered(database, channel, state,
                                                                     reasons, transient):
    job = await claimed_send(database)

    done = await path_over(database, FakeVenture(), FakeLeads(), channel).drive_claimed(job)

    assert (done.state, done.block_reasons, done.transient) == (state, (reasons,),
                                                                         transient)
    assert done.delivery_attempts == 1 and done.sent_at is None
    if state is SendState.RETRYING:
        assert done.next_attempt_at == NOW + dt.timedelta(seconds=1)


async def test_an_engaged_kill_switch_withholds_the_content_after_an_allow(database):
    venture, channel = FakeVenture(), FakeChannel()
    job = await claimed_send(database)
    path = path_over(database, venture, FakeLeads(), channel, KillSwitches("c1"))

    done = await path.drive_claimed(job)

    assert venture.authorized == [("c1", "EMAIL", job.id)]  # the verdict said ALLOW
    assert channel.delivered == []
    assert done.state is SendState.BLOCKED
    assert done.block_reasons == (BlockReason.CAMPAIGN_KILL_SWITCH,)
    # Nothing reached the channel: not a delivery attempt.
    assert done.delivery_attempts == 0 and done.transient is True
