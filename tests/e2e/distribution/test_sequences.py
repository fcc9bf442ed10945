"""Sequence definitions through DistributionService: created whole or refused naming every bad
field, versioned on update, previewed in the venture's business days."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from aicmo.distribution.v1 import sequences_pb2 as spb
from aicmo_common.errors import decode_rpc_error
from tests.support.stack import EMAIL

SMS = 3  # aicmo.common.v1.CHANNEL_SMS


def _steps(*templates: str, wait_days: int = 2) -> list[spb.SequenceStep]:
    return [spb.SequenceStep(key=f"s{n}", channel=EMAIL,
                             variants=[spb.TemplateVariant(template_id=t)],
                             wait=spb.Wait(business_days=0 if n == 1 else wait_days))
            for n, t in enumerate(templates, start=1)]


async def _refusal(call) -> tuple[grpc.StatusCode, str, list[str]]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    details = decode_rpc_error(caught.value)
    return details.code, details.reason, details.fields


async def test_a_sequence_is_created_versioned_and_previewed_in_business_days(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    first = await stack.template(campaign.venture_id)
    second = await stack.template(campaign.venture_id)
    sequence = spb.Sequence(campaign_id=campaign.id, name="Nurture",
                            steps=_steps(first.id, second.id, first.id))
    sequence.steps[2].variants.append(spb.TemplateVariant(template_id=second.id, weight=3))

    created = (await stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="seq-1", sequence=sequence), metadata=stack.md)).sequence
    assert created.version == 1 and created.venture_id == campaign.venture_id
    assert created.time_zone == "UTC"
    assert list(created.calendar.days) == [1, 2, 3, 4, 5]
    assert (created.calendar.start_minute, created.calendar.end_minute) == (540, 1020)
    again = (await stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="seq-1", sequence=sequence), metadata=stack.md)).sequence
    assert again == created

    # Friday 16:00 UTC: step 1 at once, then two business days each (Tuesday, Thursday).
    start = dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC)
    preview = await stack.dist.PreviewSequence(spb.PreviewSequenceRequest(
        campaign_id=campaign.id, lead_id="lead-1", start_time=_stamp(start)),
        metadata=stack.md)
    assert [entry.local_time for entry in preview.timeline] == [
        "2026-12-04 16:00 UTC", "2026-12-08 16:00 UTC", "2026-12-10 16:00 UTC"]
    assert [entry.step for entry in preview.timeline] == [1, 2, 3]
    assert preview.timeline[2].template_id in {first.id, second.id}

    changed = spb.Sequence(campaign_id=campaign.id, name="Nurture, shorter",
                           steps=_steps(first.id, second.id))
    updated = (await stack.dist.UpdateSequence(spb.UpdateSequenceRequest(
        sequence=changed, base_version=1), metadata=stack.md)).sequence
    assert updated.version == 2 and len(updated.steps) == 2
    old = (await stack.dist.GetSequence(spb.GetSequenceRequest(
        campaign_id=campaign.id, version=1), metadata=stack.md)).sequence
    assert len(old.steps) == 3 and old.name == "Nurture"
    latest = (await stack.dist.GetSequence(spb.GetSequenceRequest(campaign_id=campaign.id),
                                           metadata=stack.md)).sequence
    assert latest == updated

    code, reason, _ = await _refusal(stack.dist.UpdateSequence(spb.UpdateSequenceRequest(
        sequence=changed, base_version=1), metadata=stack.md))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "VERSION_MISMATCH")
    code, reason, _ = await _refusal(stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="seq-2", sequence=sequence), metadata=stack.md))
    assert (code, reason) == (grpc.StatusCode.ALREADY_EXISTS, "SEQUENCE_EXISTS")
    code, reason, _ = await _refusal(stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="seq-1", sequence=changed), metadata=stack.md))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "REQUEST_ID_REUSED")

    listed = await stack.dist.ListSequences(spb.ListSequencesRequest(
        venture_id=campaign.venture_id), metadata=stack.md)
    assert [(s.campaign_id, s.version) for s in listed.sequences] == [(campaign.id, 2)]


async def test_a_bad_definition_is_refused_naming_every_field_and_nothing_is_stored(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    other = await stack.campaign()
    email = await stack.template(campaign.venture_id)
    foreign = await stack.template(other.venture_id)
    sms = await stack.template(campaign.venture_id, channel=SMS)
    steps = [
        spb.SequenceStep(key="intro", channel=EMAIL,
                         variants=[spb.TemplateVariant(template_id=email.id)],
                         branches=[spb.Branch(objections=["PRICE", "MONEY"],
                                              goto_step="intro")]),
        spb.SequenceStep(key="intro", channel=EMAIL,
                         variants=[spb.TemplateVariant(template_id=foreign.id),
                                   spb.TemplateVariant(template_id=sms.id, weight=5000)]),
        spb.SequenceStep(key="Bad Key", channel=EMAIL, next_step="nowhere",
                         wait=spb.Wait(business_days=400)),
    ]
    sequence = spb.Sequence(campaign_id=campaign.id, name="", steps=steps,
                            calendar=spb.BusinessCalendar(days=[1, 9], start_minute=600,
                                                          end_minute=540,
                                                          holidays=["2026-13-01"]))
    code, reason, fields = await _refusal(stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="bad-1", sequence=sequence), metadata=stack.md))
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_SEQUENCE")
    assert set(fields) == {
        "sequence.name", "sequence.calendar.days[1]", "sequence.calendar.end_minute",
        "sequence.calendar.holidays[0]", "sequence.steps[0].branches[0].objections[1]",
        "sequence.steps[0].branches[0].goto_step", "sequence.steps[1].key",
        "sequence.steps[1].variants[0].template_id",
        "sequence.steps[1].variants[1].template_id", "sequence.steps[1].variants[1].weight",
        "sequence.steps[2].key", "sequence.steps[2].next_step",
        "sequence.steps[2].variants",
        "sequence.steps[2].wait.business_days"}
    code, _, _ = await _refusal(stack.dist.GetSequence(spb.GetSequenceRequest(
        campaign_id=campaign.id), metadata=stack.md))
    assert code == grpc.StatusCode.NOT_FOUND

    checked = await stack.dist.ValidateSequence(spb.ValidateSequenceRequest(
        sequence=sequence), metadata=stack.md)
    assert not checked.valid
    assert {p.field for p in checked.problems} == set(fields)


async def test_steps_no_path_reaches_are_refused(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    template = await stack.template(campaign.venture_id)
    steps = _steps(template.id, template.id, template.id)
    steps[0].next_step = "s3"  # s2 is never reached
    code, _, fields = await _refusal(stack.dist.CreateSequence(spb.CreateSequenceRequest(
        request_id="unreached", sequence=spb.Sequence(campaign_id=campaign.id, name="x",
                                                      steps=steps)), metadata=stack.md))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and fields == ["sequence.steps[1]"]
    steps[0].next_step = ""
    steps[1].branches.append(spb.Branch(objections=["NOT_NOW"], goto_step="s3"))
    checked = await stack.dist.ValidateSequence(spb.ValidateSequenceRequest(
        sequence=spb.Sequence(campaign_id=campaign.id, name="x", steps=steps)),
        metadata=stack.md)
    assert checked.valid and not checked.problems


async def test_an_unknown_campaign_is_not_found(stack):
    await stack.start_distribution()
    code, _, _ = await _refusal(stack.dist.PreviewSequence(spb.PreviewSequenceRequest(
        campaign_id="no-such-campaign"), metadata=stack.md))
    assert code == grpc.StatusCode.NOT_FOUND


def _stamp(moment: dt.datetime):
    from google.protobuf import timestamp_pb2
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp
