"""The signed webhook against a real HTTP receiver on port 0: the signature verifies on the
receiving side, a 2xx is SENT, and 5xx answers are retried with backoff up to the cap."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo_common.signed_body import verify_signature
from tests.support.stack import EMAIL
from tests.support.waiting import wait_for

WEBHOOK = common_pb2.CHANNEL_WEBHOOK
SECRET = "webhook-secret-" + "s" * 20


class Receiver:
    """A provider endpoint: records every request and whether its signature verified."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({
                    "body": json.loads(body),
                    "valid": verify_signature(SECRET, self.headers["X-Aicmo-Timestamp"], body,
                                              self.headers["X-Aicmo-Signature"]),
                    "idempotency_key": self.headers["Idempotency-Key"]})
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"message_id": "prov-1"}')

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


async def _setup(stack, receiver):
    await stack.start_distribution(AICMO_WEBHOOK_URL=receiver.url,
                                   AICMO_WEBHOOK_SECRET=SECRET, AICMO_SEND_MAX_ATTEMPTS=3)
    campaign = await stack.campaign(channels=(EMAIL, WEBHOOK))
    lead = await stack.capture(campaign, "hook@example.org")
    template = await stack.template(campaign.venture_id, channel=WEBHOOK)
    return campaign, lead, template


async def test_the_signature_verifies_at_the_receiver(stack, receiver):
    campaign, lead, template = await _setup(stack, receiver)
    job = (await stack.create_send(campaign, lead.lead_id, template.id, channel=WEBHOOK)).send
    assert job.state == dpb.SEND_STATE_SENT and job.message_id == "prov-1"
    [request] = receiver.requests
    assert request["valid"] and request["idempotency_key"] == job.id
    assert request["body"]["to"] == "hook@example.org"
    assert request["body"]["unsubscribe_url"].startswith("https://edge.example/u/")


async def test_server_errors_are_retried_with_backoff_up_to_the_cap(stack, receiver):
    campaign, lead, template = await _setup(stack, receiver)
    receiver.status = 503
    job = (await stack.create_send(campaign, lead.lead_id, template.id, channel=WEBHOOK,
                                   request_id=str(uuid.uuid4()))).send
    assert job.state == dpb.SEND_STATE_RETRYING and job.transient

    async def failed() -> bool:
        current = (await stack.dist.GetSend(dpb.GetSendRequest(send_id=job.id),
                                            metadata=stack.md)).send
        return current.state == dpb.SEND_STATE_FAILED

    await wait_for(failed, what="the send to give up")
    final = (await stack.dist.GetSend(dpb.GetSendRequest(send_id=job.id),
                                      metadata=stack.md)).send
    assert list(final.block_reasons) == [dpb.BLOCK_REASON_RETRIES_EXHAUSTED]
    assert final.delivery_attempts == 3 and len(receiver.requests) == 3
    assert all(r["valid"] and r["idempotency_key"] == job.id for r in receiver.requests)


async def test_a_client_error_is_a_permanent_failure(stack, receiver):
    campaign, lead, template = await _setup(stack, receiver)
    receiver.status = 400
    job = (await stack.create_send(campaign, lead.lead_id, template.id, channel=WEBHOOK)).send
    assert job.state == dpb.SEND_STATE_FAILED and not job.transient
    assert list(job.block_reasons) == [dpb.BLOCK_REASON_DELIVERY_REJECTED]
    assert len(receiver.requests) == 1


async def test_a_run_with_too_many_failures_pauses_its_campaign(stack, receiver):
    from aicmo.venture.v1 import venture_pb2 as vpb

    await stack.start_distribution(AICMO_WEBHOOK_URL=receiver.url, AICMO_WEBHOOK_SECRET=SECRET,
                                   AICMO_AUTOPAUSE_WINDOW=2, AICMO_AUTOPAUSE_FAILURE_RATIO=0.4,
                                   AICMO_RUN_CONCURRENCY=1)
    campaign = await stack.campaign(channels=(EMAIL, WEBHOOK))
    for i in range(6):
        await stack.capture(campaign, f"ap{i}@example.org")
    template = await stack.template(campaign.venture_id, channel=WEBHOOK)
    receiver.status = 400

    run = await stack.run(campaign, template)
    halted = await stack.wait_run(run.id, dpb.RUN_STATE_HALTED)

    assert halted.auto_paused and "auto-pause" in halted.halt_reason, halted.halt_reason
    assert len(receiver.requests) == 2  # the run stopped at the threshold
    assert "the campaign was paused" in halted.halt_reason, halted.halt_reason
    current = (await stack.venture.GetCampaign(vpb.GetCampaignRequest(
        campaign_id=campaign.id), metadata=stack.md)).campaign
    assert current.status == vpb.CAMPAIGN_STATUS_PAUSED
