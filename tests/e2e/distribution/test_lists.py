"""Distribution's List calls page the way every service does (AIP-158): a page size of 0 is
the default, one above the maximum is cut to it, a negative one is refused naming page_size,
and a page token only continues the list (the filters) it was issued for. A venture-scoped
caller lists its own venture's things; naming another venture is refused, and another
venture's template does not exist for it."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo_common.auth import Role
from aicmo_common.errors import decode_rpc_error
from aicmo_common.pages import MAX_PAGE_SIZE
from tests.conftest import bearer
from tests.support.stack import EMAIL


async def _refused_fields(call) -> list[str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    details = decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    return details.fields


async def _dry_sends(stack, campaign, template, count: int) -> set[str]:
    ids = set()
    for index in range(count):
        lead = await stack.capture(campaign, f"l{index}.{campaign.id[:8]}@example.org")
        answer = await stack.create_send(campaign, lead.lead_id, template.id, dry_run=True)
        ids.add(answer.send.id)
    return ids


async def test_a_send_page_token_continues_only_the_campaign_it_was_issued_for(stack):
    await stack.start_distribution()
    first = await stack.campaign()
    second = await stack.campaign(first.venture_id)
    template = await stack.template(first.venture_id)
    in_first = await _dry_sends(stack, first, template, 2)
    await _dry_sends(stack, second, template, 1)

    page = await stack.dist.ListSends(dpb.ListSendsRequest(campaign_id=first.id, page_size=1),
                                      metadata=stack.md)
    assert len(page.sends) == 1 and page.next_page_token
    rest = await stack.dist.ListSends(dpb.ListSendsRequest(
        campaign_id=first.id, page_size=1, page_token=page.next_page_token), metadata=stack.md)
    assert {page.sends[0].id, rest.sends[0].id} == in_first

    assert await _refused_fields(stack.dist.ListSends(dpb.ListSendsRequest(
        campaign_id=second.id, page_size=1, page_token=page.next_page_token),
        metadata=stack.md)) == ["page_token"]
    assert await _refused_fields(stack.dist.ListSends(dpb.ListSendsRequest(
        campaign_id=first.id, state=dpb.SEND_STATE_SENT, page_size=1,
        page_token=page.next_page_token), metadata=stack.md)) == ["page_token"]


async def test_a_dry_run_page_token_continues_only_the_campaign_it_was_issued_for(stack):
    await stack.start_distribution()
    first = await stack.campaign()
    second = await stack.campaign(first.venture_id)
    template = await stack.template(first.venture_id)
    for index in range(2):
        await stack.capture(first, f"dry{index}@example.org")
    await stack.capture(second, "other@example.org")

    page = await stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
        campaign_id=first.id, template_id=template.id, page_size=1), metadata=stack.md)
    assert len(page.recipients) == 1 and page.next_page_token
    assert await _refused_fields(stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
        campaign_id=second.id, template_id=template.id, page_size=1,
        page_token=page.next_page_token), metadata=stack.md)) == ["page_token"]
    rest = await stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
        campaign_id=first.id, template_id=template.id, page_size=1,
        page_token=page.next_page_token), metadata=stack.md)
    assert rest.recipients[0].lead_id != page.recipients[0].lead_id
    assert rest.would_send == 2


async def test_a_page_size_above_the_maximum_is_cut_to_it(stack):
    await stack.start_distribution()
    venture_id = (await stack.campaign()).venture_id
    limiter = asyncio.Semaphore(16)

    async def one() -> None:
        async with limiter:
            await stack.template(venture_id, EMAIL)

    await asyncio.gather(*(one() for _ in range(MAX_PAGE_SIZE + 1)))

    page = await stack.dist.ListTemplates(dpb.ListTemplatesRequest(
        venture_id=venture_id, page_size=10_000), metadata=stack.md)
    assert len(page.templates) == MAX_PAGE_SIZE and page.next_page_token
    rest = await stack.dist.ListTemplates(dpb.ListTemplatesRequest(
        venture_id=venture_id, page_size=10_000, page_token=page.next_page_token),
        metadata=stack.md)
    assert len(rest.templates) == 1 and not rest.next_page_token
    assert rest.templates[0].id not in {t.id for t in page.templates}
    # The other lists answer too instead of refusing the size.
    sends = await stack.dist.ListSends(dpb.ListSendsRequest(page_size=10_000),
                                       metadata=stack.md)
    runs = await stack.dist.ListRuns(dpb.ListRunsRequest(page_size=10_000), metadata=stack.md)
    assert (list(sends.sends), sends.next_page_token) == ([], "")
    assert (list(runs.runs), runs.next_page_token) == ([], "")


async def test_a_negative_page_size_is_refused_naming_it(stack):
    await stack.start_distribution()
    campaign = await stack.campaign()
    template = await stack.template(campaign.venture_id)
    calls = [
        stack.dist.ListTemplates(dpb.ListTemplatesRequest(page_size=-1), metadata=stack.md),
        stack.dist.ListSends(dpb.ListSendsRequest(page_size=-1), metadata=stack.md),
        stack.dist.ListRuns(dpb.ListRunsRequest(page_size=-1), metadata=stack.md),
        stack.dist.DryRunCampaign(dpb.DryRunCampaignRequest(
            campaign_id=campaign.id, template_id=template.id, page_size=-1),
            metadata=stack.md),
    ]
    for call in calls:
        assert await _refused_fields(call) == ["page_size"]


async def test_a_scoped_caller_lists_its_own_venture_and_is_refused_another(stack, signer):
    await stack.start_distribution()
    own = await stack.template((await stack.campaign()).venture_id)
    other = await stack.template((await stack.campaign()).venture_id)
    scoped = bearer(signer.issue("op@test", Role.OPERATOR, venture=own.venture_id))

    listed = await stack.dist.ListTemplates(dpb.ListTemplatesRequest(), metadata=scoped)
    assert [t.id for t in listed.templates] == [own.id]
    named = await stack.dist.ListTemplates(dpb.ListTemplatesRequest(
        venture_id=own.venture_id), metadata=scoped)
    assert [t.id for t in named.templates] == [own.id]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stack.dist.ListTemplates(dpb.ListTemplatesRequest(
            venture_id=other.venture_id), metadata=scoped)
    details = decode_rpc_error(caught.value)
    assert (details.code, details.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                              "VENTURE_SCOPE")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stack.dist.GetTemplate(dpb.GetTemplateRequest(template_id=other.id),
                                     metadata=scoped)
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND
