"""BatchCheckContactability: each item answers exactly what CheckContactability answers for
it (or NOT_FOUND as an item error), in request order, read with one statement; a malformed
item refuses the whole call."""

from __future__ import annotations

import grpc
import pytest

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_leads.adapters.store.contactability import PooledContactabilityRead
from tests.e2e.leads.conftest import OTHER_VENTURE

EVIDENCE = pb.ConsentEvidence(source="web_form", form_url="https://acme.test/signup")
EMAIL = common_pb2.CHANNEL_EMAIL
SMS = common_pb2.CHANNEL_SMS


def _item(lead_id: str, channel: int = EMAIL, required: bool = False):
    return pb.CheckContactabilityRequest(lead_id=lead_id, channel=channel,
                                         consent_required=required)


async def _batch(leads, items, token: str | None = None):
    return await leads.stub.BatchCheckContactability(
        pb.BatchCheckContactabilityRequest(requests=items),
        metadata=leads.auth(token or leads.tokens.service))


async def _alone(leads, item, token: str | None = None) -> pb.CheckContactabilityResult:
    """The single call's answer for one item, as the batch would carry it."""
    try:
        response = await leads.stub.CheckContactability(
            item, metadata=leads.auth(token or leads.tokens.service))
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND
        return pb.CheckContactabilityResult(error=common_pb2.ItemError(
            code=grpc.StatusCode.NOT_FOUND.value[0], reason=common_pb2.ERROR_REASON_NOT_FOUND,
            message=error.details()))
    return pb.CheckContactabilityResult(response=response)


@pytest.fixture
def reads(monkeypatch) -> list[list[str]]:
    """The lead ids of every contactability statement the server runs."""
    seen: list[list[str]] = []
    original = PooledContactabilityRead.__call__

    def recording(self, lead_ids):
        seen.append(list(lead_ids))
        return original(self, lead_ids)

    monkeypatch.setattr(PooledContactabilityRead, "__call__", recording)
    return seen


async def test_each_item_answers_as_the_single_call(leads, reads):
    allowed = await leads.capture(email="ann@example.com", first_name="Ann",
                                  consent_status=pb.CONSENT_STATUS_CONSENTED,
                                  consent_evidence=EVIDENCE)
    dnc = await leads.capture(email="dee@example.com", consent_status=pb.CONSENT_STATUS_DNC)
    suppressed = await leads.capture(email="sue@example.com",
                                     consent_status=pb.CONSENT_STATUS_CONSENTED,
                                     consent_evidence=EVIDENCE)
    await leads.stub.MarkDnc(pb.MarkDncRequest(
        identifier=pb.Identifier(kind=pb.IDENTIFIER_KIND_EMAIL, value="sue@example.com"),
        venture_id="acme", reason="complaint"), metadata=leads.auth())
    unknown = await leads.capture(phone="+1 415 555 2671")
    erased = await leads.capture(email="erin@example.com",
                                 consent_status=pb.CONSENT_STATUS_CONSENTED,
                                 consent_evidence=EVIDENCE)
    await leads.stub.EraseLead(pb.EraseLeadRequest(lead_id=erased.lead.lead_id,
                                                   reason="GDPR art. 17"),
                               metadata=leads.auth())
    items = [
        _item(allowed.lead.lead_id),
        _item(dnc.lead.lead_id),
        _item(suppressed.lead.lead_id),
        _item(unknown.lead.lead_id, SMS, required=True),
        _item(unknown.lead.lead_id, SMS),
        _item("no-such-lead"),
        _item(erased.lead.lead_id),
        _item(allowed.lead.lead_id, SMS),
        _item(""),
        _item("nul\0id"),  # no lead has one; PostgreSQL would refuse it as a parameter
    ]
    expected = [await _alone(leads, item) for item in items]
    before = len(reads)
    answer = await _batch(leads, items)
    assert list(answer.results) == expected
    # The whole batch, duplicates included, is one statement.
    assert len(reads) == before + 1
    assert sorted(reads[-1]) == sorted(item.lead_id for item in items[:-1] if item.lead_id)

    first, blocked, on_list, needs_consent, unasked, missing, gone, no_phone, empty, nul = (
        answer.results)
    assert first.response.allowed and first.response.address == "ann@example.com"
    assert first.response.lead.first_name == "Ann"
    assert list(blocked.response.reasons) == [pb.CONTACTABILITY_REASON_DNC]
    assert pb.CONTACTABILITY_REASON_SUPPRESSED in on_list.response.reasons
    assert list(needs_consent.response.reasons) == [
        pb.CONTACTABILITY_REASON_CONSENT_REQUIRED_UNKNOWN]
    assert unasked.response.allowed and unasked.response.address == "+14155552671"
    assert pb.CONTACTABILITY_REASON_ERASED in gone.response.reasons
    assert list(no_phone.response.reasons) == [pb.CONTACTABILITY_REASON_NO_ADDRESS_FOR_CHANNEL]
    for failed in (missing, empty, nul):
        assert failed.WhichOneof("outcome") == "error"
        assert failed.error.code == grpc.StatusCode.NOT_FOUND.value[0]
        assert failed.error.reason == common_pb2.ERROR_REASON_NOT_FOUND


async def test_order_is_kept_and_a_lead_may_come_twice(leads, reads):
    ann = await leads.capture(email="ann@example.com",
                              consent_status=pb.CONSENT_STATUS_CONSENTED,
                              consent_evidence=EVIDENCE)
    bob = await leads.capture(email="bob@example.com", consent_status=pb.CONSENT_STATUS_DNC)
    items = [_item(bob.lead.lead_id), _item(ann.lead.lead_id), _item("missing"),
             _item(bob.lead.lead_id), _item(ann.lead.lead_id, SMS), _item(ann.lead.lead_id)]
    before = len(reads)
    answer = await _batch(leads, items)
    assert len(reads) == before + 1
    assert [r.WhichOneof("outcome") for r in answer.results] == [
        "response", "response", "error", "response", "response", "response"]
    assert [r.response.allowed for r in answer.results] == [
        False, True, False, False, False, True]
    assert answer.results[0] == answer.results[3]
    assert answer.results[1] == answer.results[5]
    assert answer.results[1].response.lead.lead_id == ann.lead.lead_id
    assert answer.results[0].response.venture_id == "acme"
    assert list(answer.results) == [await _alone(leads, item) for item in items]


async def test_a_venture_scoped_token_sees_another_venture_as_missing(leads):
    ours = await leads.capture(email="ann@example.com",
                               consent_status=pb.CONSENT_STATUS_CONSENTED,
                               consent_evidence=EVIDENCE)
    theirs = await leads.capture(venture_id=OTHER_VENTURE, email="glo@example.com",
                                 consent_status=pb.CONSENT_STATUS_CONSENTED,
                                 consent_evidence=EVIDENCE)
    items = [_item(theirs.lead.lead_id), _item(ours.lead.lead_id)]
    scoped = await _batch(leads, items, leads.tokens.acme_viewer)
    hidden, seen = scoped.results
    assert hidden.WhichOneof("outcome") == "error"
    assert hidden.error.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert "glo@example.com" not in str(hidden)
    assert seen.response.allowed and seen.response.venture_id == "acme"
    assert list(scoped.results) == [await _alone(leads, item, leads.tokens.acme_viewer)
                                    for item in items]
    # Without a venture in the token, the same lead is visible.
    unscoped = await _batch(leads, items)
    assert unscoped.results[0].response.venture_id == OTHER_VENTURE


async def test_a_malformed_item_refuses_the_whole_call(leads, reads):
    made = await leads.capture(email="ann@example.com")
    items = [_item(made.lead.lead_id), _item("missing"), _item(made.lead.lead_id, 0),
             _item(made.lead.lead_id, 99)]
    before = len(reads)
    refused = await leads.failure(_batch(leads, items))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields == ["requests[2].channel", "requests[3].channel"]
    assert len(reads) == before  # nothing was read


@pytest.mark.parametrize("count", [0, 501])
async def test_the_batch_holds_one_to_500_checks(leads, reads, count):
    refused = await leads.failure(_batch(leads, [_item("lead")] * count))
    assert (refused.code, refused.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["requests"])
    assert reads == []


async def test_500_checks_are_one_read(leads, reads):
    made = await leads.capture(email="ann@example.com",
                               consent_status=pb.CONSENT_STATUS_CONSENTED,
                               consent_evidence=EVIDENCE)
    items = [_item(made.lead.lead_id if i % 2 else f"missing-{i}") for i in range(500)]
    before = len(reads)
    answer = await _batch(leads, items)
    assert len(reads) == before + 1 and len(reads[-1]) == 500
    assert [r.WhichOneof("outcome") for r in answer.results] == [
        "response" if i % 2 else "error" for i in range(500)]
    assert all(r.response.allowed for r in answer.results[1::2])


async def test_a_caller_without_a_token_is_refused(leads):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.stub.BatchCheckContactability(
            pb.BatchCheckContactabilityRequest(requests=[_item("lead")]))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
