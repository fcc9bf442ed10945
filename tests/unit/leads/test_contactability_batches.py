"""Concurrent contactability checks are read in batches: a call with a batch free starts one
at once, calls arriving meanwhile share the next read, and each caller gets its own answer or
error."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace

import pytest

from aicmo_common.errors import NotFound
from aicmo_leads.adapters.store.contactability import ContactabilityRows
from aicmo_leads.domain.contactability import BlockReason, DeliveryChannel
from aicmo_leads.entrypoints import contactability_batches
from aicmo_leads.entrypoints.contactability_batches import ContactabilityBatches
from aicmo_leads.service_layer.reading import ContactabilityCheck

DEADLINE = 5.0


class ThreadedDatabase:
    async def offload(self, fn, *args):
        return await asyncio.to_thread(fn, *args)


def _rows(lead_id: str) -> ContactabilityRows:
    lead = SimpleNamespace(id=lead_id, venture_id="acme", consent_status="dnc",
                           state="active", email="a@example.com", phone=None,
                           linkedin_url=None, merged_into=None)
    return ContactabilityRows(lead=lead, first_touch=None, last_touch=None, identifiers=(),
                              suppressed=False)


class GatedRead:
    """Knows leads "a" to "z"; the first batches wait for ``release``."""

    def __init__(self, held: int) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.held = held
        self.fail = False

    def __call__(self, lead_ids):
        self.batches.append(list(lead_ids))
        if len(self.batches) <= self.held and not self.release.wait(DEADLINE):
            raise TimeoutError("never released")
        if self.fail:
            raise RuntimeError("database gone")
        return {lead_id: _rows(lead_id) for lead_id in lead_ids if len(lead_id) == 1}


def _check(lead_id: str) -> ContactabilityCheck:
    return ContactabilityCheck(lead_id, None, DeliveryChannel.EMAIL, False)


async def _until(condition) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


async def test_calls_arriving_while_batches_run_share_one_read():
    read = GatedRead(held=contactability_batches.MAX_IN_FLIGHT)
    batches = ContactabilityBatches(ThreadedDatabase(), read)
    first = [asyncio.create_task(batches.check(_check(lead_id))) for lead_id in "ab"]
    await _until(lambda: len(read.batches) == 2)
    queued = [asyncio.create_task(batches.check(_check(lead_id)))
              for lead_id in ("c", "d", "missing", "e")]
    await _until(lambda: len(batches._pending) == 4)
    read.release.set()
    answers = await asyncio.gather(*first, *queued, return_exceptions=True)
    assert read.batches == [["a"], ["b"], ["c", "d", "missing", "e"]]
    assert [a.verdict.reasons for a in answers if not isinstance(a, Exception)] == [
        (BlockReason.DNC,)] * 5
    assert isinstance(answers[4], NotFound)
    assert answers[4].metadata == {"lead_id": "missing"}


async def test_a_failed_read_fails_every_call_of_its_batch_and_later_calls_still_run():
    read = GatedRead(held=0)
    read.fail = True
    batches = ContactabilityBatches(ThreadedDatabase(), read)
    outcomes = await asyncio.gather(*(batches.check(_check(lead_id)) for lead_id in "abc"),
                                    return_exceptions=True)
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    read.fail = False
    answer = await batches.check(_check("d"))
    assert answer.venture_id == "acme"


async def test_a_caller_that_gives_up_does_not_disturb_the_others():
    read = GatedRead(held=contactability_batches.MAX_IN_FLIGHT)
    batches = ContactabilityBatches(ThreadedDatabase(), read)
    first = [asyncio.create_task(batches.check(_check(lead_id))) for lead_id in "ab"]
    await _until(lambda: len(read.batches) == 2)
    leaving = asyncio.create_task(batches.check(_check("c")))
    staying = asyncio.create_task(batches.check(_check("d")))
    await _until(lambda: len(batches._pending) == 2)
    leaving.cancel()
    read.release.set()
    assert (await staying).venture_id == "acme"
    await asyncio.gather(*first)
    with pytest.raises(asyncio.CancelledError):
        await leaving
