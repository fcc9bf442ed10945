"""The feedback loop end to end on the dev stack, over real SMTP both ways: a message goes out
through distribution with signed return and reply addresses; a bounce, an out-of-office and a
human reply come back to the edge's inbound receiver; distribution records each once on its
send and leads applies its effect (a hard bounce suppresses the address)."""

from __future__ import annotations

import email
import email.policy
import smtplib
import uuid
from pathlib import Path

import pytest

from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2 as vpb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common import verp
from aicmo_common.clients import open_channel
from aicmo_gateway import devfiles
from tests.support.waiting import wait_for

pytestmark = pytest.mark.needs("venture", "leads", "distribution")

EMAIL = common_pb2.CHANNEL_EMAIL
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inbound" / "mail"
# What the fixtures were written with (tests/unit/gateway/inbound/mail_samples.py).
FIXTURE_SEND_ID = "3f1c2a9e-8b7d-4c6e-9a5f-1e2d3c4b5a69"
FIXTURE_DOMAIN = "in.aicmo.test"
FIXTURE_MAIL_DOMAIN = "mail.aicmo.test"


@pytest.fixture
async def apis(stack):
    if "AICMO_INBOUND_SMTP_ADDR" not in stack.values:
        pytest.skip("the dev stack runs no inbound SMTP receiver (no edge)")
    token = stack.values["AICMO_TOKEN"]
    channels = [open_channel(stack.values[f"AICMO_{name}_ADDR"], token=token,
                             timeout_seconds=10)
                for name in ("VENTURE", "LEADS", "DISTRIBUTION")]
    yield (venture_pb2_grpc.VentureServiceStub(channels[0]),
           leads_pb2_grpc.LeadsServiceStub(channels[1]),
           distribution_pb2_grpc.DistributionServiceStub(channels[2]))
    for channel in channels:
        await channel.close()


def sent_message(stack, send_id: str) -> email.message.EmailMessage:
    for path in (stack.root / "var" / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message.get("X-Aicmo-Send-Id") == send_id:
            return message
    raise AssertionError(f"no message of send {send_id} in var/mail")


def answer(name: str, send_id: str, address: str, *, secret: str) -> bytes:
    """A fixture message rewritten to answer the real send: its ids, its addresses."""
    raw = (FIXTURES / name).read_bytes()
    for prefix in (verp.BOUNCE, verp.REPLY):
        fixture_address = verp.address(FIXTURE_SEND_ID, secret="inbound-fixture-secret-"
                                       "0123456789abcdef", domain=FIXTURE_DOMAIN,
                                       prefix=prefix)
        raw = raw.replace(fixture_address.encode(),
                          verp.address(send_id, secret=secret, domain="localhost",
                                       prefix=prefix).encode())
    return (raw.replace(f"{FIXTURE_SEND_ID}@{FIXTURE_MAIL_DOMAIN}".encode(),
                        f"{send_id}@aicmo.invalid".encode())
            .replace(b"jane.doe@recipient.example", address.encode())
            .replace(FIXTURE_SEND_ID.encode(), send_id.encode()))


def deliver(stack, recipient: str, raw: bytes) -> None:
    host, port = stack.values["AICMO_INBOUND_SMTP_ADDR"].rsplit(":", 1)
    wire = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # SMTP lines end in CRLF
    with smtplib.SMTP(host, int(port), timeout=10) as client:
        client.sendmail("", [recipient], wire)


async def test_a_bounce_an_auto_reply_and_a_reply_come_back_and_act_once(stack, apis):
    venture_api, leads_api, dist_api = apis
    secret = devfiles.read_secrets(stack.root / "var" / devfiles.SECRETS_FILE).token_secret
    venture_id = f"loop-{uuid.uuid4().hex[:8]}"
    await venture_api.CreateVenture(vpb.CreateVentureRequest(venture=vpb.Venture(
        id=venture_id, name="Loop Co", timezone="UTC", owner_contact="o@loop.example",
        default_channels=[EMAIL], sender=vpb.SenderIdentity(
            from_address="hello@loop.example", from_name="Loop Co",
            postal_address="1 Loop Road"))))
    campaign = (await venture_api.CreateCampaign(vpb.CreateCampaignRequest(
        campaign=vpb.Campaign(venture_id=venture_id, name="Loop", allowed_channels=[EMAIL],
                              daily_send_limit=10)))).campaign
    await venture_api.StartCampaign(vpb.StartCampaignRequest(campaign_id=campaign.id,
                                                             reason="go"))
    template = (await dist_api.CreateTemplate(dpb.CreateTemplateRequest(
        template=dpb.Template(venture_id=venture_id, name="t", channel=EMAIL,
                              message=dpb.Message(subject="A quick question",
                                                  body_text="Hi {{ unsubscribe_url }}"))))
                ).template
    sends = {}
    for who in ("gone", "away", "keen"):
        address = f"{who}-{uuid.uuid4().hex[:6]}@recipient.example"
        lead = (await leads_api.CaptureLead(lpb.CaptureLeadRequest(capture=lpb.LeadCapture(
            venture_id=venture_id, campaign_id=campaign.id, email=address,
            source_channel="test")))).lead
        job = (await dist_api.CreateSend(dpb.CreateSendRequest(
            request_id=str(uuid.uuid4()), campaign_id=campaign.id, lead_id=lead.lead_id,
            channel=EMAIL, template_id=template.id))).send
        assert job.state == dpb.SEND_STATE_SENT
        sends[who] = (job, lead, address)

    job, lead, address = sends["gone"]
    sent = sent_message(stack, job.id)
    reply_to = sent["Reply-To"]
    assert verp.parse(reply_to, secret=secret).send_id == job.id
    assert "mailto:unsubscribe+" in sent["List-Unsubscribe"]
    bounce_address = verp.return_path(job.id, secret=secret, domain="localhost")
    dsn = answer("dsn_hard.eml", job.id, address, secret=secret)
    deliver(stack, bounce_address, dsn)
    deliver(stack, bounce_address, dsn)  # the same bounce again: one effect

    away_job, away_lead, away_address = sends["away"]
    deliver(stack, verp.reply_address(away_job.id, secret=secret, domain="localhost"),
            answer("auto_reply_ooo.eml", away_job.id, away_address, secret=secret))
    keen_job, keen_lead, keen_address = sends["keen"]
    deliver(stack, verp.reply_address(keen_job.id, secret=secret, domain="localhost"),
            answer("reply_gmail.eml", keen_job.id, keen_address, secret=secret))

    async def recorded():
        events = (await dist_api.ListDeliveryEvents(dpb.ListDeliveryEventsRequest(
            campaign_id=campaign.id))).events
        return sorted((e.send_id, e.event.kind) for e in events) if len(events) >= 3 else None

    kinds = await wait_for(recorded, what="the three events recorded")
    assert kinds == sorted([(job.id, dpb.DELIVERY_EVENT_KIND_BOUNCE_HARD),
                            (away_job.id, dpb.DELIVERY_EVENT_KIND_AUTO_REPLY),
                            (keen_job.id, dpb.DELIVERY_EVENT_KIND_REPLY)])

    async def suppressed() -> bool:
        answer_ = await leads_api.CheckContactability(lpb.CheckContactabilityRequest(
            lead_id=lead.lead_id, channel=EMAIL))
        return not answer_.allowed

    await wait_for(suppressed, what="leads suppressing the bounced address")

    async def ledger():
        items = (await leads_api.ListFeedback(lpb.ListFeedbackRequest(
            campaign_id=campaign.id))).items
        return items if len(items) >= 3 else None

    items = {item.lead_id: item for item in await wait_for(ledger, what="the ledger")}
    assert items[lead.lead_id].kind == lpb.FEEDBACK_KIND_BOUNCE_HARD
    assert items[away_lead.lead_id].kind == lpb.FEEDBACK_KIND_AUTO_REPLY
    assert items[keen_lead.lead_id].kind == lpb.FEEDBACK_KIND_REPLY
    assert items[keen_lead.lead_id].classification.objection != lpb.OBJECTION_UNSPECIFIED
    # An out-of-office is not a reply, and neither it nor the reply stops mail to them.
    for other in (away_lead, keen_lead):
        still = await leads_api.CheckContactability(lpb.CheckContactabilityRequest(
            lead_id=other.lead_id, channel=EMAIL))
        assert still.allowed


async def test_a_forged_return_path_is_refused_at_rcpt(stack, apis):
    forged = f"bounce+{uuid.uuid4()}.aaaaaaaaaaaaa@localhost"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        deliver(stack, forged, b"Subject: hi\r\n\r\nhello\r\n")
    code, _ = refused.value.recipients[forged]
    assert code == 550
