"""The webhook routes through the edge's real HTTP app (uvicorn on port 0) and a real gRPC
server standing in for distribution: signed posts are handed off and answered per event;
forged, unsigned, stale and replayed ones are refused with a JSON reason and change nothing;
distribution down is a 503 the provider retries."""

from __future__ import annotations

import base64
import json
import time

import grpc
import httpx
import pytest

from aicmo.distribution.v1 import distribution_pb2, distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common import signed_body
from aicmo_common.clients import open_channel
from aicmo_gateway.edge.app import EdgeBackends, create_app
from aicmo_gateway.edge.config import EdgeConfig, InboundConfig
from aicmo_gateway.edge.metrics import EdgeMetrics
from aicmo_gateway.inbound.routes import InboundEdge
from tests.e2e.gateway.edge_server import serving
from tests.integration.gateway.test_inbound_smtp import RecordingDistribution, serve_distribution
from tests.unit.gateway.inbound.mail_samples import DOMAIN, FIXTURES, SECRET, SEND_ID
from tests.unit.gateway.inbound.signing import TOPIC_ARN, Keys, make_keys

WEBHOOK_SECRET = "w" * 40


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


class Edge:
    def __init__(self, url: str, distribution: RecordingDistribution, confirmed: list[str],
                 metrics: EdgeMetrics) -> None:
        self.url, self.distribution, self.confirmed, self.metrics = (url, distribution,
                                                                     confirmed, metrics)

    def recorded(self) -> list[distribution_pb2.DeliveryEvent]:
        return [event for request in self.distribution.requests for event in request.events]


@pytest.fixture
async def edge(keys):
    servicer = RecordingDistribution()
    server, port = await serve_distribution(servicer)
    channel = open_channel(f"127.0.0.1:{port}", timeout_seconds=2.0)
    unused = grpc.aio.insecure_channel("127.0.0.1:9")  # forms and unsubscribe are not used here
    backends = EdgeBackends(venture_pb2_grpc.VentureServiceStub(unused),
                            leads_pb2_grpc.LeadsServiceStub(unused), [],
                            distribution_pb2_grpc.DistributionServiceStub(channel))
    inbound_config = InboundConfig(
        domain=DOMAIN, return_path_secret=SECRET, sendgrid_public_key=keys.sendgrid_public_key,
        postmark_user="hook", postmark_password="pass-word", sns_topic_arns=(TOPIC_ARN,),
        webhook_secret=WEBHOOK_SECRET)
    config = EdgeConfig(host="127.0.0.1", port=0, metrics_port=None, token_secret="t" * 40,
                        venture_addr="", leads_addr="", inbound=inbound_config)
    confirmed: list[str] = []

    async def http_get(url: str) -> bytes:
        if url.endswith(".pem"):
            return keys.certificate
        confirmed.append(url)
        return b"<ConfirmSubscriptionResponse/>"

    metrics = EdgeMetrics()
    inbound = InboundEdge(inbound_config, metrics, http_get=http_get)
    app = create_app(config, backends, metrics=metrics, inbound=inbound)
    async with serving(app) as url:
        yield Edge(url, servicer, confirmed, metrics)
    await channel.close()
    await unused.close()
    await server.stop(None)


def fixture(name: str) -> bytes:
    return (FIXTURES / "webhooks" / name).read_bytes()


def generic_headers(body: bytes, stamp: int | None = None) -> dict[str, str]:
    timestamp = str(stamp if stamp is not None else int(time.time()))
    return {"X-Aicmo-Timestamp": timestamp,
            "X-Aicmo-Signature": signed_body.signature(WEBHOOK_SECRET, timestamp, body)}


async def post(edge: Edge, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
        return await client.post(path, content=body, headers=headers)


async def test_a_signed_generic_post_is_handed_off_and_a_replay_refused(edge):
    body = fixture("generic_events.json")
    headers = generic_headers(body)
    response = await post(edge, "/inbound/events", body, headers)
    assert response.status_code == 200, response.text
    assert [r["outcome"] for r in response.json()["results"]] == ["recorded", "recorded"]
    assert [e.event_id for e in edge.recorded()] == ["generic:sms-7f3a-0001",
                                                     "generic:li-7f3a-0002"]
    again = await post(edge, "/inbound/events", body, headers)
    assert again.status_code == 409 and again.json()["error"]["reason"] == "replayed"
    assert len(edge.recorded()) == 2


async def test_forged_unsigned_and_stale_posts_change_nothing(edge):
    body = fixture("generic_events.json")
    forged = dict(generic_headers(body), **{"X-Aicmo-Signature": "v1=" + "0" * 64})
    stale = generic_headers(body, int(time.time()) - 600)
    cases = [("/inbound/events", {}, 401, "unsigned"),
             ("/inbound/events", forged, 403, "bad_signature"),
             ("/inbound/events", stale, 403, "stale"),
             ("/inbound/postmark", {}, 401, "missing_credentials"),
             ("/inbound/postmark", {"Authorization": "Basic " + base64.b64encode(
                 b"hook:wrong").decode()}, 403, "bad_credentials"),
             ("/inbound/sendgrid", {}, 401, "unsigned")]
    for path, headers, status, reason in cases:
        response = await post(edge, path, body, headers)
        assert (response.status_code, response.json()["error"]["reason"]) == (status, reason)
    assert edge.recorded() == []
    assert edge.metrics.inbound_refusals.labels("generic", "stale")._value.get() == 1


async def test_a_signed_sendgrid_batch_is_recorded_per_event(edge, keys):
    body = fixture("sendgrid_events.json")
    stamp = str(int(time.time()))
    signature = base64.b64encode(keys.ec_sign(stamp.encode() + body)).decode()
    response = await post(edge, "/inbound/sendgrid", body, {
        "X-Twilio-Email-Event-Webhook-Signature": signature,
        "X-Twilio-Email-Event-Webhook-Timestamp": stamp, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 7
    kinds = [e.kind for e in edge.recorded()]
    assert kinds.count(distribution_pb2.DELIVERY_EVENT_KIND_UNSUBSCRIBE) == 2
    assert all(e.source == distribution_pb2.DELIVERY_EVENT_SOURCE_SENDGRID
               for e in edge.recorded())


async def test_postmark_records_are_accepted_with_the_configured_credentials(edge):
    auth = {"Authorization": "Basic " + base64.b64encode(b"hook:pass-word").decode()}
    for name in ("postmark_bounce.json", "postmark_spam_complaint.json",
                 "postmark_subscription_change.json", "postmark_delivery.json"):
        response = await post(edge, "/inbound/postmark", fixture(name), auth)
        assert response.status_code == 200, (name, response.text)
    assert [e.send_id for e in edge.recorded()] == [SEND_ID] * 4


async def test_ses_through_sns_confirms_allowed_topics_and_records_verified_notifications(
        edge, keys):
    confirmation = keys.sns_envelope("You have chosen to subscribe to the topic.",
                                     kind="SubscriptionConfirmation", version="2")
    response = await post(edge, "/inbound/ses", json.dumps(confirmation).encode(),
                          {"Content-Type": "text/plain; charset=UTF-8",
                           "x-amz-sns-message-type": "SubscriptionConfirmation"})
    assert response.status_code == 200 and edge.confirmed == [confirmation["SubscribeURL"]]
    foreign = keys.sns_envelope("subscribe?", kind="SubscriptionConfirmation",
                                topic="arn:aws:sns:us-east-1:999999999999:theirs")
    response = await post(edge, "/inbound/ses", json.dumps(foreign).encode(), {})
    assert response.status_code == 403 and len(edge.confirmed) == 1
    notification = keys.sns_envelope(json.loads(fixture("ses_bounce.json")))
    response = await post(edge, "/inbound/ses", json.dumps(notification).encode(), {})
    assert response.status_code == 200, response.text
    (event,) = edge.recorded()
    assert (event.kind, event.send_id) == (distribution_pb2.DELIVERY_EVENT_KIND_BOUNCE_HARD,
                                           SEND_ID)
    tampered = dict(notification, Message=notification["Message"].replace("5.1.1", "4.1.1"),
                    MessageId="another")
    response = await post(edge, "/inbound/ses", json.dumps(tampered).encode(), {})
    assert response.status_code == 403 and len(edge.recorded()) == 1


async def test_distribution_down_is_a_503_and_the_retry_after_recovery_is_recorded(edge):
    body = fixture("generic_events.json")
    edge.distribution.fail = True
    response = await post(edge, "/inbound/events", body, generic_headers(body))
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    edge.distribution.fail = False
    response = await post(edge, "/inbound/events", body, generic_headers(body, int(time.time())
                                                                           + 1))
    assert response.status_code == 200
    assert len({e.event_id for e in edge.recorded()}) == 2
